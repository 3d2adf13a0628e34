#!/usr/bin/env bash
# The README's tour as a test: runs the commands of README.md's ```sh blocks as printed (the start
# command, the headless bootstrap, tour step 4's API route and step 6's two players) and fails when
# README and product have drifted apart. Then checks that both players installed the build byte for
# byte and that the second one got bytes from the first.
#
#   scripts/tour.sh [README]      # README.md of this repository by default; exit 77 = cannot run here
#
# Where it runs: as root, in namespaces of its own (unshare): a network namespace with only loopback
# up, so nothing the tour does reaches another machine (the agents' default --port-mapping=auto finds
# no router to ask, so the players' commands need no change) and localhost:8080 is free; a mount
# namespace with the repository under an overlay, so the control plane's ./shoal-data, build/ and
# the agent image the tour makes stay out of the working tree; a private /tmp, so the README's
# /tmp/player1.. /tmp/games2 do not meet a developer's own tour or a parallel run; a PID namespace,
# so every process the tour started ends with it. Nothing to clean up on the host but the work dir.
#
# What is filled in: `KEY=shoal_...` gets the key of the headless start, `<id>` the release id the
# command before it answered; curl gets --fail-with-body (an HTTP error fails the step instead of
# printing a problem+json and going on). The README says to wait for the pipeline between creating
# and publishing a release; the tour polls GET $API/releases/<id> until READY.
# SHOAL_TOUR_SKIP_INSTALL=1 skips the `mvn ... install` before `java -jar` of the start command
# (the suite has built the modules): then the agent image of step 6 is made from the dev.shoal jars
# already in the local Maven repository, so only runs that stop before step 6 should skip it.
# MAVEN_OPTS is passed on (e.g. -Dmaven.repo.local=...): Maven has no network in there, the local
# repository must hold what the build needs (after the suite's own build, it does).
# TOUR_DIR: the work dir (logs under TOUR_DIR/tmp/tour), made and removed on success if unset.
# TOUR_TIMEOUT: the time bound in seconds (1800); at the bound every process of the tour is killed.
set -euo pipefail

skip() {
  echo "tour skipped: $*" >&2
  exit 77
}

repo="$(cd "$(dirname "$0")/.." && pwd)"

if [ "${SHOAL_TOUR_INSIDE:-}" != 1 ]; then
  readme="$(readlink -f "${1:-$repo/README.md}")"
  [ -f "$readme" ] || { echo "no README at $readme" >&2; exit 2; }
  [ "$(id -u)" = 0 ] || skip "not root: the tour runs in network and mount namespaces of its own"
  unshare --net --mount --pid --fork true 2>/dev/null ||
    skip "unshare --net --mount --pid is not allowed here"
  grep -qw overlay /proc/filesystems || skip "no overlay file system"
  for tool in ip curl python3 openssl tar; do
    command -v "$tool" >/dev/null || skip "$tool is missing"
  done
  made_work=0
  if [ -z "${TOUR_DIR:-}" ]; then
    TOUR_DIR="$(mktemp -d /tmp/shoal-tour.XXXXXX)"
    made_work=1
  fi
  mkdir -p "$TOUR_DIR/upper" "$TOUR_DIR/overlay-work" "$TOUR_DIR/tmp/tour"
  chmod 1777 "$TOUR_DIR/tmp"
  cp "$readme" "$TOUR_DIR/tmp/tour/README.md"
  echo "tour: $readme, work dir $TOUR_DIR (its tmp/ is the tour's /tmp)"
  status=0
  # --kill-child: when unshare ends (killed, or by the time bound), the namespace's first process
  # is killed too, and with it every process of the PID namespace.
  SHOAL_TOUR_INSIDE=1 TOUR_DIR="$TOUR_DIR" timeout --kill-after=10 "${TOUR_TIMEOUT:-1800}" \
    unshare --net --mount --pid --fork --kill-child --mount-proc "$0" || status=$?
  [ "$status" != 124 ] || echo "tour: over the time bound of ${TOUR_TIMEOUT:-1800} s" >&2
  if [ "$status" = 0 ] && [ "$made_work" = 1 ]; then
    rm -rf "$TOUR_DIR"
  elif [ "$status" != 0 ]; then
    echo "tour failed ($status); logs in $TOUR_DIR/tmp/tour and $TOUR_DIR/tmp/player*.log" >&2
  fi
  exit "$status"
fi

# ---- inside the namespaces ------------------------------------------------------------------------
ip link set lo up
mount --make-rprivate /
overlay() { # upper dir, work dir
  mount -t overlay shoal-tour -o "lowerdir=$repo,upperdir=$1,workdir=$2" "$repo" 2>/dev/null
}
if ! overlay "$TOUR_DIR/upper" "$TOUR_DIR/overlay-work"; then
  # The work dir's file system cannot be an overlay's upper layer (an overlay itself, as in many
  # containers): a tmpfs can, at the price of memory (the image, the database, the packs).
  mkdir -p "$TOUR_DIR/upper-tmpfs"
  mount -t tmpfs shoal-tour "$TOUR_DIR/upper-tmpfs"
  mkdir -p "$TOUR_DIR/upper-tmpfs/upper" "$TOUR_DIR/upper-tmpfs/work"
  overlay "$TOUR_DIR/upper-tmpfs/upper" "$TOUR_DIR/upper-tmpfs/work" ||
    { echo "tour skipped: cannot mount an overlay on $repo" >&2; exit 77; }
fi
exec 3<"$repo"
mount --bind "$TOUR_DIR/tmp" /tmp
if [[ "$repo/" == /tmp/* ]]; then
  # The private /tmp hides a repository under /tmp: put the overlay back at its path, through the
  # descriptor opened before (mount would otherwise resolve the path in the new /tmp).
  mkdir -p "$repo"
  mount --no-canonicalize --bind /proc/self/fd/3 "$repo"
fi
exec 3<&-
t=/tmp/tour
cd "$repo"

fail() {
  echo "TOUR FAILED: $*" >&2
  exit 1
}
log() { echo "tour: $*" >&2; }

# The README's ```sh blocks, one file each: $t/block-N.sh.
awk -v dir="$t" '
  /^[[:space:]]*```sh[[:space:]]*$/ { n++; inside = 1; indent = index($0, "`") - 1; next }
  /^[[:space:]]*```[[:space:]]*$/ && inside { inside = 0; next }
  inside { print substr($0, 1 + indent) > (dir "/block-" n ".sh") }
' "$t/README.md"
block() { # the one block whose text matches all the given patterns (grep -E)
  local f match
  for f in "$t"/block-*.sh; do
    match=1
    for pattern in "$@"; do grep -qE -- "$pattern" "$f" || match=0; done
    [ "$match" = 1 ] && { echo "$f"; return; }
  done
  fail "README: no \`\`\`sh block with: $*"
}
start_block="$(block 'mvn .*install' 'java -jar')"
headless_block="$(block 'SHOAL_BOOTSTRAP_API_KEY=')"
api_block="$(block '^KEY=shoal_\.\.\.' '/releases/<id>/publish')"
players_block="$(block 'build-runtime\.sh' ' install ')"

# An HTTP error fails the step; the body (problem+json) is printed.
curl() { command curl --fail-with-body "$@"; }
export -f curl

# ---- Set up: the start command and the headless bootstrap -----------------------------------------
start_line="$(grep -E 'java -jar' "$start_block" | head -1)"
install_part="${start_line%% && java -jar*}"
[ "$install_part" != "$start_line" ] || fail "README: the start command is no longer 'mvn ... && java -jar ...'"
if [ "${SHOAL_TOUR_SKIP_INSTALL:-0}" = 1 ]; then
  log "skipping '$install_part' (SHOAL_TOUR_SKIP_INSTALL=1: the suite has built the modules)"
else
  log "\$ $install_part"
  eval "$install_part" >"$t/install.log" 2>&1 || { tail -40 "$t/install.log" >&2; fail "the start command's build failed"; }
fi
export_line="$(grep -E '^export KEY=' "$headless_block")" || fail "README: the headless start makes no KEY"
java_line="$(grep -E 'SHOAL_BOOTSTRAP_API_KEY=.*java -jar' "$headless_block")" ||
  fail "README: the headless start does not hand the key to java -jar"
log "\$ $export_line"
eval "$export_line"
bootstrap_key="$KEY"
log "\$ $java_line &"
eval "$java_line" >"$t/control-plane.log" 2>&1 &
control_plane=$!
log "waiting for the control plane (http://localhost:8080/actuator/health)"
for _ in $(seq 300); do
  command curl -sf -o /dev/null http://localhost:8080/actuator/health && break
  kill -0 "$control_plane" 2>/dev/null || { tail -60 "$t/control-plane.log" >&2; fail "the control plane exited"; }
  sleep 1
done
command curl -sf -o /dev/null http://localhost:8080/actuator/health ||
  { tail -60 "$t/control-plane.log" >&2; fail "the control plane did not come up in 300 s"; }

# ---- Step 3: the build, archived as the README says -----------------------------------------------
tar_command="$(grep -oE '`tar -czf build\.tar\.gz [^`]*`' "$t/README.md" | head -1 | tr -d '`')"
[ -n "$tar_command" ] || fail "README: step 3 no longer says how to make build.tar.gz"
mkdir -p build/data build/bin
head -c $((24 << 20)) /dev/urandom >build/data/level1.pak
head -c $((8 << 20)) /dev/urandom >build/data/textures.pak
head -c 300000 /dev/urandom >build/bin/game
echo "demo 1.0.1" >build/version.txt
log "\$ $tar_command"
eval "$tar_command"

# ---- Step 4: the API route, one command at a time -------------------------------------------------
commands=()
pending=""
while IFS= read -r line || [ -n "$line" ]; do
  pending="${pending:+$pending$'\n'}$line"
  [[ "$line" == *\\ ]] && continue
  [[ "$pending" =~ ^[[:space:]]*$ ]] || commands+=("$pending")
  pending=""
done <"$api_block"
id=""
last_output=""
n=0
for command in "${commands[@]}"; do
  n=$((n + 1))
  if [[ "$command" =~ ^[[:space:]]*# ]]; then
    log "$command"
    continue
  fi
  if [[ "$command" =~ ^[[:space:]]*KEY=shoal_\.\.\. ]]; then
    command="KEY=$bootstrap_key"
  fi
  if [[ "$command" == *"<id>"* ]]; then
    if [ -z "$id" ]; then
      id="$(python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["id"])' <"$last_output")" ||
        fail "no release id in the answer before the first <id>: $(cat "$last_output")"
      log "release id $id; waiting for GET \$API/releases/$id to be READY"
      state=""
      for _ in $(seq 300); do
        state="$(command curl -sf -H "Authorization: Bearer $KEY" "$API/releases/$id" |
          python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" || state="?"
        [ "$state" = READY ] || [ "$state" = FAILED ] && break
        sleep 1
      done
      [ "$state" = READY ] || fail "release $id is $state, not READY"
    fi
    command="${command//<id>/$id}"
  fi
  out="$t/step4-$n.out"
  log "\$ $command"
  eval "$command" >"$out" || fail "step 4 failed at: $command
$(cat "$out")"
  cat "$out" >&2
  echo >&2
  [ -s "$out" ] && last_output="$out"
done
[ -n "$id" ] || fail "step 4 never used the release id"

# ---- Step 6: the two players, as one script (its for loops and & as printed) -----------------------
export KEY API
log "step 6: $players_block"
bash -euo pipefail "$players_block" >"$t/step6.log" 2>&1 ||
  { tail -60 "$t/step6.log" >&2; fail "step 6 failed (log: $t/step6.log)"; }

# ---- Checks ---------------------------------------------------------------------------------------
# Which data dir installed where, in order, from the block's install lines (player 1 first).
A="$(sed -n 's/^A=//p' "$players_block")"
mapfile -t installs < <(sed -nE 's/.*--data-dir ([^ ]+) install .*--dir ([^ ]+).*/\1 \2/p' "$players_block")
[ -n "$A" ] && [ "${#installs[@]}" = 2 ] || fail "step 6 no longer installs with \$A for two players"
read -r data1 dir1 <<<"${installs[0]}"
read -r data2 dir2 <<<"${installs[1]}"
for dir in "$dir1" "$dir2"; do
  diff -r build "$dir" >&2 || fail "the install in $dir differs from the build"
done
today() { # data dir, field of activity.today
  "$A" --data-dir "$1" status --json |
    python3 -c "import json,sys; print(json.load(sys.stdin)['activity']['today']['$2'])"
}
p2_from_peers="$(today "$data2" fromPeers)"
p1_uploaded="$(today "$data1" uploaded)"
log "player 2 from peers: $p2_from_peers B; player 1 uploaded: $p1_uploaded B"
# The control plane's seeder is a peer too: only player 1's upload shows bytes from the other player.
[ "$p1_uploaded" -gt 0 ] || fail "player 2 got nothing from player 1 (player 1 uploaded 0 bytes)"
[ "$p2_from_peers" -gt 0 ] || fail "player 2 got no bytes from peers"
log "both players installed the build byte for byte; player 2 got bytes from player 1"
echo "TOUR PASSED"
