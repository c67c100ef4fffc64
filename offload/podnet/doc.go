// Package podnet plumbs SR-IOV VFs into pods the way an offload CNI
// (Kube-OVN, Antrea, ovn-kubernetes) does, one CNI call each way, safely
// when those calls come from separate processes, are repeated, arrive late
// or die halfway:
//
//   - AttachVF (CNI ADD) checks that the VF is free, writes an ownership
//     record naming the container (Container: CNI_CONTAINERID and
//     CNI_IFNAME) and everything it is about to change, then sets the
//     VF's MAC, VLAN, trust and spoof checking through the PF, moves the VF
//     into the pod's network namespace through a temporary namespace (so
//     neither the host's nor the pod's names can clash halfway), renames
//     it, records its host name as the link alias, and renames the
//     representor to a name derived from the container ID
//     (RepresentorName), keeping the representor's own name as its alias.
//     A failed step undoes everything from the record.
//   - DetachVF (CNI DEL) restores what that container's ADD changed and
//     only that: the VF back in the host namespace under its name, alias
//     and up state from before, the VF settings from before (each one only
//     while it still holds the value ADD set), the representor's name,
//     alias and up state. It acts only while the record names the same
//     container: a DEL for another container, a repeated DEL, a DEL after
//     the VF went to another pod returns nil and touches nothing. It works
//     from whatever point an ADD reached, so a DEL after an ADD that
//     crashed restores the host exactly, and when the pod's namespace is
//     gone (the kernel then returns physical VFs to the initial namespace,
//     where DEL finds them by their alias).
//   - CheckVF (CNI CHECK) compares the live host with the record.
//   - OVSPort says what to add to the integration bridge: the representor
//     as a system port, or for YUSUR, whose representors live in OVS-DPDK,
//     a dpdk port with dpdk-devargs=<pf-pci>,representor=[N], with
//     external_ids:iface-id; Attachment.AddToBridge adds it through
//     ovs/ovsdb and waits until ovs-vswitchd has opened it.
//
// # What is serialised, and where state lives
//
// Every AttachVF, DetachVF and CheckVF of a VF holds that VF's lock for
// the whole call, rollback included: an exclusive flock(2) on
// <runDir>/podnet-<pci>.lock. flock belongs to the open file, so calls in
// separate processes and calls in one process exclude each other alike,
// and the kernel drops the lock of a process that dies. Waiting for the
// lock honours the context (errs.ErrTimeout). Calls for different VFs run
// in parallel. Before the VF's lock, each call takes its PF's lock shared
// (<runDir>/switchdev-<pf>.lock, which offload/switchdev holds exclusively
// while a plan applies): calls for VFs of one PF still run in parallel,
// but never while a plan changes that PF's VFs or eswitch mode, and a plan
// waits for the calls under way. A plan may still change a PF under pods
// attached earlier: that is the operator's decision, and the plan says
// what it removes.
//
// The ownership record is <runDir>/podnet-<pci>.json, one per VF: the
// container, the pod namespace, the VF's host name, alias and up state,
// the VF settings before and as set, the representor's names, alias and
// up state. It is written before the first change and again when ADD
// completes, each time to a temporary file that is fsynced, renamed over
// the record, and the directory fsynced; DEL removes it when everything is
// restored (a DEL that fails keeps it, so a retried DEL finishes). While
// a record exists the VF is that container's: AttachVF for another
// container is errs.ErrBusy until its DEL. The temporary namespace is
// bind-mounted at <runDir>/podnet-<pci>.netns while in use, so a DEL in
// another process can still reach a VF an ADD left there when it died.
// runDir is Config.RunDir, by default <root>/run/offloadkit (where <root> is
// the Host's root, / on a real host: /run/offloadkit, beside
// offload/switchdev's per-PF locks). It belongs on a tmpfs such as /run:
// VF settings and namespaces do not survive a reboot either.
//
// # Network namespaces
//
// A namespace path from a CNI request is accepted only if it is a network
// namespace, whatever the path: it is opened with O_PATH (no I/O, so a
// FIFO or a device node is never opened for reading), fstatfs must report
// nsfs (NSFS_MAGIC), and NS_GET_NSTYPE must say CLONE_NEWNET; the open runs
// under the context. Anything else is errs.ErrInvalidArgument (a missing
// path errs.ErrNotFound) before any lock is taken or link touched. On DEL
// a missing pod namespace is normal (the pod is gone). Links are reached
// through rtnetlink handles bound to each namespace, never by moving the
// calling thread; the temporary namespace is made on a locked thread of
// its own. The host namespace is Config.HostNetNS (DefaultHostNetNS).
//
// # Netlink
//
// Links are handled with github.com/vishvananda/netlink (+ netns), the one
// netlink stack of this package: moving links between namespaces by file
// descriptor, renaming, aliases, up and down, handles bound to a
// namespace, and the veth pairs podnettest creates are all in it, well
// kept and used by the CNI plugins we serve; the repository's internal
// rtnetlink client (internal/rtnl) only knows VF settings and IFF_UP. VF
// settings go through offload.Host (internal/rtnl under it); the calls
// into package offload are all in host.go. Handle socket timeouts come
// from the context's deadline, since vishvananda/netlink takes no context.
//
// Privileges: CAP_NET_ADMIN in the host namespace, CAP_SYS_ADMIN to create
// and bind-mount the temporary namespace and to enter the pod's. Nothing
// is executed. Linux only: on other systems every call returns
// errs.ErrNotSupported.
//
// Errors wrap offload/errs sentinels: bad input (interface name, namespace
// path or file, container ID) is errs.ErrInvalidArgument before anything is
// touched; a VF another container owns, or whose netdev is not in the host
// namespace, is errs.ErrBusy; a name already taken is errs.ErrExists.
// Step failures are *errs.Error naming the step and the VF.
//
// To run a Plumber against the kernel without the NIC, as this package's
// tests and examples/cni-attach do, offload/podnet/podnettest makes the
// network namespaces and a veth pair standing in for a VF and its
// representor, named as an offload/offloadtest tree names them.
package podnet
