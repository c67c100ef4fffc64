#!/bin/sh
# guest.sh BIN [FLAGS]: inside the vmtest guest, start a private
# ovsdb-server and ovs-vswitchd (kernel datapath, no bridges) and run the
# datapath-bench binary BIN against them. run.sh calls it.
bin=$1
shift
d=$(mktemp -d /tmp/ovs.XXXXXX)
export OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d OVS_SYSCONFDIR=$d
db=unix:$d/db.sock
ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" --pidfile --detach --log-file
ovs-vsctl --db="$db" --timeout=30 --no-wait init
# See hack/vmtest/README.md: OVS 3.1 started in the first 10 s gets no
# upcall handlers.
while [ "$(cut -d. -f1 /proc/uptime)" -lt 11 ]; do sleep 1; done
ovs-vswitchd "$db" --pidfile --detach --log-file
# One bridge, so ovs-vswitchd runs its usual threads on the kernel
# datapath (ovs-system) while the bench dumps its own datapath.
ovs-vsctl --db="$db" --timeout=30 add-br br0
sleep 2
"$bin" "$@"
rc=$?
ovs-appctl exit 2>/dev/null
ovs-appctl -t ovsdb-server exit 2>/dev/null
exit $rc
