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
  # maven.test.skip, not skipTests: the image needs no test classes, and compiling the tests of
  # protocol, test-support, swarm and edge-agent was a third of this script's CPU time.
  mvn -B -q ${MVN_ARGS:-} -pl edge-agent -am -Dmaven.test.skip=true -Dspotless.apply.skip=true \
    package
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
#    zstd-jni is left out of the analysis: JDK 17's jdeps cannot read its multi-release module
#    descriptor (META-INF/versions/22), and it needs java.base alone (its classes load a native
#    library and use nothing else of the JDK).
analysed=()
for jar in "$input"/lib/*.jar; do
  case "$(basename "$jar")" in zstd-jni-*) ;; *) analysed+=("$jar") ;; esac
done
detected="$("$jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps \
  "$input/$main_jar" "${analysed[@]}" | grep -v '^Warning' | tail -1)"
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
# The CLI's own classes (picocli, the local API client) for the launcher's archive (step 5): `status`
# against this running agent, and against none.
if [ "$started" = 1 ]; then
  for data in "$training/data" "$training/none"; do
    "$dist/runtime/bin/java" -Xshare:off -XX:DumpLoadedClassList="$training/cli-$(basename "$data")" \
      -cp "$input/*:$input/lib/*" dev.shoal.agent.cli.ShoalAgent --data-dir "$data" status \
      >/dev/null 2>&1 || true
  done
  sort -u "$input/shoal-agent.classlist" "$training"/cli-* >"$input/shoal-agent-cli.classlist"
fi
kill "$agent_pid"
wait "$agent_pid" || true
[ "$started" = 1 ] || { cat "$training/log" >&2; echo "the training run did not start" >&2; exit 1; }
rm -rf "$training"
echo "class list: $(wc -l <"$input/shoal-agent.classlist") classes"
cp deploy/agent/class-data.sh "$input/"

# 4. The app image: launcher + runtime + jars. Flags: a light guest on the player's machine
#    (idle RSS with these flags: docs/benchmarks.md). Unlike the service (shoal-agent.service), the
#    launcher keeps tiered compilation: its commands live a fraction of a second, and C1 compiles
#    their code at once where C2 alone would interpret it (the service's C2-only, one-thread setting
#    is about idle memory); `run` from the launcher still reaches C2 and its crypto intrinsics.
#    On Linux, bin/shoal-agent is then replaced by a shell script (step 5).
"$jpackage" --type app-image --name shoal-agent --app-version "$app_version" \
  --input "$input" --main-jar "$main_jar" --main-class dev.shoal.agent.cli.ShoalAgent \
  --runtime-image "$dist/runtime" \
  --java-options '-Xmx32m' --java-options '-XX:+UseSerialGC' \
  --java-options '-Xss512k' \
  --java-options '-XX:+ExitOnOutOfMemoryError' \
  --java-options '-Xms8m' --java-options '-XX:MinHeapFreeRatio=10' \
  --java-options '-XX:MaxHeapFreeRatio=30' --java-options '-XX:ReservedCodeCacheSize=16m' \
  --java-options '-XX:-UsePerfData' \
  --java-options '-XX:TrimNativeHeapInterval=5000' \
  --java-options '-XX:CompileCommand=quiet' \
  --java-options '-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.01' \
  --dest "$dist"

chmod +x "$dist/shoal-agent/lib/app/class-data.sh"

# 5. Linux: the CLI starts the JVM from a shell script, not jpackage's native launcher, which runs
#    `rpm -qf` and `dpkg -S` (twice) on every start to find the package it came from: ~0.45 s of
#    CPU per command, more than the JVM itself. The script uses the flags above and the class-data
#    archive lib/app/cli.jsa, made here for the image where it is now (JDK 17 archives name the
#    exact jars); a copy of the image elsewhere runs lib/app/class-data.sh --launcher once there
#    (-Xshare:auto ignores an archive that does not fit: slower, never broken).
if [ "$(uname -s)" = Linux ]; then
  launcher="$dist/shoal-agent/bin/shoal-agent"
  # Each flag single-quoted: CompileCommand's pattern has '*', which the shell would expand.
  flags="$(sed -n "s/^java-options=\(.*\)$/'\1'/p" "$dist/shoal-agent/lib/app/shoal-agent.cfg" |
    paste -sd' ' -)"
  cat >"$launcher" <<EOF_LAUNCHER
#!/bin/sh
# shoal-agent: the edge agent's command line (made by deploy/agent/build-runtime.sh).
image="\$(dirname "\$(dirname "\$(readlink -f "\$0")")")"
app="\$image/lib/app"
exec "\$image/lib/runtime/bin/java" $flags \\
  -XX:SharedArchiveFile="\$app/cli.jsa" -Xshare:auto \\
  -cp "\$app/*:\$app/lib/*" dev.shoal.agent.cli.ShoalAgent "\$@"
EOF_LAUNCHER
  chmod 755 "$launcher"
  "$dist/shoal-agent/lib/app/class-data.sh" --launcher
fi

# 6. Smoke test: the trimmed runtime starts the CLI.
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
