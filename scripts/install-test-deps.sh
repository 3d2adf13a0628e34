#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: a JDK and Maven if missing, Chromium and
# ChromeDriver (dashboard browser tests), aria2, python3-libtorrent and Transmission (BitTorrent
# interop tests), yamllint, promtool and systemd-analyze (checks of the deploy/ files), redis-server
# (the tracker's Redis swarm store), nginx-light (the caching proxy in front of the origin).
# Idempotent: does nothing when everything is already there.
set -euo pipefail

need=()
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v aria2c >/dev/null 2>&1 || need+=(aria2)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
/usr/bin/python3 -c 'import libtorrent' >/dev/null 2>&1 || need+=(python3-libtorrent)
# uTP interop with Transmission 3.00 (swarm TransmissionUtpLabTest); the package also starts a system
# daemon, which the test does not use: it runs its own in a network namespace
command -v transmission-daemon >/dev/null 2>&1 || need+=(transmission-daemon)
command -v transmission-remote >/dev/null 2>&1 || need+=(transmission-cli)
# deploy/ checks: YAML lint, Prometheus config and rules (promtool ships in "prometheus"), systemd unit
command -v yamllint >/dev/null 2>&1 || need+=(yamllint)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
# the control plane's Redis swarm store is tested against a real server
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# the cacheable origin is tested behind a real nginx as the CDN stand-in
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
# the lab (testkit dev.shoal.testkit.lab): namespaces, NAT, shaping, UPnP/NAT-PMP routers
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v miniupnpd >/dev/null 2>&1 || need+=(miniupnpd-nftables)
command -v upnpc >/dev/null 2>&1 || need+=(miniupnpc)
command -v iperf3 >/dev/null 2>&1 || need+=(iperf3)
command -v openssl >/dev/null 2>&1 || need+=(openssl)

if [ ${#need[@]} -eq 0 ]; then
  echo "test dependencies: all present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "test dependencies: installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
