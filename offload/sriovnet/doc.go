// Package sriovnet is a drop-in for the functions of
// github.com/k8snetworkplumbingwg/sriovnet that offload CNIs call, with the
// same names and signatures as v1.3.0 (and v1.2.0, where they are the
// same), backed by offload.Host. A CNI switches by changing an import path:
//
//	GetNetDevicesFromPci, GetUplinkRepresentor, GetVfIndexByPciAddress,
//	GetVfRepresentor, GetPfPciFromVfPci, GetPciFromNetDevice,
//	GetPortIndexFromRepresentor, GetRepresentorPortFlavour,
//	GetVfRepresentorDPU, GetNetDevicesFromAux, GetUplinkRepresentorFromAux,
//	GetPfIndexByVfPciAddress, GetSfIndexByAuxDev, GetSfRepresentor,
//	GetPfPciFromAux, GetPfRepresentorDPU, GetRepresentorPeerMacAddress,
//	IsVfPciVfioBound, the NetSysDir/PciSysDir/AuxSysDir constants, the
//	PortFlavour type with its PORT_FLAVOUR_* constants (same values,
//	devlink's) and the sentinel errors.
//
// The subpackages mirror sriovnet's at the same paths below this one:
// pkg/utils/filesystem (Fs.ReadFile, which Kube-OVN calls) and
// pkg/utils/netlinkops (GetNetlinkOps, SetNetlinkOps, ResetNetlinkOps and
// the devlink reads of NetlinkOps, which ovn-kubernetes calls). Their docs
// say where they differ. consumers/ is a separate module that calls this
// package exactly as Antrea, Kube-OVN and ovn-kubernetes call sriovnet,
// built by `make unit`.
//
// That is the whole of what those three CNIs use. Not mirrored: the
// VF-configuring calls (EnableSriov, ConfigVfs, SetVf*, BindVf, ...), the
// InfiniBand PKey reads, GetAuxNetDevicesFromPci, the *FromPortParams and
// doca_caps lookups, SetRepresentorPeerMacAddress: they write to the host
// or exec a tool, and no CNI the guides cover calls them.
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
//     the same validation, its scan of every switchdev netdev and its
//     comparison of phys_port_name as a string (VF index "02" finds no
//     "c1pf0vf2").
//   - GetPciFromNetDevice returns an error for a netdev without a PCI
//     device (lo, a bridge, a veth). sriovnet v1.3.0 never returns for
//     those on a real /sys: it applies filepath.Dir to the relative target
//     of /sys/class/net/<name> until it reaches "/", which a relative path
//     never does (seen with sidebyside/, below). GetPfPciFromAux likewise
//     answers for an auxiliary device below no PCI device, where sriovnet
//     loops. Both take the nearest PCI address among the ancestors, as
//     sriovnet does, so an SF's netdev gives the SF's PCI function.
//   - GetNetDevicesFromPci and GetNetDevicesFromAux: an empty net/
//     directory is an empty list and no error, as in sriovnet; a missing
//     one is ErrDeviceNotFound.
//   - GetPfIndexByVfPciAddress is the PF's PCI function number, as in
//     sriovnet, also for a 5-digit (VMD) domain, which sriovnet's Sscanf
//     refuses.
//   - GetSfIndexByAuxDev parses sfnum as the kernel prints it (an unsigned
//     32-bit decimal); sriovnet's Atoi also takes a sign.
//   - GetSfRepresentor, like GetVfRepresentor, matches the representor's
//     PF number against the uplink's PCI function when several PFs'
//     representors hang off one device, and asks the Host's devlink (or
//     phys_port_name) rather than sriovnet's netlinkops.
//   - GetRepresentorPeerMacAddress asks the Host's devlink for the PF
//     representor's port function hw_addr, then falls back to the uplink's
//     smart_nic/pf/config (MLNX_OFED kernels only) as sriovnet does.
//   - GetPfRepresentorDPU and GetVfRepresentorDPU scan /sys/class/net
//     below the Host root as sriovnet scans /sys/class/net.
//   - Nothing here consults netlinkops.GetNetlinkOps: swapping it with
//     SetNetlinkOps (as ovn-kubernetes's tests do) changes what that
//     function returns, not how these functions answer (sriovnet's ask the
//     swapped value). The functions use the devlink client of their Host.
//
// sidebyside/ is a separate module that runs both libraries on the bundled
// trees bind-mounted over /sys and prints every call whose answer differs
// (run.sh, root), with one VF netdev moved out of the host namespace (an
// empty net/) and one VF bound to vfio-pci in each tree that has VFs.
//
// Read-only: nothing here writes to sysfs or needs privileges beyond
// reading /sys.
package sriovnet
