#!/usr/bin/env bash
# Installs the Debian packages the benchmarks drive for real: wrk (HTTP load generator, with LuaJIT)
# and opentracker (the reference BitTorrent tracker for TrackerBenchmark), redis-server
# (TrackerScaleBenchmark). Idempotent: does nothing
# when both are already there.
set -euo pipefail

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v opentracker >/dev/null 2>&1 || [ -x /usr/bin/opentracker ] || need+=(opentracker)
# TrackerScaleBenchmark's Redis swarm store
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# FleetBenchmark's load balancer
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)

if [ ${#need[@]} -eq 0 ]; then
  echo "bench dependencies: all present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "bench dependencies: installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
