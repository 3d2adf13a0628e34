#!/usr/bin/env bash
# Runs one scenario of the lab (an internet of network namespaces on this machine, see
# testkit/README.md) and prints its figures as the last line (key=value pairs): the test's own last
# line, which surefire writes to testkit/target/surefire-reports/dev.shoal.testkit.lab.<Name>-output.txt.
#
#   testkit/lab/run.sh nat   # NatLabBenchmark: connectivity matrix (none / mapped / punched, cone
#                            # and symmetric pairs), offload and completion times NATed vs open, the
#                            # LAN share. LAB_ARGS="-Dlab.homes=7 -Dlab.mib=12 -Dlab.phase=240"
#                            # (-Dlab.agent-args=--utp=on: every agent over uTP as well;
#                            # -Dlab.router-reset=true: NAT routers answer unsolicited TCP with a RST)
#   testkit/lab/run.sh background  # BackgroundLabBenchmark: a foreground upload and a small UDP
#                            # probe's delay through a bufferbloated uplink (tbf, 300 ms queue)
#                            # while the home seeds: our agent over TCP, libtorrent over uTP, our
#                            # agent over uTP (--utp=on; -Dlab.utp-args= empty: "na"). ~8 minutes.
#                            # LAB_ARGS="-Dlab.uplink-kbit=8000 -Dlab.queue-ms=300 -Dlab.phase=20"
#
# Needs root (namespaces, nftables, tc) and nginx, openssl, python3, miniupnpd, upnpc, iperf3
# (apt-get: nginx-light openssl python3 miniupnpd-nftables miniupnpc nftables iproute2 iperf3;
# background also python3-libtorrent). The lab removes its
# namespaces on exit; this script also removes those of runs whose JVM died (kill -9).
# SKIP_BUILD=1 skips installing the modules first; MVN_FLAGS (default -o) are added to every mvn.
set -euo pipefail
cd "$(dirname "$0")/../.."
scenario=${1:?usage: testkit/lab/run.sh nat|background}
case "$scenario" in
  nat) name=NatLabBenchmark ;;
  background) name=BackgroundLabBenchmark ;;
  *) echo "unknown scenario: $scenario (known: nat, background)" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  echo "the lab needs root (network namespaces, veths, nftables, tc): run as root, as CI does" >&2
  exit 1
fi
# Leftovers of lab runs whose JVM is gone (the namespace name holds its pid).
stale() {
  for ns in $(ip netns list | awk '/^shoallab-[0-9]+-/{print $1}'); do
    pid=${ns#shoallab-}; pid=${pid%%-*}
    if ! kill -0 "$pid" 2>/dev/null; then
      for p in $(ip netns pids "$ns"); do kill -9 "$p" 2>/dev/null || true; done
      ip netns del "$ns" || true
    fi
  done
}
trap stale EXIT
stale
flags=${MVN_FLAGS--o}
if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B $flags -q install -DskipTests -pl protocol,test-support,swarm,dashboard,control-plane,edge-agent,testkit
fi
# Bounded: the lab tears itself down past its own deadline; this is the outer bound.
timeout 40m mvn -B $flags -q -pl testkit test -Dtest="dev.shoal.testkit.lab.$name" \
  -Dsurefire.excludedGroups= ${LAB_ARGS:-}
tail -n 1 "testkit/target/surefire-reports/dev.shoal.testkit.lab.$name-output.txt"
