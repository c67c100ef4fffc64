// Package podnet plumbs SR-IOV VFs into pods the way an offload CNI
// (Kube-OVN, Antrea, ovn-kubernetes) does, in one call each way:
//
//   - AttachVF resolves the VF's netdev and representor, sets the VF's MAC,
//     VLAN, trust and spoof checking through the PF (offload.Host's
//     ConfigureVF), moves the VF into the pod's network namespace through a
//     fresh temporary namespace (so neither the host's nor the pod's names
//     can clash halfway), renames it, records its host name as the link
//     alias, and renames the representor to a name derived from the
//     container ID (RepresentorName), recording the representor's own name
//     as its alias. Every step is checked and a failure undoes the steps
//     before it.
//   - DetachVF undoes all of it: the VF goes back to the host namespace
//     (the one the Plumber was created for, never "the namespace we are
//     in"), under its recorded name, its settings are reset, and the
//     representor gets its name back, so the SR-IOV device plugin finds it
//     again. DetachVF is idempotent and works when the pod's namespace is
//     already gone (the kernel then returns physical VFs to the initial
//     namespace by itself).
//   - OVSPort says what to add to the integration bridge: the representor
//     as a system port, or for YUSUR, whose representors live in OVS-DPDK,
//     a dpdk port with dpdk-devargs=<pf-pci>,representor=[N], with
//     external_ids:iface-id; Attachment.AddToBridge adds it through
//     ovs/ovsdb and waits until ovs-vswitchd has opened it.
//
// A Plumber, made by New for one offload.Host, holds a lock per VF so that
// a delete racing a re-add of the same VF (the device plugin may hand it
// out again at once) cannot interleave; there is no package-level state.
//
// Privileges: CAP_NET_ADMIN in the host namespace and CAP_SYS_ADMIN to
// create the temporary namespace and enter the pod's. Link changes go
// through rtnetlink (github.com/vishvananda/netlink); nothing is executed.
// Linux only: on other systems every call returns errs.ErrNotSupported.
//
// Errors wrap offload's sentinels: bad input (interface name, namespace
// path, container ID) is errs.ErrInvalidArgument before anything is
// touched; a VF whose netdev is not in the host namespace is
// errs.ErrBusy; a name already taken in the pod is errs.ErrExists.
//
// To run a Plumber against the kernel without the NIC, as this package's
// tests and examples/cni-attach do, offload/podnet/podnettest makes the
// network namespaces and a veth pair standing in for a VF and its
// representor, named as an offload/offloadtest tree names them.
package podnet
