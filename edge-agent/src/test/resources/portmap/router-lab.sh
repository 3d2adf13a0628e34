# A home behind a NAT router running miniupnpd (UPnP IGD + NAT-PMP), and a "cloud" host outside:
#   cloud  ${P}c  198.51.100.1 --- 198.51.100.2 ${P}r (router, masquerade) 192.168.1.1 --- ${P}h 192.168.1.10
# Usage: router-lab.sh PREFIX (as root). Only addresses of these namespaces are used.
# Removed by PortMappingLabTest (ip netns del; the veths go with them).
set -e
P=$1
C=${P}c; R=${P}r; H=${P}h
ip netns add $C; ip netns add $R; ip netns add $H
ip link add ${P}cw type veth peer name ${P}rw
ip link add ${P}rl type veth peer name ${P}hl
ip link set ${P}cw netns $C; ip link set ${P}rw netns $R; ip link set ${P}rl netns $R; ip link set ${P}hl netns $H
ip -n $C addr add 198.51.100.1/24 dev ${P}cw; ip -n $C link set ${P}cw up; ip -n $C link set lo up
ip -n $R addr add 198.51.100.2/24 dev ${P}rw; ip -n $R link set ${P}rw up
ip -n $R addr add 192.168.1.1/24 dev ${P}rl; ip -n $R link set ${P}rl up; ip -n $R link set lo up
ip -n $H addr add 192.168.1.10/24 dev ${P}hl; ip -n $H link set ${P}hl up; ip -n $H link set lo up
ip -n $H route add default via 192.168.1.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
ip netns exec $R nft -f - <<NFT
table ip nat {
  chain postrouting {
    type nat hook postrouting priority 100;
    oifname "${P}rw" masquerade
  }
}
table inet filter {
  chain forward { type filter hook forward priority 0; policy accept; jump miniupnpd; }
  chain miniupnpd { }
  chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }
  chain postrouting { type nat hook postrouting priority 100; policy accept; jump postrouting_miniupnpd; }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
}
NFT
cat > /tmp/${P}-miniupnpd.conf <<CONF
ext_ifname=${P}rw
listening_ip=${P}rl
ext_ip=6.0.0.2
http_port=5000
enable_natpmp=yes
enable_upnp=yes
secure_mode=yes
system_uptime=yes
uuid=3e8d4a1c-1111-2222-3333-444455556666
allow 1024-65535 192.168.1.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
CONF
