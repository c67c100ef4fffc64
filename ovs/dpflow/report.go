package dpflow

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Placement says where a flow runs, from its offloaded: and dp: fields.
type Placement uint8

// Placements, from the meaning OVS gives the fields.
const (
	// PlacementUnknown: the line has neither offloaded: nor dp: (a dump
	// without -m), so where the flow runs is not shown.
	PlacementUnknown Placement = iota
	// PlacementOVS: dp:ovs, the kernel or userspace datapath of OVS.
	PlacementOVS
	// PlacementTCSoftware: dp:tc without offloaded:yes, a TC rule that
	// runs in software only.
	PlacementTCSoftware
	// PlacementHardware: offloaded:yes with dp:tc, in the NIC's eswitch;
	// also a line without offloaded:/dp: from a dump taken with
	// type=offloaded (TC in hardware or DPDK full offload).
	PlacementHardware
	// PlacementDPDKPartial: offloaded:partial (dp:ovs), DPDK partial
	// offload: the NIC classifies, the userspace datapath acts.
	PlacementDPDKPartial
	// PlacementDPDKFull: dp:dpdk, DPDK full offload (rte_flow).
	PlacementDPDKFull
	// PlacementSoftware: not in hardware, layer not shown: a line
	// without offloaded:/dp: from a dump taken with type=non-offloaded.
	PlacementSoftware
	numPlacements
)

var placementNames = [numPlacements]string{"unknown", "ovs", "tc-software", "hardware", "dpdk-partial", "dpdk-full", "software"}

// String returns a short name: "unknown", "ovs", "tc-software",
// "hardware", "dpdk-partial", "dpdk-full" or "software".
func (p Placement) String() string {
	if p < numPlacements {
		return placementNames[p]
	}
	return "placement(" + strconv.Itoa(int(p)) + ")"
}

// MarshalText returns String, so placements read well in JSON.
func (p Placement) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Offloaded reports whether the placement is in hardware, fully or
// partially.
func (p Placement) Offloaded() bool {
	return p == PlacementHardware || p == PlacementDPDKPartial || p == PlacementDPDKFull
}

// Placement classifies the flow. A dp: other than tc, dpdk or ovs (a vendor
// layer) counts as hardware with offloaded:yes and as ovs without it.
func (f *Flow) Placement() Placement {
	switch {
	case f.Offloaded == OffloadedPartial:
		return PlacementDPDKPartial
	case f.DP == LayerDPDK:
		return PlacementDPDKFull
	case f.Offloaded == OffloadedYes:
		return PlacementHardware
	case f.DP == LayerTC:
		return PlacementTCSoftware
	case f.DP != LayerNone:
		// dp:ovs, or a layer this package does not know that did not
		// claim offload: count it as software.
		return PlacementOVS
	}
	return PlacementUnknown
}

// Reason is why a flow is likely not in hardware, as far as the flow line
// shows it: a short stable code; Explain gives the sentence for people.
type Reason string

// Reasons the report gives.
const (
	// ReasonNoOffloadInfo: the dump has no offloaded:/dp: fields (it was
	// taken without -m).
	ReasonNoOffloadInfo Reason = "no-offload-info"
	// ReasonTCSoftware: dp:tc without offloaded:yes; the TC rule was
	// installed but the driver did not take it into hardware (or
	// tc-policy=skip_hw).
	ReasonTCSoftware Reason = "tc-software"
	// ReasonHash: a dp_hash match or hash action, as OVN load balancers
	// and select groups produce; TC cannot offload them.
	ReasonHash Reason = "hash"
	// ReasonUserspace: the flow sends packets to ovs-vswitchd (controller,
	// slow path, sFlow/IPFIX), which never runs in hardware.
	ReasonUserspace Reason = "userspace"
	// ReasonSample: sample/psample actions.
	ReasonSample Reason = "sample"
	// ReasonUnsupportedAction: an action TC offload does not translate
	// (check_pkt_len, trunc, push_nsh/pop_nsh, lb_output, tnl_push, ...).
	ReasonUnsupportedAction Reason = "unsupported-action"
	// ReasonUnknown: nothing in the line explains it; look at the
	// ovs-vswitchd log (netdev_offload_tc) and the driver.
	ReasonUnknown Reason = "unknown"
)

// Explain returns a sentence saying what the reason means.
func (r Reason) Explain() string {
	switch r {
	case ReasonNoOffloadInfo:
		return "no offload info in the dump (use dump-flows -m)"
	case ReasonTCSoftware:
		return "tc rule in software only (driver did not offload it, or tc-policy=skip_hw)"
	case ReasonHash:
		return "dp_hash/hash (load balancer or select group): not offloadable"
	case ReasonUserspace:
		return "userspace action (controller, slow path, sFlow/IPFIX)"
	case ReasonSample:
		return "sample/psample action"
	case ReasonUnsupportedAction:
		return "action the offload path cannot translate"
	case ReasonUnknown:
		return "no reason visible in the flow (check the ovs-vswitchd log)"
	}
	return string(r)
}

// Counters add up flows, packets and bytes.
type Counters struct {
	Flows   int    `json:"flows"`
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

func (c *Counters) add(f *Flow) {
	c.Flows++
	c.Packets += f.Packets
	c.Bytes += f.Bytes
}

// PortSummary sums the flows entering through one in_port (a representor,
// an uplink or a tunnel port).
type PortSummary struct {
	InPort    string   `json:"in_port"`
	Total     Counters `json:"total"`
	Offloaded Counters `json:"offloaded"`
}

// Finding is a flow not in hardware and the likely reason.
type Finding struct {
	Line      int       `json:"line"`
	UFID      string    `json:"ufid,omitempty"`
	InPort    string    `json:"in_port"`
	Placement Placement `json:"placement"`
	Reason    Reason    `json:"reason"`
	// Detail is the attribute or action that shows the reason, if any.
	Detail  string `json:"detail,omitempty"`
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// Report is the offload verification report of a dump: what the guides
// ask a person to check by eye after `dpctl/dump-flows -m`.
type Report struct {
	// Type is what the dump holds, the type= filter it was taken with,
	// when known (zero: not known). Set it before Add: a line that shows
	// neither offloaded: nor dp: is placed by the filter (see
	// DumpType.Placement), and Hints do not ask a dump that excludes
	// offloaded flows to show some. FlowDump.Report and
	// Scanner.Type carry it from a dump the library ran.
	Type DumpType
	// Total counts every flow.
	Total Counters
	// Offloaded counts the flows in hardware (fully or partially).
	Offloaded Counters
	// ByPlacement counts flows per Placement.
	ByPlacement [numPlacements]Counters
	// ByLayer counts flows per dp: value as printed ("" without -m).
	ByLayer map[Layer]Counters
	// Findings lists the flows not in hardware, in input order, up to
	// MaxFindings (0: all); FindingsDropped counts the rest.
	Findings        []Finding
	MaxFindings     int
	FindingsDropped int
	ports           map[string]*PortSummary
}

// NewReport returns an empty report.
func NewReport() *Report {
	return &Report{ByLayer: map[Layer]Counters{}, ports: map[string]*PortSummary{}}
}

// Placement returns where f runs in this report: what its line shows,
// or where the line shows nothing, what the dump's Type says.
func (r *Report) Placement(f *Flow) Placement {
	pl := f.Placement()
	if pl == PlacementUnknown {
		pl = r.Type.Placement()
	}
	return pl
}

// Add accounts one flow. It copies what it keeps, so flows from a Scanner
// can be passed directly.
func (r *Report) Add(f *Flow) {
	if r.ports == nil {
		r.ports = map[string]*PortSummary{}
	}
	if r.ByLayer == nil {
		r.ByLayer = map[Layer]Counters{}
	}
	pl := r.Placement(f)
	r.Total.add(f)
	r.ByPlacement[pl].add(f)
	lc := r.ByLayer[f.DP]
	lc.add(f)
	if _, ok := r.ByLayer[f.DP]; !ok {
		r.ByLayer[Layer(strings.Clone(string(f.DP)))] = lc
	} else {
		r.ByLayer[f.DP] = lc
	}
	ps := r.ports[f.InPort]
	if ps == nil {
		ps = &PortSummary{InPort: strings.Clone(f.InPort)}
		r.ports[ps.InPort] = ps
	}
	ps.Total.add(f)
	if pl.Offloaded() {
		r.Offloaded.add(f)
		ps.Offloaded.add(f)
		return
	}
	if r.MaxFindings > 0 && len(r.Findings) >= r.MaxFindings {
		r.FindingsDropped++
		return
	}
	reason, detail := why(f, pl)
	fd := Finding{
		Line: f.Line, InPort: ps.InPort, Placement: pl, Reason: reason,
		Detail: strings.Clone(detail), Packets: f.Packets, Bytes: f.Bytes,
	}
	if !f.UFID.IsZero() {
		fd.UFID = f.UFID.String()
	}
	r.Findings = append(r.Findings, fd)
}

// Ports returns the per in_port summaries sorted by port.
func (r *Report) Ports() []PortSummary {
	out := make([]PortSummary, 0, len(r.ports))
	for _, p := range r.ports {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b PortSummary) int { return cmp.Compare(a.InPort, b.InPort) })
	return out
}

// Layers returns the dp: values seen, sorted.
func (r *Report) Layers() []Layer {
	out := make([]Layer, 0, len(r.ByLayer))
	for l := range r.ByLayer {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// Share returns part/total as a fraction in [0,1] for flows, packets and
// bytes (0 when total is 0).
func Share(part, total Counters) (flows, packets, bytes float64) {
	frac := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	return frac(float64(part.Flows), float64(total.Flows)),
		frac(float64(part.Packets), float64(total.Packets)),
		frac(float64(part.Bytes), float64(total.Bytes))
}

// unsupportedAction reports the actions the TC offload path of OVS does
// not translate (it returns EOPNOTSUPP for them), at any nesting depth. A
// switch, so the set is not package-level mutable state.
func unsupportedAction(name string) bool {
	switch name {
	case "check_pkt_len", "trunc", "push_nsh", "pop_nsh", "lb_output", "tnl_push",
		"tnl_pop", "push_eth", "pop_eth", "add_mpls", "dec_ttl", "meter":
		return true
	}
	return false
}

// Why returns the likely reason a flow is not in hardware and the
// attribute or action text that shows it. It looks at the flow only; it
// does not check that the flow is in fact not offloaded.
func Why(f *Flow) (Reason, string) { return why(f, f.Placement()) }

// why is Why for a flow placed at pl (by its line or its dump's type).
func why(f *Flow, pl Placement) (Reason, string) {
	if a, ok := f.Key("dp_hash"); ok {
		if m, err := ParseMaskedUint(a.Args()); err == nil && (!m.Masked || m.Mask != 0) {
			return ReasonHash, a.Text
		}
	}
	var found Reason
	var detail string
	WalkActions(f.Actions, func(a Attr) bool {
		switch {
		case a.Name == "hash":
			found, detail = ReasonHash, a.Text
		case a.Name == "userspace":
			found, detail = ReasonUserspace, a.Text
		case a.Name == "sample" || a.Name == "psample":
			found, detail = ReasonSample, a.Text
		case unsupportedAction(a.Name):
			found, detail = ReasonUnsupportedAction, a.Text
		default:
			return true
		}
		return false
	})
	if found != "" {
		return found, detail
	}
	switch pl {
	case PlacementTCSoftware:
		return ReasonTCSoftware, "dp:tc"
	case PlacementUnknown:
		return ReasonNoOffloadInfo, ""
	}
	return ReasonUnknown, ""
}

// WalkActions calls fn for each action depth first, entering the nested
// action lists of clone(...), sample(...,actions(...)),
// check_pkt_len(...,gt(...),le(...)) and dec_ttl(le_1(...)), until fn
// returns false. It reports whether the walk ran to the end. Nested lists
// that do not parse are not entered.
func WalkActions(actions []Attr, fn func(Attr) bool) bool {
	for _, a := range actions {
		if !fn(a) {
			return false
		}
		var inner []string
		switch a.Name {
		case "clone":
			inner = []string{a.Args()}
		case "sample":
			v, _ := a.Field("actions")
			inner = []string{v}
		case "check_pkt_len":
			gt, _ := a.Field("gt")
			le, _ := a.Field("le")
			inner = []string{gt, le}
		case "dec_ttl":
			v, _ := a.Field("le_1")
			inner = []string{v}
		}
		for _, text := range inner {
			if text == "" {
				continue
			}
			nested, err := ParseActions(text)
			if err == nil && !WalkActions(nested, fn) {
				return false
			}
		}
	}
	return true
}

// Hints returns what the whole dump suggests, beyond single flows, in the
// terms of the offload guides' checklists. Empty when nothing stands out.
func (r *Report) Hints() []string {
	var h []string
	known := r.Total.Flows - r.ByPlacement[PlacementUnknown].Flows
	switch {
	case r.Total.Flows == 0:
		h = append(h, "the dump is empty: no traffic yet, or the type= filter matched nothing")
	case !r.Type.canHoldOffloaded():
		h = append(h, "the dump was taken with type="+r.Type.String()+": it cannot show offloaded flows; "+
			"take it without type= (or type=all) to see the offloaded share")
	case known == 0:
		h = append(h, "no flow shows offloaded:/dp: fields: take the dump with `dpctl/dump-flows -m`")
	case r.Offloaded.Flows == 0 && r.ByLayer[LayerTC].Flows == 0 && r.ByPlacement[PlacementDPDKFull].Flows == 0:
		h = append(h, "no flow is offloaded or in TC: other_config:hw-offload is probably not true, "+
			"or ovs-vswitchd was not restarted after setting it")
	case r.Offloaded.Flows == 0 && r.ByPlacement[PlacementTCSoftware].Flows > 0:
		h = append(h, "TC rules exist but none is in hardware: check that the eswitch is in switchdev mode, "+
			"hw-tc-offload is on for the uplink and representors, and tc-policy is not skip_hw")
	}
	if r.ByPlacement[PlacementTCSoftware].Flows > 0 && r.Offloaded.Flows > 0 {
		h = append(h, "some TC rules stayed in software: the driver refused them (see the findings and the ovs-vswitchd log)")
	}
	return h
}
