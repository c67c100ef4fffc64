#!/bin/sh
# ovs-flows.sh MODE: inside the vmtest guest, start a private ovsdb-server and
# ovs-vswitchd, connect two network namespaces through br0 with veth pairs,
# ping across and print the datapath flows. MODE is "kernel" (the
# openvswitch kernel datapath) or "tc" (other_config:hw-offload=true with
# tc-policy=skip_hw: flows go to tc flower in software).
# Run it with:
#   go run ./internal/vmtest/cmd/vmtest -exec "sh $PWD/hack/vmtest/ovs-flows.sh tc"
mode=${1:-kernel}
d=$(mktemp -d /tmp/ovs.XXXXXX)
export OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d OVS_SYSCONFDIR=$d
db=unix:$d/db.sock
vsctl() { ovs-vsctl --db="$db" --timeout=30 "$@"; }
ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" --pidfile --detach --log-file
vsctl --no-wait init
if [ "$mode" = tc ]; then
	vsctl --no-wait set Open_vSwitch . other_config:hw-offload=true other_config:tc-policy=skip_hw
fi
# OVS 3.1 started in the guest's first 10 s of uptime gets no per-CPU upcall
# handlers (see waitUptime in internal/vmtest/ovs_vmtest_test.go).
while [ "$(cut -d. -f1 /proc/uptime)" -lt 11 ]; do sleep 1; done
ovs-vswitchd "$db" --pidfile --detach --log-file
vsctl add-br br0
for i in 1 2; do
	ip netns add ns$i
	ip link add v$i type veth peer name v${i}p
	ip link set v${i}p netns ns$i
	ip -n ns$i addr add 10.0.0.$i/24 dev v${i}p
	ip -n ns$i link set v${i}p up
	ip -n ns$i link set lo up
	ip link set v$i up
	vsctl add-port br0 v$i
done
ip link set br0 up
sleep 1
ip netns exec ns1 busybox ping -c 3 -W 2 10.0.0.2
echo "== dpctl/dump-flows -m"
ovs-appctl dpctl/dump-flows -m
echo "== dpctl/dump-flows type=tc"
ovs-appctl dpctl/dump-flows type=tc
echo "== dpctl/dump-flows type=ovs"
ovs-appctl dpctl/dump-flows type=ovs
echo "== tc filter show dev v1 ingress"
tc -s filter show dev v1 ingress
echo "== ovs-vswitchd.log"
cat "$d/ovs-vswitchd.log"
ovs-appctl exit 2>/dev/null
ovs-appctl -t ovsdb-server exit 2>/dev/null
