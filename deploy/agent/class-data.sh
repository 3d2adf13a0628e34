#!/bin/sh
# Makes sure the agent has a class-data archive (CDS) that this JVM accepts, and creates it if not.
#
#   lib/app/class-data.sh <archive>     (inside the app image; shoal-agent.service runs it before start)
#   lib/app/class-data.sh --launcher    (the archive of bin/shoal-agent, lib/app/cli.jsa: build-runtime.sh
#                                        runs it; run it again after copying the image elsewhere)
#
# Why: an archive maps the agent's ~3,000 classes from a file instead of parsing them into malloc'd
# memory, which takes the idle agent from ~64 MiB to ~55 MiB resident (docs/benchmarks.md).
# Why here and not at build time: JDK 17 accepts an archive only with the exact class path it was
# made with, so it has to be made where the image is installed. The class list that says what to
# archive is made at build time (build-runtime.sh) and ships in the image; dumping takes ~3 s, once.
# The JVM ignores an unusable archive (-Xshare:auto), so a failure here costs memory, never a start.
# The class path and the flags below must stay those of ExecStart in shoal-agent.service.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 <archive> | --launcher" >&2; exit 2; }
app="$(cd "$(dirname "$0")" && pwd)"
java="$app/../runtime/bin/java"
main=dev.shoal.agent.cli.ShoalAgent
if [ "$1" = --launcher ]; then
  # The CLI starts faster when its classes are mapped, not parsed: `status` is a JVM start, and
  # players and scripts call it often. Class path and flags: those of bin/shoal-agent (build-runtime.sh).
  app="$(cd "$app" && pwd -P)" # bin/shoal-agent resolves symbolic links (readlink -f)
  archive="$app/cli.jsa"
  classlist="$app/shoal-agent-cli.classlist"
  classpath="$app/*:$app/lib/*"
  set -- -Xmx32m -XX:+UseSerialGC -Xss512k -Xms8m -XX:-UsePerfData
else
  archive="$1"
  classlist="$app/shoal-agent.classlist"
  classpath="$app/*:$app/lib/*"
  set -- -Xmx32m -XX:+UseSerialGC -XX:-TieredCompilation -Xss512k -Xms8m -XX:-UsePerfData
fi

# Usable as it is? -Xshare:on makes the JVM refuse an archive made for other jars or another runtime.
usable() {
  [ -f "$archive" ] &&
    "$java" "$@" -Xshare:on -XX:SharedArchiveFile="$archive" -cp "$classpath" "$main" --version \
      >/dev/null 2>&1
}

if usable "$@"; then
  exit 0
fi
mkdir -p "$(dirname "$archive")"
tmp="$archive.tmp.$$"
trap 'rm -f "$tmp"' EXIT
if ! "$java" "$@" -Xshare:dump -XX:SharedClassListFile="$classlist" \
  -XX:SharedArchiveFile="$tmp" -cp "$classpath" >"$tmp.log" 2>&1; then
  echo "class-data.sh: could not create $archive:" >&2
  tail -n 5 "$tmp.log" >&2
  rm -f "$tmp.log"
  exit 1
fi
rm -f "$tmp.log"
mv -f "$tmp" "$archive"
if ! usable "$@"; then
  echo "class-data.sh: the JVM refuses the archive it just made: $archive (removed)" >&2
  rm -f "$archive"
  exit 1
fi
echo "class-data.sh: created $archive"
