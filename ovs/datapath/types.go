package datapath

import (
	"strconv"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// Datapath is one OVS kernel datapath (`ovs-dpctl show`), from an
// OVS_DP_CMD_GET reply.
type Datapath struct {
	// Name is the datapath's name, "ovs-system" for the one ovs-vswitchd
	// creates.
	Name string
	// Ifindex is the ifindex of the datapath's local port netdev (the
	// ovs_header.dp_ifindex of the reply); requests for its vports and
	// flows name the datapath by it.
	Ifindex int
	// Stats are the flow table lookups: hits, misses, lost upcalls and
	// the number of flows.
	Stats DatapathStats
	// Megaflow holds the mask cache counters; nil when not reported.
	Megaflow *MegaflowStats
	// UserFeatures are the OVS_DP_F_* bits ovs-vswitchd set.
	UserFeatures uint32
	// MasksCacheSize is the per-CPU mask cache size; nil before 5.10.
	MasksCacheSize *uint32
	// Unknown holds the attributes this package does not decode.
	Unknown []RawAttr
}

// DatapathStats is struct ovs_dp_stats.
type DatapathStats struct {
	Hit, Missed, Lost, Flows uint64
}

// MegaflowStats is struct ovs_dp_megaflow_stats.
type MegaflowStats struct {
	MaskHit  uint64
	Masks    uint32
	CacheHit uint64
}

// VportType is enum ovs_vport_type.
type VportType uint32

// Vport types.
const (
	VportUnspec   VportType = 0
	VportNetdev   VportType = 1
	VportInternal VportType = 2
	VportGRE      VportType = 3
	VportVXLAN    VportType = 4
	VportGeneve   VportType = 5
)

// String returns the name `ovs-dpctl show` uses ("netdev", "internal",
// "gre", "vxlan", "geneve"), or "type(N)".
func (t VportType) String() string {
	switch t {
	case VportUnspec:
		return "unspec"
	case VportNetdev:
		return "netdev"
	case VportInternal:
		return "internal"
	case VportGRE:
		return "gre"
	case VportVXLAN:
		return "vxlan"
	case VportGeneve:
		return "geneve"
	}
	return "type(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// Vport is one port of a datapath, from an OVS_VPORT_CMD_GET reply.
type Vport struct {
	// Datapath is the ifindex of the datapath the port belongs to.
	Datapath int
	// PortNo is the odp port number flows use in in_port() and output
	// actions (0 is the datapath's local port).
	PortNo uint32
	Type   VportType
	Name   string
	// Ifindex is the port's netdev ifindex; 0 when the kernel did not
	// report one (before 5.2, or a port whose netdev is in another
	// namespace).
	Ifindex int
	// NetNSID is the id of the port netdev's namespace as seen from the
	// caller's; nil when the netdev is in the caller's namespace.
	NetNSID *int32
	// Stats holds the port counters; nil when not reported.
	Stats *VportStats
	// UpcallPIDs are the netlink port ids ovs-vswitchd receives this
	// port's upcalls on (OVS_VPORT_ATTR_UPCALL_PID); 0 means none.
	UpcallPIDs []uint32
	// Upcalls counts upcalls sent and failed (OVS_VPORT_ATTR_UPCALL_STATS,
	// 6.3 and later); nil when not reported.
	Upcalls *VportUpcallStats
	// Options is the raw OVS_VPORT_ATTR_OPTIONS nest (tunnel ports: the
	// destination port and extensions); nil when absent.
	Options []byte
	// Unknown holds the attributes this package does not decode.
	Unknown []RawAttr
}

// VportStats is struct ovs_vport_stats.
type VportStats struct {
	RxPackets, TxPackets, RxBytes, TxBytes   uint64
	RxErrors, TxErrors, RxDropped, TxDropped uint64
}

// VportUpcallStats is the OVS_VPORT_ATTR_UPCALL_STATS nest.
type VportUpcallStats struct {
	Success, Fail uint64
}

// RawAttr is a netlink attribute kept undecoded: its type (without the
// nested and byte-order flags) and its payload.
type RawAttr struct {
	Type uint16
	Data []byte
}

// Flow is one kernel datapath flow. Its embedded dpflow.Flow is what
// `ovs-appctl dpctl/dump-flows -m` prints for the flow (match, mask and
// actions as text in the same format, UFID, counters, used time, tcp
// flags, dp:ovs), so reports and joins written for the text dump take
// &f.Flow unchanged. RawKey, RawMask and RawActions keep the kernel's attributes as
// sent, for callers that want the binary form.
//
// A Flow yielded by Client.Flows is reused for the next flow (like the
// dpflow.Scanner's); Clone keeps a copy.
type Flow struct {
	dpflow.Flow
	// Datapath is the ifindex of the datapath holding the flow.
	Datapath int
	// RawKey, RawMask and RawActions are the payloads of
	// OVS_FLOW_ATTR_KEY, OVS_FLOW_ATTR_MASK and OVS_FLOW_ATTR_ACTIONS:
	// sequences of OVS_KEY_ATTR_* and OVS_ACTION_ATTR_* attributes.
	// RawMask is nil for an exact-match flow.
	RawKey, RawMask, RawActions []byte
	// UsedMsec is OVS_FLOW_ATTR_USED, the CLOCK_MONOTONIC time in
	// milliseconds the flow last matched a packet; 0 for never.
	UsedMsec uint64
	// Unknown holds flow attributes this package does not decode.
	Unknown []RawAttr
}

// Clone returns a copy of f that shares nothing with the Client's buffers.
func (f *Flow) Clone() *Flow {
	c := *f
	c.Flow = *f.Flow.Clone()
	c.RawKey = append([]byte(nil), f.RawKey...)
	if f.RawMask != nil {
		c.RawMask = append([]byte(nil), f.RawMask...)
	}
	c.RawActions = append([]byte(nil), f.RawActions...)
	c.Unknown = nil
	for _, u := range f.Unknown {
		c.Unknown = append(c.Unknown, RawAttr{Type: u.Type, Data: append([]byte(nil), u.Data...)})
	}
	return &c
}

// FlowOptions says how Client.Flows renders flows. The zero value renders
// them as `ovs-appctl dpctl/dump-flows -m --no-names` does.
type FlowOptions struct {
	// Terse renders the match without its fully wildcarded fields and
	// attributes, as dump-flows without -m does.
	Terse bool
	// Names renders ports (in_port, output actions) by vport name, as
	// dump-flows --names does; the vports are listed once per dump.
	Names bool
	// CountersOnly asks the kernel to leave out each flow's key, mask and
	// actions (OVS_UFID_F_OMIT_KEY|OMIT_MASK|OMIT_ACTIONS, what
	// ovs-vswitchd's revalidators ask for): flows then carry only their
	// UFID, packets, bytes, used time and tcp flags, with no Match,
	// Actions or InPort. For collectors that scrape counters: the kernel
	// does a fraction of the work and nothing is rendered. Flows installed
	// without a UFID cannot be told apart in this mode.
	CountersOnly bool
}
