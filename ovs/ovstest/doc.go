// Package ovstest starts a private Open vSwitch for tests: ovsdb-server and
// ovs-vswitchd from the system's openvswitch-switch package, in a temporary
// directory, with ovs-vswitchd in a network namespace of its own so tests
// in parallel packages (and the host's own OVS, if any) do not collide on
// the userspace datapath's tap devices. Bridges use datapath_type=netdev,
// which needs no kernel module; ports are veth pairs whose far ends sit in
// further network namespaces, and Ping sends real ICMP through the bridge.
//
// Start skips the test, saying why, when not root or when the binaries
// are missing; it stops both daemons in t.Cleanup. RestartVswitchd
// restarts ovs-vswitchd in the same namespace (ports survive), the step
// hw-offload needs; Log returns its log. Everything is created
// through netlink, OVSDB and the daemons' own command lines: the package
// runs neither ip nor ovs-vsctl, so it can serve any package's tests.
//
// Typical use:
//
//	o := ovstest.Start(t)
//	o.AddBridge(t, "br0")
//	a := o.AddNetnsPort(t, "br0", "veth-a", "10.0.0.1/24")
//	b := o.AddNetnsPort(t, "br0", "veth-b", "10.0.0.2/24")
//	if err := a.Ping(b.IP, 3); err != nil { ... }
//	c, _ := unixctl.Dial(ctx, o.Target())
package ovstest
