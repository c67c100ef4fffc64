// Package ovsjoin joins Open vSwitch datapath flows (package ovs/dpflow)
// with the tc filters OVS installed for them (package tc), by the UFID OVS
// writes into each tc action cookie. It answers, per OVS flow, "is its tc
// filter in hardware?", and flags the disagreements worth a look: OVS
// printing offloaded:yes while no tc filter is in_hw, flows of dp:tc with no
// filter at all, and tc filters whose UFID no flow has any more.
//
// It is pure data: no I/O, no privilege. Flows must come from
// `dpctl/dump-flows -m` (ufids are printed only with -m).
package ovsjoin
