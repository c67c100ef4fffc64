// Package ovsdb reads and writes the Open vSwitch configuration database
// for hardware offload, over OVSDB (RFC 7047) with libovsdb, instead of
// running ovs-vsctl.
//
// It covers the steps the offload guides do by hand: other_config
// hw-offload, tc-policy (none, skip_sw, skip_hw) and max-idle; reading
// ovs_version and datapath_types; waiting until ovs-vswitchd has applied a
// change (cur_cfg catching up with next_cfg, what ovs-vsctl waits for
// unless --no-wait); and adding or removing a VF representor port on a
// bridge with external_ids:iface-id, or a DPDK port with
// options:dpdk-devargs (YUSUR's userspace datapath).
//
// # hw-offload needs a restart
//
// The OVS manual says changing other_config:hw-offload requires restarting
// ovs-vswitchd, and that is the rule to follow: restart it after
// SetHWOffload. What the daemon actually does (OVS 3.1, pinned by
// TestRealHWOffloadRestart): the first time it sees hw-offload=true it
// turns its flow offload API on ("netdev: Flow API Enabled" in its log)
// and reads tc-policy at that moment; it never turns the API off while
// running, and flows already in the datapath are not offloaded after the
// fact. So SetHWOffload(false), a tc-policy change after offload was on,
// and offloading existing flows all need the restart. WaitApplied only
// says ovs-vswitchd has read the change. max-idle applies at once.
//
// # Endpoint, privileges
//
// The default endpoint is unix:<rundir>/db.sock, rundir being OVS_RUNDIR or
// /var/run/openvswitch (libovsdb's own default socket name is wrong for
// OVS). The socket is root-owned: writing needs root.
//
// # Errors
//
// Errors are *errs.Error values naming the operation and the endpoint or
// object. A missing bridge or port matches ErrNotFound, an existing port
// ErrExists, bad names or values ErrInvalidArgument (checked before any
// transaction), a wait that outlives its context ErrTimeout, and a port
// that ovs-vswitchd could not open ErrNotApplied (with OVS's error text;
// the port is removed again).
package ovsdb
