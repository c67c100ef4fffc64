// Package netlinkops mirrors the devlink side of sriovnet's
// pkg/utils/netlinkops (v1.3.0): GetNetlinkOps returns a NetlinkOps whose
// DevLinkGetPortByNetdevName, DevLinkGetAllPortList and
// DevLinkGetDevicePortList answer with vishvananda/netlink's DevlinkPort,
// and SetNetlinkOps/ResetNetlinkOps swap it, as ovn-kubernetes does in its
// tests. It is Linux-only, as vishvananda/netlink's DevlinkPort is.
//
// The default NetlinkOps asks the kernel through offloadkit's own devlink
// client (an offload.Host on "/"; no exec, no vishvananda socket), one Host
// per call. New(h) answers from a given Host instead: a fake tree from
// offload/offloadtest, another network namespace (offload.Config.NetNS), a
// Host already open.
//
// The one piece of package state: sriovnet's API swaps a package-level
// NetlinkOps (SetNetlinkOps, ResetNetlinkOps), and ovn-kubernetes's tests
// depend on GetNetlinkOps returning what they set. That is the single
// exception to offloadkit's no-package-state rule, kept here and nowhere
// else: it is held in an atomic pointer (safe for concurrent use), and
// only GetNetlinkOps reads it. The offload/sriovnet functions do not
// consult it (sriovnet's do): they ask their Host's devlink client, so a
// test that swaps the NetlinkOps changes what GetNetlinkOps returns and
// nothing else.
//
// What differs from sriovnet's NetlinkOps:
//
//   - The interface has the three devlink reads only. sriovnet's also
//     has LinkByName, LinkSetUp, LinkSetVf* and DevLinkPortFnSet, which
//     change the host; no CNI calls them through this package, and
//     offload/sriovnet is read-only. A type with sriovnet's full method set
//     satisfies this NetlinkOps, so fakes written for sriovnet still work.
//   - DevlinkPort carries the fields of vishvananda/netlink v1.3.1, the
//     version offloadkit's go.mod requires: bus, device, index, netdev and
//     its ifindex, flavour and the port function (hw_addr, state, opstate).
//     PortType is DEVLINK_PORT_TYPE_ETH (2) for a port with a netdev and
//     NOTSET (0) otherwise (offload.Port does not carry the type; every
//     switchdev driver the guides cover has Ethernet ports). RdmaDeviceName
//     is empty. Newer vishvananda versions add the PF, VF, SF and
//     controller numbers; they are left unset.
//   - DevLinkGetPortByNetdevName validates the name (the kernel's
//     interface-name rule) and its not-found error wraps errs.ErrNotFound.
//
// Privileges: reading devlink needs no capability. Network namespace: the
// default NetlinkOps sees the devlink instances of the caller's namespace.
// Errors wrap offload/errs sentinels (errs.ErrNotSupported when the kernel
// has no devlink, errs.ErrNotFound for a netdev with no port).
package netlinkops
