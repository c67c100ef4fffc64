// Package datapath reads the Open vSwitch kernel datapath straight from the
// kernel: the ovs_datapath, ovs_vport and ovs_flow generic netlink families
// (include/uapi/linux/openvswitch.h; Documentation/netlink/specs/ovs_*.yaml
// in the kernel tree). It lists datapaths and their vports (with ifindexes
// and types) and streams every kernel datapath flow with its key, mask,
// actions, counters, used time and UFID, without contacting ovs-vswitchd.
// That is what `ovs-dpctl dump-flows` and the kernel selftests'
// ovs-dpctl.py do; `ovs-appctl dpctl/dump-flows` instead makes
// ovs-vswitchd's main thread format every flow as text.
//
// Flows decode into the types of package ovs/dpflow: Flow embeds a
// dpflow.Flow whose match and actions are rendered in the text
// dump-flows prints (OVS 3.1's lib/odp-util.c rules: masks, wildcarded
// fields, port numbers or names), so dpflow reports and the tc join run on
// either source unchanged. The kernel's binary attributes stay available
// (Flow.RawKey, RawMask, RawActions). Attributes this package does not
// know are never an error: flow and port attributes land in Unknown, and
// key and action attributes render the way OVS renders unknown ones
// (key<N>(hex), action<N>(hex)), so a newer kernel does not break a dump.
// Tunnel, NSH and MPLS keys, NAT ranges in ct() and OVS's userspace()
// cookies are rendered as bytes rather than spelled out.
//
// Streaming: Client.Flows yields flows as the kernel's replies arrive. The
// datagrams are read with recvmsg straight into a few reused 64 KiB
// buffers (a connection without a descriptor, such as nltest's, goes
// through the netlink package's receive instead), decoded by two worker
// goroutines a datagram each, and yielded in the kernel's order, reusing
// the Flows and their buffers: a dump of any size runs in constant memory,
// and the only garbage per flow is its rendered text, in arenas shared by
// many flows. Every goroutine of a dump has ended when its iteration ends,
// including one the caller breaks out of (the rest of the dump is read
// and dropped so the socket stays in step).
//
// Privileges: listing datapaths, vports and flows needs none beyond
// opening a generic netlink socket (the families' GET commands are not
// GENL_ADMIN_PERM); the kernel must have the openvswitch module loaded,
// or New/Dial fail with an error matching errs.ErrNotSupported.
//
// Network namespaces: a datapath belongs to the namespace it was created
// in; Dial's netlink.Config.NetNS picks the namespace to talk in. The
// Client holds no namespace state.
//
// Errors: kernel errnos come back through internal/nlerr as *errs.Error
// naming the operation and datapath, so errors.Is(err, errs.ErrNotFound)
// (ENODEV: no such datapath) and friends work; a reply with a truncated
// attribute gives an error matching errs.ErrInvalidArgument; a dump the
// kernel keeps marking interrupted ends with errs.ErrBusy. Nothing here
// changes the datapath.
package datapath
