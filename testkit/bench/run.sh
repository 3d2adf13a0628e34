#!/usr/bin/env bash
# Runs one benchmark of testkit/src/test/java/dev/shoal/testkit/bench and prints its figures as the
# last line (key=value pairs): the test's own last line, which surefire writes to
# testkit/target/surefire-reports/dev.shoal.testkit.bench.<Name>-output.txt.
#
#   testkit/bench/run.sh PublishPipelineBenchmark | TrackerBenchmark | DeltaUpdateBenchmark
#   testkit/bench/run.sh TrackerScaleBenchmark  # BENCH_ARGS="-Dbench.tracker.devices=100000
#                                               # -Dbench.tracker.walk-seconds=60"
#   testkit/bench/run.sh FleetBenchmark         # BENCH_ARGS="-Dbench.fleet.devices=1000000
#                                               # -Dbench.fleet.seconds=60" (three replicas behind
#                                               # HAProxy, one killed halfway)
#   testkit/bench/run.sh InstallUpdateBenchmark # BENCH_ARGS="-Dshoal.bench.installBytes=4294967296
#                                               # -Dshoal.bench.dir=/mnt/xfs" (default 4 GiB in a
#                                               # temporary directory)
#   testkit/bench/run.sh CliLatencyBenchmark    # shoal-agent status vs java -version (builds the
#                                               # app image first; BENCH_ARGS=-Dbench.cli.runs=15)
#   testkit/bench/run.sh SwarmScaleBenchmark    # SWARM_SCENARIOS=all (or names/prefixes:
#                                               # t-20to1,a-20to1-n5,d-) SWARM_SEED_CAP=10000000
#                                               # SWARM_MIB=64 SWARM_ENGINES=shoal,shoal-1jvm,lt
#                                               # (environment; shoal-1jvm: the N agents in one
#                                               # JVM); without SWARM_SCENARIOS: SWARM_N=5,10,20
#                                               # together at SWARM_PEER_CAP=2000000
#
# SKIP_BUILD=1 skips installing the modules first; MVN_FLAGS (default -o) are added to every mvn.
# TrackerBenchmark installs wrk and opentracker first (scripts/install-bench-deps.sh, apt-get);
# SwarmScaleBenchmark installs python3-libtorrent (apt-get) when /usr/bin/python3 lacks it.
set -euo pipefail
cd "$(dirname "$0")/../.."
name=${1:?usage: testkit/bench/run.sh CliLatencyBenchmark|PublishPipelineBenchmark|TrackerBenchmark|TrackerScaleBenchmark|FleetBenchmark|DeltaUpdateBenchmark|InstallUpdateBenchmark|SwarmScaleBenchmark}
flags=${MVN_FLAGS--o}
if [ "$name" = TrackerBenchmark ] || [ "$name" = TrackerScaleBenchmark ] || [ "$name" = FleetBenchmark ]; then
  scripts/install-bench-deps.sh
fi
if [ "$name" = SwarmScaleBenchmark ] && ! /usr/bin/python3 -c 'import libtorrent' 2>/dev/null; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-libtorrent
fi
if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B $flags -q install -DskipTests -pl protocol,test-support,swarm,dashboard,control-plane,edge-agent
fi
if [ "$name" = CliLatencyBenchmark ]; then
  SKIP_BUILD=1 MVN_ARGS="$flags" deploy/agent/build-runtime.sh >/dev/null
fi
heap=()
# shoal-1jvm: 20 agents; the fleet: one replica's admission caches for a million devices
if [ "$name" = SwarmScaleBenchmark ] || [ "$name" = FleetBenchmark ]; then heap=(-Dsurefire.argLine=-Xmx3g); fi
mvn -B $flags -q -pl testkit test -Dtest="dev.shoal.testkit.bench.$name" -Dsurefire.excludedGroups= \
  "${heap[@]}" ${BENCH_ARGS:-}
tail -n 1 "testkit/target/surefire-reports/dev.shoal.testkit.bench.$name-output.txt"
