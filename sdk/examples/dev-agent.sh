#!/bin/sh
# The edge agent of this build, standing in for an installed shoal-agent (a player's machine has
# the app image of deploy/agent/ instead). Same commands as shoal-agent, e.g.:
#
#   sdk/examples/dev-agent.sh run            # in the foreground; Ctrl+C stops it
#   sdk/examples/dev-agent.sh status
#
# Needs a build: mvn -B -q -DskipTests -pl sdk -am install
set -eu
here=$(cd "$(dirname "$0")" && pwd)
classpath="$here/../target/dev-agent.classpath"
if [ ! -f "$classpath" ]; then
  echo "Build first, from the repository's root: mvn -B -q -DskipTests -pl sdk -am install" >&2
  exit 2
fi
exec java -Xmx64m -cp "$(cat "$classpath")" dev.shoal.agent.cli.ShoalAgent "$@"
