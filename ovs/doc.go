// Package ovs is the umbrella for offloadkit's Open vSwitch support: what the
// offload guides do with ovs-vsctl and ovs-appctl, as typed Go calls. It
// holds no code; the work is in its subpackages:
//
//   - ovs/dpflow parses and formats datapath flow dumps (the output of
//     `ovs-appctl dpctl/dump-flows [-m] [type=offloaded]`), streams
//     multi-megabyte dumps with little allocation, and builds the offload
//     verification report (which flows are in hardware, which are not and
//     the likely reason).
//   - ovs/datapath reads the OVS kernel datapath from the kernel (the
//     ovs_datapath, ovs_vport and ovs_flow generic netlink families):
//     datapaths, vports, and every flow streamed into the same dpflow types,
//     without ovs-vswitchd.
//   - ovs/placement joins those flows with the tc filters on the vports'
//     netdevs by UFID: every flow with where it runs, from the kernel alone.
//   - ovs/unixctl talks JSON-RPC to ovs-vswitchd's control socket (what
//     ovs-appctl does), with helpers that return parsed dpflow flows.
//   - ovs/ovsdb reads and writes the Open_vSwitch table's other_config
//     (hw-offload, tc-policy, max-idle) and representor ports over OVSDB.
//   - ovs/offloadstate checks whether the running ovs-vswitchd has hardware
//     offload in effect (not only configured), from unixctl, OVSDB and the
//     kernel's qdiscs: in effect, not in effect and why, or unknown and why.
//   - ovs/ovstest starts real ovsdb-server and ovs-vswitchd processes in a
//     temporary directory for tests.
//
// None of these packages executes ovs-vsctl or ovs-appctl.
package ovs
