// Package sriovnet is a drop-in for the functions of
// github.com/k8snetworkplumbingwg/sriovnet that offload CNIs call, with the
// same names and signatures as v1.3.0 (and v1.2.0, where they are the
// same), backed by offload.Host. A CNI switches by changing an import path:
//
//	GetNetDevicesFromPci, GetUplinkRepresentor, GetVfIndexByPciAddress,
//	GetVfRepresentor, GetPfPciFromVfPci, GetPciFromNetDevice,
//	GetPortIndexFromRepresentor, GetRepresentorPortFlavour,
//	GetVfRepresentorDPU, the PortFlavour type with its PORT_FLAVOUR_*
//	constants (same values, devlink's) and the sentinel errors.
//
// Hosts: sriovnet keeps its file system and netlink handle in package
// variables that tests swap. This package has no package state. Each
// package-level function opens an offload.Host on "/" for the one call and
// closes it (an open reads nothing; the call costs what the lookup costs).
// For repeated calls, or for a sysfs tree elsewhere (offloadtest trees, a
// -root directory), make a Client with New(host): it has the same methods
// and shares the Host's representor and SR-IOV geometry caches.
//
// Where behaviour differs from sriovnet, on purpose:
//
//   - Errors wrap offload's sentinels and name the device, so
//     errors.Is(err, ErrDeviceNotFound) (== errs.ErrNotFound),
//     errs.ErrNotSwitchdev and errs.ErrInvalidArgument work;
//     sriovnet formats causes with %v and only some of its errors can be
//     matched. Messages differ.
//   - Addresses and names are validated before they are joined into sysfs
//     paths: "../" in a PCI address or interface name is
//     ErrInvalidArgument, where sriovnet joins it into the path.
//   - GetVfIndexByPciAddress computes the index from the PF's SR-IOV offset
//     and stride and confirms it with one virtfn link (3 sysfs reads
//     whatever the VF count); sriovnet globs and reads every virtfn link of
//     the PF, matches with strings.Contains on the link target, and does
//     so with os.Readlink on the real file system even when the rest of
//     the package runs on its fake one.
//   - GetVfRepresentor matches the PF number of the representor's
//     phys_port_name against the uplink's PCI function when representors
//     of several PFs hang off one device; sriovnet compares only the VF
//     number, so "pf1vf2" can answer for VF 2 of PF 0. It does not ask
//     devlink first (sriovnet v1.3.0 does): phys_port_name is enough for
//     every driver the guides cover, and the answer is the same.
//   - GetRepresentorPortFlavour reads phys_port_name (sriovnet asks devlink
//     first and falls back to the same parse).
//   - GetVfRepresentorDPU keeps sriovnet's pfID rule (0 or 1) so callers see
//     the same validation, and its scan of every switchdev netdev.
//   - GetPciFromNetDevice returns an error for a netdev without a PCI
//     device (lo, a bridge, a veth). sriovnet v1.3.0 never returns for
//     those on a real /sys: it applies filepath.Dir to the relative target
//     of /sys/class/net/<name> until it reaches "/", which a relative path
//     never does (seen with sidebyside/, below). For subfunction netdevs
//     (below mlx5_core.sf.N) it reports "not a PCI device" where sriovnet
//     walks up to the parent PCI device.
//
// sidebyside/ is a separate module that runs both libraries on the bundled
// trees bind-mounted over /sys and prints every call whose answer differs
// (run.sh, root).
//
// Read-only: nothing here writes to sysfs or needs privileges beyond
// reading /sys.
package sriovnet
