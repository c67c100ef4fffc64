package tc

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// State is where a filter runs, from its flags.
type State string

// Filter states.
const (
	// StateInHW: the kernel reports in_hw; a driver holds the filter.
	StateInHW State = "in_hw"
	// StateNotInHW: the filter was offered to hardware and no driver took
	// it (or none was asked); it runs in software only.
	StateNotInHW State = "not_in_hw"
	// StateSkipHW: the filter asked for software only (skip_hw).
	StateSkipHW State = "skip_hw"
	// StateUnknown: the kernel reported neither in_hw nor not_in_hw
	// (classifiers or kernels that do not report it).
	StateUnknown State = "unknown"
)

// StateOf returns where f runs.
func StateOf(f Filter) State {
	switch {
	case f.Flags&FlagInHW != 0:
		return StateInHW
	case f.Flags&FlagSkipHW != 0:
		return StateSkipHW
	case f.Flags&FlagNotInHW != 0:
		return StateNotInHW
	}
	return StateUnknown
}

// OffloadFilter is one filter of an Offload report.
type OffloadFilter struct {
	Interface string `json:"interface"`
	Parent    Handle `json:"parent"`
	Chain     uint32 `json:"chain"`
	Priority  uint16 `json:"pref"`
	Handle    uint32 `json:"handle"`
	Protocol  uint16 `json:"protocol"`
	Kind      string `json:"kind"`
	State     State  `json:"state"`
	Flags     Flags  `json:"flags"`
	// InHWCount is TCA_FLOWER_IN_HW_COUNT, the number of devices holding
	// the filter in hardware; nil when the kernel did not report it (a
	// kernel without the attribute, a classifier other than flower), null
	// in JSON. A skip_hw filter reports 0, not nil.
	InHWCount *uint32 `json:"in_hw_count"`
	// Packets and Bytes count all packets of the first action (as tc and
	// OVS read them); HWPackets and HWBytes the part counted in hardware.
	Packets   uint64 `json:"packets"`
	Bytes     uint64 `json:"bytes"`
	HWPackets uint64 `json:"hw_packets"`
	HWBytes   uint64 `json:"hw_bytes"`
	// UFID is the OVS flow id from the first action cookie of 16 bytes;
	// nil for filters OVS did not install.
	UFID    *dpflow.UFID `json:"ufid,omitempty"`
	Match   string       `json:"match"`
	Actions string       `json:"actions"`
}

// Offload is the hardware-offload report of one interface: every filter
// with where it runs and its counters, and the totals.
type Offload struct {
	Interface string          `json:"interface"`
	Ifindex   int             `json:"ifindex"`
	Filters   []OffloadFilter `json:"filters"`
	InHW      int             `json:"in_hw"`
	NotInHW   int             `json:"not_in_hw"`
	SkipHW    int             `json:"skip_hw"`
	Unknown   int             `json:"unknown"`
	// HWPackets and HWBytes sum the hardware counters of all filters.
	HWPackets uint64 `json:"hw_packets"`
	HWBytes   uint64 `json:"hw_bytes"`
}

// NewOffload builds the report for an interface from its dumped filters.
// The per-priority head entries a dump contains (handle 0, no options) are
// skipped. Filters are sorted by parent, chain, priority and handle.
func NewOffload(ifname string, ifindex int, filters []Filter) Offload {
	o := Offload{Interface: ifname, Ifindex: ifindex, Filters: []OffloadFilter{}}
	for _, f := range filters {
		o.add(f)
	}
	o.sort()
	return o
}

// add summarises one filter into the report.
func (o *Offload) add(f Filter) {
	if of, ok := summarise(o.Interface, f); ok {
		o.count(of)
	}
}

// summarise returns the report line of f; false for the per-priority head
// entry a dump contains (handle 0, no options), which is no filter.
func summarise(ifname string, f Filter) (OffloadFilter, bool) {
	if f.Handle == 0 && f.Flower == nil && len(f.Actions) == 0 && f.Options == nil {
		return OffloadFilter{}, false
	}
	of := OffloadFilter{
		Interface: ifname, Parent: f.Parent, Chain: f.Chain, Priority: f.Priority,
		Handle: f.Handle, Protocol: f.Protocol, Kind: f.Kind,
		State: StateOf(f), Flags: f.Flags, InHWCount: f.InHWCount,
		Actions: ActionsString(f.Actions),
	}
	if f.Flower != nil {
		of.Match = f.Flower.Key.String()
	}
	for _, a := range f.Actions {
		if a.Stats != nil {
			of.Packets, of.Bytes = a.Stats.Packets, a.Stats.Bytes
			of.HWPackets, of.HWBytes = a.Stats.HWPackets, a.Stats.HWBytes
			break
		}
	}
	for _, a := range f.Actions {
		if u, ok := a.UFID(); ok {
			of.UFID = &u
			break
		}
	}
	return of, true
}

// count adds one report line and its state and hardware counters to the
// totals.
func (o *Offload) count(of OffloadFilter) {
	switch of.State {
	case StateInHW:
		o.InHW++
	case StateNotInHW:
		o.NotInHW++
	case StateSkipHW:
		o.SkipHW++
	default:
		o.Unknown++
	}
	o.HWPackets += of.HWPackets
	o.HWBytes += of.HWBytes
	o.Filters = append(o.Filters, of)
}

func (o *Offload) sort() {
	sort.SliceStable(o.Filters, func(i, j int) bool {
		a, b := o.Filters[i], o.Filters[j]
		if a.Parent != b.Parent {
			return a.Parent < b.Parent
		}
		if a.Chain != b.Chain {
			return a.Chain < b.Chain
		}
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		return a.Handle < b.Handle
	})
}

// Offload dumps the filters of the interface's ingress hook, and of the
// egress hook when a clsact qdisc is present (OVS puts internal ports'
// filters there), and returns the report. An interface without an ingress
// or clsact qdisc has an empty report.
func (c *Client) Offload(ctx context.Context, ifc Interface) (Offload, error) {
	idx, err := c.resolve(ctx, ifc)
	if err != nil {
		return Offload{}, err
	}
	byIdx := Interface{Index: idx, Name: ifc.Name}
	qds, err := c.Qdiscs(ctx, byIdx)
	if err != nil {
		return Offload{}, err
	}
	var parents []Handle
	for _, q := range qds {
		if q.Parent == HandleIngress && (q.Kind == "ingress" || q.Kind == "clsact") {
			parents = append(parents, ParentIngress)
			if q.Kind == "clsact" {
				parents = append(parents, ParentEgress)
			}
		}
	}
	name := ifc.Name
	if name == "" {
		name = fmt.Sprintf("ifindex %d", idx)
	}
	// Summarised while streaming: only the small OffloadFilter of each
	// filter stays live, not the decoded filters (see hack/tc-bench).
	o := Offload{Interface: name, Ifindex: idx, Filters: []OffloadFilter{}}
	for _, p := range parents {
		if err := c.offloadParent(ctx, &o, byIdx, p); err != nil {
			return Offload{}, err
		}
	}
	o.sort()
	return o, nil
}

// offloadParent adds the filters of one parent to o, restarting the parent
// when the kernel marks the dump interrupted.
func (c *Client) offloadParent(ctx context.Context, o *Offload, ifc Interface, parent Handle) error {
	// Lines are counted only once the dump completes, so a restarted dump
	// does not count its filters twice.
	var lines []OffloadFilter
	err := restartInterrupted("dump filters", ifc, func() error {
		lines = lines[:0]
		for f, err := range c.Filters(ctx, ifc, parent) {
			if err != nil {
				return err
			}
			if of, ok := summarise(o.Interface, f); ok {
				lines = append(lines, of)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, of := range lines {
		o.count(of)
	}
	return nil
}

// FlowOffload says, for one OVS flow, which tc filters carry it and whether
// any of them is in hardware.
type FlowOffload struct {
	UFID    dpflow.UFID     `json:"ufid"`
	InHW    bool            `json:"in_hw"`
	Filters []OffloadFilter `json:"filters"`
}

// JoinUFIDs matches flows (by UFID) with the filters of the reports whose
// action cookie carries the same UFID. Every UFID gets an entry, with no
// filters when tc has none (the flow is in the kernel or userspace
// datapath only). The order of ufids is kept.
func JoinUFIDs(reports []Offload, ufids []dpflow.UFID) []FlowOffload {
	by := map[dpflow.UFID][]OffloadFilter{}
	for _, r := range reports {
		for _, f := range r.Filters {
			if f.UFID != nil {
				by[*f.UFID] = append(by[*f.UFID], f)
			}
		}
	}
	out := make([]FlowOffload, 0, len(ufids))
	for _, u := range ufids {
		fo := FlowOffload{UFID: u, Filters: by[u]}
		for _, f := range fo.Filters {
			if f.State == StateInHW {
				fo.InHW = true
			}
		}
		out = append(out, fo)
	}
	return out
}

// ActionsString summarises actions as tc words: "vlan push 100,mirred
// egress redirect ifindex 3".
func ActionsString(acts []Action) string {
	parts := make([]string, 0, len(acts))
	for _, a := range acts {
		parts = append(parts, a.String())
	}
	return strings.Join(parts, ",")
}

// String summarises one action.
func (a Action) String() string {
	var s string
	switch {
	case a.Mirred != nil:
		s = fmt.Sprintf("mirred %s ifindex %d", a.Mirred.Action, a.Mirred.Ifindex)
	case a.VLAN != nil:
		s = "vlan " + a.VLAN.Op.String()
		if a.VLAN.ID != nil {
			s += fmt.Sprintf(" %d", *a.VLAN.ID)
		}
	case a.TunnelKey != nil:
		if a.TunnelKey.Release {
			s = "tunnel_key unset"
		} else {
			s = fmt.Sprintf("tunnel_key set %s->%s", a.TunnelKey.Src, a.TunnelKey.Dst)
			if a.TunnelKey.KeyID != nil {
				s += fmt.Sprintf(" id %d", *a.TunnelKey.KeyID)
			}
		}
	case a.CT != nil:
		s = "ct"
		if a.CT.Action&4 != 0 {
			s += " clear"
		}
		if a.CT.Action&1 != 0 {
			s += " commit"
		}
		if a.CT.Action&8 != 0 {
			s += " nat"
		}
		if a.CT.Zone != 0 {
			s += fmt.Sprintf(" zone %d", a.CT.Zone)
		}
	case a.Kind == "gact":
		return a.Verdict.String()
	default:
		s = a.Kind
	}
	if c, ok := a.Verdict.Chain(); ok {
		s += fmt.Sprintf(" goto chain %d", c)
	}
	return s
}

// String summarises the matched fields with tc's keywords.
func (k FlowerKey) String() string {
	var p []string
	add := func(name string, v any) { p = append(p, fmt.Sprintf("%s %v", name, v)) }
	if k.EthType != 0 {
		add("eth_type", fmt.Sprintf("0x%04x", k.EthType))
	}
	if k.EthDst.Addr != nil {
		add("dst_mac", k.EthDst)
	}
	if k.EthSrc.Addr != nil {
		add("src_mac", k.EthSrc)
	}
	if k.VLAN != nil && k.VLAN.ID != nil {
		add("vlan_id", *k.VLAN.ID)
	}
	if k.CVLAN != nil && k.CVLAN.ID != nil {
		add("cvlan_id", *k.CVLAN.ID)
	}
	if k.IPProto != nil {
		add("ip_proto", *k.IPProto)
	}
	if k.Src.IsSet() {
		add("src_ip", k.Src)
	}
	if k.Dst.IsSet() {
		add("dst_ip", k.Dst)
	}
	if k.SrcPort != nil {
		add("src_port", k.SrcPort.Value)
	}
	if k.DstPort != nil {
		add("dst_port", k.DstPort.Value)
	}
	if k.DstPortRange != nil {
		add("dst_port", fmt.Sprintf("%d-%d", k.DstPortRange.Min, k.DstPortRange.Max))
	}
	if k.CTState != nil {
		add("ct_state", CTStateMatch(*k.CTState))
	}
	if k.CTZone != nil {
		add("ct_zone", k.CTZone.Value)
	}
	if k.EncKeyID != nil {
		add("enc_key_id", *k.EncKeyID)
	}
	if k.EncDst.IsSet() {
		add("enc_dst_ip", k.EncDst)
	}
	if len(k.EncOpts) > 0 {
		add("geneve_opts", len(k.EncOpts))
	}
	return strings.Join(p, " ")
}
