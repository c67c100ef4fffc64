// Package placement answers "where does each OVS datapath flow run?" from
// the kernel alone, without contacting ovs-vswitchd: it dumps the kernel
// datapath's flows (ovs/datapath) and the tc filters on the netdevs of the
// datapath's vports (tc), and joins them by the UFID OVS writes into every
// tc action cookie. Each flow comes out as a dpflow.Flow (so dpflow reports
// run on it unchanged) with its placement:
//
//   - in hardware: a tc filter carrying the flow's UFID is in_hw
//     (dp:tc, offloaded:yes);
//   - tc, not in hardware: the flow is in tc, no filter of it in_hw
//     (dp:tc);
//   - kernel datapath: the flow is in the openvswitch module's flow table
//     (dp:ovs).
//
// Flows OVS put into tc never reach the kernel datapath's table, so for
// them only the tc side is known: the dpflow.Flow carries the UFID, the
// counters of the filters and the interface as in_port, and the filters
// themselves (with their flower match and actions) are attached; the
// match in OVS's own notation is not available without ovs-vswitchd.
//
// Join is pure data; Source does the I/O. Privileges: none beyond opening
// generic netlink and rtnetlink sockets (both dumps are unprivileged).
// Network namespaces: the datapath, its vports' netdevs and the tc filters
// are read in the namespace of the clients passed in; a vport whose netdev
// is in another namespace is reported in Report.Skipped, not guessed at.
// Errors: whatever the datapath and tc clients return (*errs.Error), with
// the operation and device named; a vport that disappears between the
// listings is skipped with its reason, not an error.
package placement
