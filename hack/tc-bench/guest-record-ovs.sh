#!/bin/sh
# guest-record-ovs.sh: run inside the real-kernel harness to record tc
# filters written by Open vSwitch itself: ovs-vswitchd with
# other_config:hw-offload=true and tc-policy=skip_hw offloads datapath flows
# to tc flower on two veth ports, pings cross the bridge, and the script
# prints the flower dump of both ports (as record.sh fixtures), their
# `tc -j -s filter show` and `ovs-appctl dpctl/dump-flows -m`. From the
# module root:
#
#   go run ./internal/vmtest/cmd/vmtest -kernel debian \
#       -exec "sh $PWD/hack/tc-bench/guest-record-ovs.sh" > /tmp/ovs.txt
#   hack/tc-bench/split-recording.sh /tmp/ovs.txt
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export OUT=/tmp/tcrec-ovs
mkdir -p "$OUT"
dir=$(mktemp -d)
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir
vsctl() { ovs-vsctl --db=unix:$dir/db.sock --timeout=60 "$@"; }
ovsdb-tool create $dir/conf.db /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server $dir/conf.db --remote=punix:$dir/db.sock --pidfile --detach --log-file
vsctl --no-wait init
vsctl --no-wait set Open_vSwitch . other_config:hw-offload=true other_config:tc-policy=skip_hw
ovs-vswitchd unix:$dir/db.sock --pidfile --detach --log-file
vsctl add-br br0
for i in 1 2; do
	ip netns add ns$i
	ip link add p$i type veth peer name p${i}p
	ip link set p${i}p netns ns$i
	ip -n ns$i addr add 10.99.0.$i/24 dev p${i}p
	ip -n ns$i link set p${i}p up
	ip link set p$i up
	vsctl add-port br0 p$i
done
ip link set br0 up
n=0
until ip netns exec ns1 busybox ping -c 2 -W 2 10.99.0.2 >/dev/null 2>&1; do
	n=$((n + 1)); [ $n -lt 30 ] || { echo "no ping reply" >&2; cat $dir/ovs-vswitchd.log >&2; exit 1; }
	sleep 2
done
ip netns exec ns1 busybox ping -c 3 -W 2 10.99.0.2 >/dev/null
for p in p1 p2; do
	"$here/record.sh" ovs-dump-$p -- tc -s filter show dev $p ingress
	tc -j -s filter show dev $p ingress > "$OUT/ovs-dump-$p.tc.json"
done
{
	echo "# ovs-appctl dpctl/dump-flows -m, $(ovs-vswitchd --version | head -1), same moment as ovs-dump-p1/p2.nl"
	ovs-appctl dpctl/dump-flows -m
} > "$OUT/ovs-dpctl-flows.txt"
ovs-appctl -t ovs-vswitchd exit --cleanup || true
ovs-appctl -t ovsdb-server exit || true
for f in "$OUT"/*; do
	echo "=== $(basename "$f")"
	sed "s/^# writer: \(.*\)captured/# writer: \1in the vmtest guest, filters written by ovs-vswitchd (hw-offload=true, tc-policy=skip_hw), captured/" "$f"
done
