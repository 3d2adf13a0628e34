#!/bin/sh
# Benchmark: libtorrent (python3-libtorrent) vs the Shoal engine on loopback.
# Usage: swarm/bench/bench.sh   (from anywhere; builds protocol, swarm and swarm-cli first unless SKIP_BUILD=1)
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$ROOT" && mvn -B -q -o -pl swarm-cli -am install -DskipTests)
fi
exec /usr/bin/python3 "$HERE/bench.py"
