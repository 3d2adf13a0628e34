#!/usr/bin/env bash
# The whole test suite, slow tests included: installs the Debian packages the tests need, then runs Maven.
# Extra arguments go to Maven (e.g. scripts/test.sh -pl swarm).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
exec mvn -B -Pslow verify "$@"
