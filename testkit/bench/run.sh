#!/usr/bin/env bash
# Runs one benchmark of testkit/src/test/java/dev/shoal/testkit/bench and prints its figures as the
# last line (key=value pairs): the test's own last line, which surefire writes to
# testkit/target/surefire-reports/dev.shoal.testkit.bench.<Name>-output.txt.
#
#   testkit/bench/run.sh PublishPipelineBenchmark | TrackerBenchmark | DeltaUpdateBenchmark
#
# SKIP_BUILD=1 skips installing the modules first; MVN_FLAGS (default -o) are added to every mvn.
# TrackerBenchmark installs wrk and opentracker first (scripts/install-bench-deps.sh, apt-get).
set -euo pipefail
cd "$(dirname "$0")/../.."
name=${1:?usage: testkit/bench/run.sh PublishPipelineBenchmark|TrackerBenchmark|DeltaUpdateBenchmark}
flags=${MVN_FLAGS--o}
if [ "$name" = TrackerBenchmark ]; then scripts/install-bench-deps.sh; fi
if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B $flags -q install -DskipTests -pl protocol,swarm,dashboard,control-plane,edge-agent
fi
mvn -B $flags -q -pl testkit test -Dtest="dev.shoal.testkit.bench.$name" -Dsurefire.excludedGroups= \
  ${BENCH_ARGS:-}
tail -n 1 "testkit/target/surefire-reports/dev.shoal.testkit.bench.$name-output.txt"
