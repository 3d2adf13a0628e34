#!/bin/sh
# Runs the example launcher (examples/java/dev/shoal/sdk/examples/TerminalLauncher.java) from a
# build of this repository. Build once (and after changes), from the repository's root:
#
#   mvn -B -q -DskipTests -pl sdk -am install
#   sdk/examples/run-launcher.sh --help
#
# When no agent runs on the data directory, the launcher starts the one $SHOAL_AGENT (or --agent)
# names; by default sdk/examples/dev-agent.sh, the agent of this build.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target="$here/../target"
if [ ! -f "$target/example-runtime.classpath" ] || [ ! -d "$target/test-classes" ]; then
  echo "Build first, from the repository's root: mvn -B -q -DskipTests -pl sdk -am install" >&2
  exit 2
fi
SHOAL_AGENT="${SHOAL_AGENT:-$here/dev-agent.sh}"
export SHOAL_AGENT
exec java -cp "$target/classes:$target/test-classes:$(cat "$target/example-runtime.classpath")" \
  dev.shoal.sdk.examples.TerminalLauncher "$@"
