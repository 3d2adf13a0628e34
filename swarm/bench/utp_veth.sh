#!/bin/bash
# By-hand measurement (root): libtorrent 2.0 and our engine (UtpProbe) in two network namespaces
# joined by a veth pair, 32 MiB each way over TCP and over uTP. Prints one line per run with the
# seconds and the load average; everything it makes is removed on exit.
# usage: utp_veth.sh CLASSPATH_FILE   (from: mvn -pl swarm test-compile dependency:build-classpath
#        -Dmdep.outputFile=CLASSPATH_FILE -Dmdep.includeScope=test)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
P=$$; A=shoalutp-$P-a; B=shoalutp-$P-b; X=$(( P % 200 + 20 )); IA=10.77.$X.1; IB=10.77.$X.2
VA=sb${P}a; VB=sb${P}b  # interface names: at most 15 characters
W=$(mktemp -d); mkdir -p $W/seed
cleanup() { pkill -P $$ 2>/dev/null; ip netns pids $A 2>/dev/null | xargs -r kill -9; ip netns pids $B 2>/dev/null | xargs -r kill -9; ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf $W; }
trap cleanup EXIT; trap "exit 1" INT TERM
ip netns add $A && ip netns add $B && ip link add $VA type veth peer name $VB && ip link set $VA netns $A && ip link set $VB netns $B \
 && ip -n $A addr add $IA/24 dev $VA && ip -n $B addr add $IB/24 dev $VB && ip -n $A link set $VA up && ip -n $B link set $VB up \
 && ip -n $A link set lo up && ip -n $B link set lo up || exit 1
head -c $((32<<20)) /dev/urandom > $W/seed/game.bin
/usr/bin/python3 - <<PY
import libtorrent as lt
fs=lt.file_storage(); lt.add_files(fs, "$W/seed/game.bin"); t=lt.create_torrent(fs, 262144, flags=lt.create_torrent.v1_only)
lt.set_piece_hashes(t, "$W/seed"); open("$W/t.torrent","wb").write(lt.bencode(t.generate()))
PY
CP=$HERE/../target/test-classes:$HERE/../target/classes:$(cat "$1")
LT=$HERE/lt_peer.py
waitline() { timeout $2 bash -c "until grep -q '$1' $3; do sleep 0.2; done"; }
for mode in tcp utp; do
  U=$([ $mode = utp ] && echo true || echo false); LTF=$([ $mode = utp ] && echo --utp-only || echo "")
  # libtorrent seeds in A, we leech in B
  rm -rf $W/o; ip netns exec $A /usr/bin/python3 $LT seed $W/t.torrent $W/seed --listen $IA --port 6881 $LTF > $W/lt.log 2>&1 &
  waitline READY 60 $W/lt.log
  ip netns exec $B timeout 120 java -Dshoal.utp=$U -cp $CP dev.shoal.swarm.UtpProbe leech $W/t.torrent $W/o/game.bin $IB 6881 $IA:6881 > $W/p.log 2>&1 &
  waitline complete 120 $W/p.log; echo "$mode lt->us: $(grep -m1 complete $W/p.log) $(grep -m1 transports $W/p.log) load $(cut -d' ' -f1 /proc/loadavg)"
  ip netns pids $A | xargs -r kill; ip netns pids $B | xargs -r kill; sleep 1
  # we seed in B, libtorrent leeches in A
  rm -rf $W/l; mkdir -p $W/l
  ip netns exec $B timeout 120 java -Dshoal.utp=$U -cp $CP dev.shoal.swarm.UtpProbe seed $W/t.torrent $W/seed/game.bin $IB 6881 > $W/s.log 2>&1 &
  waitline complete 60 $W/s.log
  ip netns exec $A timeout 120 /usr/bin/python3 $LT download $W/t.torrent $W/l --listen $IA --peer $IB:6881 $LTF --timeout 100 > $W/lt2.log 2>&1
  echo "$mode us->lt: $(grep DONE $W/lt2.log) load $(cut -d' ' -f1 /proc/loadavg)"
  ip netns pids $A | xargs -r kill; ip netns pids $B | xargs -r kill; sleep 1
done
