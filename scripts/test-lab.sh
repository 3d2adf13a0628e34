#!/usr/bin/env bash
# The lab's tests: an internet of network namespaces on this machine (NAT routers, shaping, UPnP),
# the README's tour in namespaces of its own. They need root; elsewhere they skip with a reason.
# Installs the Debian packages they drive, then runs the tests tagged "lab" (CI runs this after
# scripts/test.sh). Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
exec mvn -B -Plab verify "$@"
