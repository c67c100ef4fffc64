#!/bin/sh
# Capture real dpctl/dump-flows output from a private ovs-vswitchd
# (userspace datapath, datapath_type=netdev) with two veth ports in
# network namespaces and some ICMP/TCP/UDP traffic, for
# testdata/ovs/real-netdev-*.txt. Needs root, openvswitch-switch and
# iproute2. Usage: sudo sh hack/pyflow-bench/capture.sh OUTDIR
set -eu
out=${1:?usage: capture.sh OUTDIR}
mkdir -p "$out"
d=$(mktemp -d /tmp/pyflow-capture.XXXXXX)
ns0=pfc0-$$ ns1=pfc1-$$ ns2=pfc2-$$
export OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d
cleanup() {
	ovs-appctl -t "$d/ovs-vswitchd.ctl" exit 2>/dev/null || true
	ovs-appctl -t "$d/ovsdb-server.ctl" exit 2>/dev/null || true
	ip netns del "$ns0" 2>/dev/null || true
	ip netns del "$ns1" 2>/dev/null || true
	ip netns del "$ns2" 2>/dev/null || true
	rm -rf "$d"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$d/conf.db" --remote=punix:"$d/db.sock" --unixctl="$d/ovsdb-server.ctl" \
	--pidfile="$d/ovsdb-server.pid" --log-file="$d/ovsdb-server.log" --detach
ovs-vsctl --db=unix:"$d/db.sock" --no-wait init
# The switch gets its own network namespace: the userspace datapath creates
# an "ovs-netdev" tap device, which another ovs-vswitchd may already hold.
ip netns add "$ns0"
ip netns exec "$ns0" ovs-vswitchd unix:"$d/db.sock" --unixctl="$d/ovs-vswitchd.ctl" --pidfile="$d/ovs-vswitchd.pid" \
	--log-file="$d/ovs-vswitchd.log" --detach
vsctl() { ovs-vsctl --db=unix:"$d/db.sock" "$@"; }
vsctl add-br br-cap -- set bridge br-cap datapath_type=netdev
for i in 1 2; do
	ns=$(eval echo \$ns$i)
	ip netns add "$ns"
	ip -n "$ns0" link add "cap$i-$$" type veth peer name eth0 netns "$ns"
	ip -n "$ns0" link set "cap$i-$$" up
	ip -n "$ns" addr add "10.99.0.$i/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	vsctl add-port br-cap "cap$i-$$"
done
sleep 1
# No ping here: bash's /dev/tcp and /dev/udp make TCP (a refused connect)
# and UDP traffic, after ARP.
for n in 1 2 3; do
	ip netns exec "$ns1" timeout 2 bash -c 'exec 3<>/dev/tcp/10.99.0.2/9' 2>/dev/null || true
	ip netns exec "$ns2" timeout 2 bash -c 'exec 3<>/dev/tcp/10.99.0.1/22' 2>/dev/null || true
	ip netns exec "$ns1" bash -c 'for k in 1 2 3 4 5; do echo hi > /dev/udp/10.99.0.2/5353; done' || true
	ip netns exec "$ns2" bash -c 'echo hi > /dev/udp/10.99.0.1/53' || true
done
sleep 0.5
appctl() { ovs-appctl -t "$d/ovs-vswitchd.ctl" "$@"; }
ver=$(ovs-vswitchd --version | head -1)
for mode in plain m names; do
	case $mode in
	plain) args= ;;
	m) args=-m ;;
	names) args=--names ;;
	esac
	{
		echo "# Captured by hack/pyflow-bench/capture.sh: \`ovs-appctl dpctl/dump-flows $args\`"
		echo "# $ver, datapath_type=netdev bridge, two veth ports in netns, TCP/UDP; $(uname -r)."
		appctl dpctl/dump-flows $args
	} >"$out/real-netdev-$mode.txt"
done
echo "wrote $out/real-netdev-{plain,m,names}.txt"
