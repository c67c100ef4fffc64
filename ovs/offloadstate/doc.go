// Package offloadstate checks whether the RUNNING ovs-vswitchd has
// hardware offload in effect, from evidence of the running daemon and of
// the kernel, not only from the configured other_config:hw-offload.
//
// Setting hw-offload=true in OVSDB proves nothing by itself: ovs-vswitchd
// enables its flow API once, when it first sees the key true, and keeps it
// until it restarts (so "false" in OVSDB can still run with offload on);
// it assigns a flow API (TC flower for the kernel datapath, DPDK rte_flow
// for DPDK ports) to each port where the provider's init succeeds; and the
// userspace datapath offloads to hardware only through DPDK ports.
//
// # Evidence
//
// Check reads, in order:
//
//   - unixctl "version" (which commands below mean what);
//   - unixctl "dpif/show": the datapaths (system@ = kernel, netdev@ =
//     userspace), their bridges and ports with types;
//   - OVS 3.7 and later: unixctl "dpif/offload/show", whose first line
//     "Globally enabled: true|false" is the daemon's own answer;
//   - OVS 2.15 to 3.6: unixctl "upcall/show", which prints an
//     "offloaded flows : N" line for a datapath exactly when at least one
//     of its ports has an initialised flow API (dpif_get_n_offloaded_flows
//     in lib/dpif.c succeeds only then; from 3.7 the line appears only for
//     N > 0, so it is not used there);
//   - optionally OVSDB other_config:hw-offload (what is configured, to say
//     why offload is not in effect);
//   - optionally the kernel, over the tc package: OVS's TC provider adds
//     an "ingress" qdisc to each port of the kernel datapath when it
//     initialises the port's flow API ("clsact" on internal ports,
//     lib/netdev-offload-tc.c netdev_tc_init_flow_api). Only ports of the
//     kernel datapath whose netdev has the port's name are looked at
//     (not tunnel vports).
//
// `dpctl/dump-flows type=offloaded` is not evidence: every version since
// 2.10 accepts the filter with or without a flow API, and an empty answer
// cannot tell "off" from "no traffic yet". OVS before 2.15 reports the
// flow API nowhere over unixctl: there the answer is Unknown, with the
// kernel evidence listed. Covered and tested: OVS 3.1 (this repository's
// test tiers); read from the sources: 2.15 to 3.7.
//
// # The answer
//
// Like a cilium feature probe, the Result is tri-state, with its evidence:
// InEffect (the running daemon shows a flow API on a datapath that
// offloads to hardware), NotInEffect with the reason (hw-offload not
// configured; configured but no port has a flow API; the userspace
// datapath without DPDK ports), or Unknown with the reason it could not
// tell (no access to the control socket, an OVS too old to say, the
// daemon and the kernel disagree). Result.Err gives the same answer as
// an error: nil, one matching errs.ErrNotApplied, or another error.
//
// In effect means OVS hands datapath flows to TC (or rte_flow). Whether
// the NIC takes a given flow is per flow: ovs/dpflow reports and tc's
// in_hw flags show it.
//
// # Privileges and namespaces
//
// The unixctl socket needs the rights ovs-vswitchd gave it (root on most
// hosts); OVSDB likewise. Listing qdiscs needs no privilege, but the tc
// Client must be dialled in ovs-vswitchd's network namespace (tc.Config
// NetNS, for example /proc/<pid>/ns/net), or the ports are not found:
// that is reported as kernel evidence that could not be read, never as
// "no qdisc".
//
// # Errors
//
// Check does not fail: every error becomes evidence and, when it leaves
// the question open, the reason of an Unknown result.
package offloadstate
