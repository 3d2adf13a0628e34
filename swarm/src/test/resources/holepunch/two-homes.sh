# Two homes, each behind its own NAT router (port-restricted cone: nftables masquerade keeps the
# source port when free, conntrack lets in only answers to what went out, and unsolicited SYNs
# are dropped, not answered with a RST), and a "cloud" host on the routers' WAN side:
#   ${P}c 198.51.100.1 (bridge) --- 198.51.100.2 ${P}r1 192.168.1.1 --- ${P}h1 192.168.1.10
#                               \-- 198.51.100.3 ${P}r2 192.168.2.1 --- ${P}h2 192.168.2.10
# Usage: two-homes.sh PREFIX (as root). Removed by HolePunchLabTest (ip netns del).
set -e
P=$1
ip netns add ${P}c
ip -n ${P}c link add ${P}br type bridge
ip -n ${P}c addr add 198.51.100.1/24 dev ${P}br
ip -n ${P}c link set ${P}br up
ip -n ${P}c link set lo up
for i in 1 2; do
  ip netns add ${P}r$i
  ip netns add ${P}h$i
  ip link add ${P}w$i type veth peer name ${P}b$i
  ip link set ${P}w$i netns ${P}r$i
  ip link set ${P}b$i netns ${P}c
  ip -n ${P}c link set ${P}b$i master ${P}br
  ip -n ${P}c link set ${P}b$i up
  ip -n ${P}r$i addr add 198.51.100.$((i + 1))/24 dev ${P}w$i
  ip -n ${P}r$i link set ${P}w$i up
  ip -n ${P}r$i link set lo up
  ip link add ${P}l$i type veth peer name ${P}e$i
  ip link set ${P}l$i netns ${P}r$i
  ip link set ${P}e$i netns ${P}h$i
  ip -n ${P}r$i addr add 192.168.$i.1/24 dev ${P}l$i
  ip -n ${P}r$i link set ${P}l$i up
  ip -n ${P}h$i addr add 192.168.$i.10/24 dev ${P}e$i
  ip -n ${P}h$i link set ${P}e$i up
  ip -n ${P}h$i link set lo up
  ip -n ${P}h$i route add default via 192.168.$i.1
  ip netns exec ${P}r$i sysctl -qw net.ipv4.ip_forward=1
  ip netns exec ${P}r$i nft -f - <<NFT
table ip nat {
  chain postrouting {
    type nat hook postrouting priority 100;
    oifname "${P}w$i" masquerade
  }
}
table inet fw {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "${P}w$i" ct state new drop
  }
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "${P}w$i" ct state new drop
  }
}
NFT
done
