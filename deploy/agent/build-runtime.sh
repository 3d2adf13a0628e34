#!/usr/bin/env bash
# Builds a trimmed Java runtime (jlink) and a self-contained app image (jpackage) for the edge agent.
#
#   deploy/agent/build-runtime.sh            # build everything, output in edge-agent/target/dist/
#   SKIP_BUILD=1 deploy/agent/build-runtime.sh   # reuse the jars already in edge-agent/target
#   MVN_ARGS=-o deploy/agent/build-runtime.sh    # extra Maven arguments (e.g. offline)
#
# Needs a full JDK 17 (jdeps, jlink, jpackage; Debian: openjdk-17-jdk-headless). jpackage builds for
# the OS it runs on: run it on Windows/macOS for those images. Prints the module list and the sizes.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
jdeps="$java_home/bin/jdeps"; jlink="$java_home/bin/jlink"; jpackage="$java_home/bin/jpackage"
for tool in "$jdeps" "$jlink" "$jpackage"; do
  [ -x "$tool" ] || { echo "missing $tool: install a full JDK 17 (openjdk-17-jdk-headless)" >&2; exit 1; }
done

version="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' edge-agent/pom.xml | head -1)"
app_version="${version%%-*}"                      # jpackage wants digits and dots only
dist="$repo/edge-agent/target/dist"
input="$dist/input"
rm -rf "$dist"
mkdir -p "$input/lib"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # shellcheck disable=SC2086
  # spotless.apply.skip: do not reformat other modules' sources as a side effect of packaging.
  mvn -B -q ${MVN_ARGS:-} -pl edge-agent -am -DskipTests -Dspotless.apply.skip=true package
fi
# Runtime dependencies of the agent only (protocol, swarm, picocli, Jackson, JNA), next to the jar:
# the jar's manifest has Class-Path: lib/<each jar>.
# shellcheck disable=SC2086
mvn -B -q ${MVN_ARGS:-} -pl edge-agent dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$input/lib"
main_jar="edge-agent-$version.jar"
cp "edge-agent/target/$main_jar" "$input/"

# 1. Which JDK modules do the agent and its libraries use? (static analysis of every class)
#    Today: java.base, java.desktop (only JNA's Native$AWT helpers, which the agent never calls),
#    java.net.http, java.sql (Jackson's java.sql.* handlers), jdk.httpserver (local API);
#    java.logging and java.xml come in through java.sql.
detected="$("$jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps \
  "$input/$main_jar" "$input"/lib/*.jar | grep -v '^Warning' | tail -1)"
[[ "$detected" =~ ^[a-z.,]+$ ]] || { echo "unexpected jdeps output: $detected" >&2; exit 1; }
echo "jdeps: $detected"
# java.desktop is 10 MiB for classes the agent never loads: JNA refers to AWT only in helpers for
# drawing windows, and the agent opens its status page with the platform opener, not java.awt
# (an ArchUnit rule in edge-agent keeps java.awt out). So it is left out of the runtime.
detected="$(tr ',' '\n' <<<"$detected" | grep -vx java.desktop | paste -sd, -)"
# 2. Plus what jdeps cannot see because it is found at run time (service providers):
#    jdk.crypto.ec  - SunEC: Ed25519 and X25519 (XDH) live there in JDK 17 (java.base from JDK 22)
#    jdk.localedata - French number/date formats in the consent texts (only en and fr are kept)
#    jdk.zipfs      - not needed; jdk.charsets - not needed (UTF-8 only)
modules="$detected,jdk.crypto.ec,jdk.localedata"
modules="$(tr ',' '\n' <<<"$modules" | sort -u | paste -sd, -)"
echo "jlink modules: $modules"

"$jlink" --add-modules "$modules" --include-locales=en,fr \
  --compress=2 --strip-debug --no-header-files --no-man-pages \
  --output "$dist/runtime"

# 3. The class list for the agent's class-data archive: which classes an idle agent loads, found by
#    starting one (on a throw-away data directory) until its local API is up. The list names classes
#    only, no paths, so it ships in the image; class-data.sh turns it into an archive on the machine
#    where the image is installed (JDK 17 archives are bound to the exact class path).
training="$(mktemp -d)"
"$dist/runtime/bin/java" -Xmx32m -XX:+UseSerialGC -Xshare:off \
  -XX:DumpLoadedClassList="$input/shoal-agent.classlist" \
  -cp "$input/*:$input/lib/*" dev.shoal.agent.cli.ShoalAgent --data-dir "$training/data" run \
  >"$training/log" 2>&1 &
agent_pid=$!
started=0
for _ in $(seq 150); do
  if [ -f "$training/data/local-api.json" ]; then started=1; break; fi
  sleep 0.2
done
kill "$agent_pid"
wait "$agent_pid" || true
[ "$started" = 1 ] || { cat "$training/log" >&2; echo "the training run did not start" >&2; exit 1; }
rm -rf "$training"
echo "class list: $(wc -l <"$input/shoal-agent.classlist") classes"
cp deploy/agent/class-data.sh "$input/"

# 4. The app image: launcher + runtime + jars. Flags: a light guest on the player's machine
#    (idle RSS with these flags: docs/benchmarks.md).
"$jpackage" --type app-image --name shoal-agent --app-version "$app_version" \
  --input "$input" --main-jar "$main_jar" --main-class dev.shoal.agent.cli.ShoalAgent \
  --runtime-image "$dist/runtime" \
  --java-options '-Xmx32m' --java-options '-XX:+UseSerialGC' \
  --java-options '-XX:-TieredCompilation' --java-options '-Xss512k' \
  --java-options '-XX:+ExitOnOutOfMemoryError' \
  --java-options '-Xms8m' --java-options '-XX:MinHeapFreeRatio=10' \
  --java-options '-XX:MaxHeapFreeRatio=30' --java-options '-XX:ReservedCodeCacheSize=16m' \
  --java-options '-XX:CICompilerCount=1' --java-options '-XX:-UsePerfData' \
  --java-options '-XX:TrimNativeHeapInterval=5000' \
  --java-options '-XX:CompileCommand=quiet' \
  --java-options '-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.01' \
  --dest "$dist"

chmod +x "$dist/shoal-agent/lib/app/class-data.sh"

# 5. Smoke test: the trimmed runtime starts the CLI.
"$dist/shoal-agent/bin/shoal-agent" --help >/dev/null

runtime_kb="$(du -sk "$dist/runtime" | cut -f1)"
image_kb="$(du -sk "$dist/shoal-agent" | cut -f1)"
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f MiB (%.1f MB)", kb / 1024, kb * 1024 / 1e6 }'; }
echo "runtime (jlink):      $(mib "$runtime_kb")  $dist/runtime"
echo "app image (jpackage): $(mib "$image_kb")  $dist/shoal-agent"
# Target: a runtime under 50 MiB (disk usage, du -sk).
if [ "$runtime_kb" -ge $((50 * 1024)) ]; then
  echo "runtime is over the 50 MiB target" >&2
  exit 1
fi
