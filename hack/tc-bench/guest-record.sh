#!/bin/sh
# guest-record.sh: run inside the real-kernel harness to record what a
# kernel with cls_flower answers (dumps with in_hw flags, in_hw_count,
# action stats and cookies; acks; refusals). From the module root:
#
#   go run ./internal/vmtest/cmd/vmtest -kernel debian \
#       -exec "sh $PWD/hack/tc-bench/guest-record.sh" > /tmp/rec.txt
#   hack/tc-bench/split-recording.sh /tmp/rec.txt
#
# It prints every fixture between "=== NAME" lines; split-recording.sh
# writes them to testdata/tc/. Needs /run and /tmp writable (the harness
# mounts tmpfs there).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export OUT=/tmp/tcrec
mkdir -p "$OUT"
ip netns add peer
ip link add v0 type veth peer name v1
ip link set v1 netns peer
ip link set v0 up
ip -n peer link set v1 up
ip -n peer link set lo up
ip addr add 10.1.0.1/24 dev v0
ip -n peer addr add 10.1.0.2/24 dev v1
tc qdisc add dev v0 ingress
R="$here/record.sh"
# OVS-style cookie: the 16 bytes of a ufid as ovs-vswitchd keeps it in memory.
cookie=0fe1c2677445d49272d070be66f15f81

$R vm-add-udp-skiphw -- tc filter add dev v0 ingress prio 1 handle 1 protocol ip flower skip_hw ip_proto udp dst_port 9 action pass cookie $cookie
$R vm-add-arp -- tc filter add dev v0 ingress prio 2 handle 1 protocol arp flower arp_op request action pass
$R vm-add-ipv6-vlan -- tc filter add dev v0 ingress prio 3 protocol 802.1Q flower vlan_id 100 vlan_ethtype ipv6 src_ip 2001:db8::1 dst_ip 2001:db8::/64 action vlan pop pipe action drop
$R vm-add-ct -- tc filter add dev v0 ingress prio 4 protocol ip chain 1 flower ct_state +trk+est ct_zone 5 ct_mark 0xa/0xff ct_label 01000000000000000000000000000000/ff000000000000000000000000000000 action ct zone 5 pipe action goto chain 2
$R vm-add-tunnel -- tc filter add dev v0 ingress prio 5 protocol ip flower enc_key_id 42 enc_src_ip 192.0.2.1 enc_dst_ip 192.0.2.2 enc_dst_port 6081 geneve_opts 0102:80:00112233/ffff:ff:ffffffff action tunnel_key unset pipe action mirred egress redirect dev v0
$R vm-add-skipsw-refused -- tc filter add dev v0 ingress prio 6 protocol ip flower skip_sw ip_proto tcp action drop
# Traffic from the peer: ARP requests and UDP to port 9 reach v0's ingress.
for i in 1 2 3; do ip netns exec peer bash -c 'echo x > /dev/udp/10.1.0.1/9' 2>/dev/null || true; done
sleep 1
$R vm-dump-flower -- tc -s filter show dev v0 ingress
tc -j -s filter show dev v0 ingress > "$OUT/vm-dump-flower.tc.json"
$R vm-dump-chain -- tc chain show dev v0 ingress
$R vm-del-filter -- tc filter del dev v0 ingress prio 2 handle 1 protocol arp flower
$R vm-del-missing -- tc filter del dev v0 ingress prio 2 handle 1 protocol arp flower
for f in "$OUT"/*; do
	echo "=== $(basename "$f")"
	sed "s/^# writer: \(.*\)captured/# writer: \1in the vmtest guest (debian linux-image, veth v0), captured/" "$f"
done
