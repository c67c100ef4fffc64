package tc

import (
	"net/netip"
	"time"
)

// HWStats is a set of TCA_ACT_HW_STATS_* kinds: which hardware counters an
// action asks for (HWStats) or the driver used (UsedHWStats).
type HWStats uint8

// Hardware statistics kinds.
const (
	HWStatsImmediate HWStats = 1 << 0
	HWStatsDelayed   HWStats = 1 << 1
)

// String lists the kinds as tc does ("immediate delayed"), "disabled" for none.
func (h HWStats) String() string {
	switch h {
	case 0:
		return "disabled"
	case HWStatsImmediate:
		return "immediate"
	case HWStatsDelayed:
		return "delayed"
	case HWStatsImmediate | HWStatsDelayed:
		return "any"
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (h HWStats) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// Action is one tc action of a filter. The fields common to all kinds come
// from the TCA_ACT_* envelope and the kind's tc_gen parameters; exactly one
// of the kind pointers is set for the kinds offloadkit decodes (gact needs
// none: its Verdict says it all), and Options keeps the raw options of others.
type Action struct {
	// Order is the action's position, from 1, as tc prints "action order N".
	Order   int     `json:"order"`
	Kind    string  `json:"kind"`
	Index   uint32  `json:"index"`
	Verdict Verdict `json:"verdict"`
	// Cookie is the opaque TCA_ACT_COOKIE (up to 16 bytes). Open vSwitch
	// stores the datapath flow's UFID there: see Action.UFID.
	Cookie HexBytes `json:"cookie,omitempty"`
	// Flags is TCA_ACT_FLAGS (bit 0: no per-CPU stats; bit 1: skip_hw; bit 2: skip_sw).
	Flags uint32 `json:"flags,omitempty"`
	// HWStats is the requested TCA_ACT_HW_STATS; nil when not sent.
	HWStats *HWStats `json:"hw_stats,omitempty"`
	// UsedHWStats is TCA_ACT_USED_HW_STATS from a dump; nil when not sent.
	UsedHWStats *HWStats `json:"used_hw_stats,omitempty"`
	// InHWCount is TCA_ACT_IN_HW_COUNT, for actions offloaded on their own.
	InHWCount *uint32 `json:"in_hw_count,omitempty"`
	Stats     *Stats  `json:"stats,omitempty"`
	// Installed and LastUsed are the ages tc prints as "installed N sec used
	// M sec" (struct tcf_t, in USER_HZ ticks, converted); zero when absent.
	Installed time.Duration `json:"installed,omitempty"`
	LastUsed  time.Duration `json:"last_used,omitempty"`
	RefCount  int32         `json:"ref,omitempty"`
	BindCount int32         `json:"bind,omitempty"`

	Mirred    *Mirred     `json:"mirred,omitempty"`
	TunnelKey *TunnelKey  `json:"tunnel_key,omitempty"`
	VLAN      *VLANAction `json:"vlan,omitempty"`
	Pedit     *Pedit      `json:"pedit,omitempty"`
	Csum      *Csum       `json:"csum,omitempty"`
	CT        *CT         `json:"ct,omitempty"`
	Police    *Police     `json:"police,omitempty"`
	SkbEdit   *SkbEdit    `json:"skbedit,omitempty"`

	Options []byte `json:"-"`
	Unknown []Attr `json:"unknown,omitempty"`
}

// MirredAction is the mirred eaction (TCA_*_REDIR / *_MIRROR).
type MirredAction int32

// Mirred actions.
const (
	EgressRedirect  MirredAction = 1
	EgressMirror    MirredAction = 2
	IngressRedirect MirredAction = 3
	IngressMirror   MirredAction = 4
)

// String is tc's wording, "egress redirect" and so on.
func (m MirredAction) String() string {
	switch m {
	case EgressRedirect:
		return "egress redirect"
	case EgressMirror:
		return "egress mirror"
	case IngressRedirect:
		return "ingress redirect"
	case IngressMirror:
		return "ingress mirror"
	}
	return "mirred(?)"
}

// MarshalText implements encoding.TextMarshaler.
func (m MirredAction) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// Mirred redirects or mirrors the packet to another netdev.
type Mirred struct {
	Action  MirredAction `json:"action"`
	Ifindex uint32       `json:"ifindex"`
}

// TunnelKey sets (encap) or releases (decap) tunnel metadata.
type TunnelKey struct {
	// Release is true for "tunnel_key unset".
	Release bool       `json:"release,omitempty"`
	Src     netip.Addr `json:"src,omitzero"`
	Dst     netip.Addr `json:"dst,omitzero"`
	KeyID   *uint32    `json:"key_id,omitempty"`
	DstPort *uint16    `json:"dst_port,omitempty"`
	// NoCsum is TCA_TUNNEL_KEY_NO_CSUM (nil when not sent); tc's "csum" sends 0.
	NoCsum  *bool       `json:"no_csum,omitempty"`
	TOS     *uint8      `json:"tos,omitempty"`
	TTL     *uint8      `json:"ttl,omitempty"`
	Geneve  []GeneveOpt `json:"geneve_opts,omitempty"`
	Unknown []Attr      `json:"unknown,omitempty"`
}

// VLANOp is the vlan action's operation (TCA_VLAN_ACT_*).
type VLANOp int32

// VLAN operations.
const (
	VLANPop    VLANOp = 1
	VLANPush   VLANOp = 2
	VLANModify VLANOp = 3
)

// String is tc's word.
func (o VLANOp) String() string {
	switch o {
	case VLANPop:
		return "pop"
	case VLANPush:
		return "push"
	case VLANModify:
		return "modify"
	}
	return "vlan(?)"
}

// MarshalText implements encoding.TextMarshaler.
func (o VLANOp) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// VLANAction pushes, pops or modifies a VLAN tag. Protocol is the TPID in
// host order (0x8100, 0x88a8).
type VLANAction struct {
	Op       VLANOp  `json:"op"`
	ID       *uint16 `json:"id,omitempty"`
	Protocol *uint16 `json:"protocol,omitempty"`
	Priority *uint8  `json:"priority,omitempty"`
}

// PeditKey is one 32-bit rewrite: at Offset (within the header HType),
// packet = (packet AND Mask) XOR Val for a set, plus Val for an add (Cmd 1).
type PeditKey struct {
	Mask    uint32 `json:"mask"`
	Val     uint32 `json:"val"`
	Off     uint32 `json:"off"`
	At      uint32 `json:"at"`
	OffMask uint32 `json:"offmask"`
	Shift   uint32 `json:"shift"`
	// HType is the header (TCA_PEDIT_KEY_EX_HTYPE: 1 eth, 2 ipv4, 3 ipv6,
	// 4 tcp, 5 udp) and Cmd 0 set, 1 add; zero without extended keys.
	HType uint16 `json:"htype"`
	Cmd   uint16 `json:"cmd"`
}

// Pedit rewrites packet bytes; Keys are in order.
type Pedit struct {
	Keys []PeditKey `json:"keys"`
}

// Csum recomputes checksums; UpdateFlags are TCA_CSUM_UPDATE_FLAG_* bits
// (1 iph, 2 icmp, 4 igmp, 8 tcp, 16 udp, 32 udplite, 64 sctp).
type Csum struct {
	UpdateFlags uint32 `json:"update_flags"`
}

// CT sends the packet through conntrack. Action holds TCA_CT_ACT_* bits
// (1 commit, 2 force, 4 clear, 8 nat, 16 nat src, 32 nat dst).
type CT struct {
	Action     uint16          `json:"action"`
	Zone       uint16          `json:"zone,omitempty"`
	Mark       *Masked[uint32] `json:"mark,omitempty"`
	Labels     *Labels         `json:"labels,omitempty"`
	NATMin     netip.Addr      `json:"nat_min,omitzero"`
	NATMax     netip.Addr      `json:"nat_max,omitzero"`
	NATPortMin uint16          `json:"nat_port_min,omitempty"`
	NATPortMax uint16          `json:"nat_port_max,omitempty"`
	Unknown    []Attr          `json:"unknown,omitempty"`
}

// Police rate-limits; Rate and PeakRate are bytes per second and Burst the
// bucket size in time units as the kernel stores it.
type Police struct {
	Rate     uint64 `json:"rate"`
	PeakRate uint64 `json:"peak_rate,omitempty"`
	Burst    uint32 `json:"burst"`
	MTU      uint32 `json:"mtu"`
	// Exceed is the verdict for non-conforming packets (tc_police.action);
	// Conform the verdict for conforming ones (TCA_POLICE_RESULT).
	Exceed   Verdict  `json:"exceed"`
	Conform  *Verdict `json:"conform,omitempty"`
	PktRate  uint64   `json:"pkt_rate,omitempty"`
	PktBurst uint64   `json:"pkt_burst,omitempty"`
}

// SkbEdit changes skb metadata; nil fields are not changed.
type SkbEdit struct {
	Priority     *uint32 `json:"priority,omitempty"`
	QueueMapping *uint16 `json:"queue_mapping,omitempty"`
	Mark         *uint32 `json:"mark,omitempty"`
	Mask         *uint32 `json:"mask,omitempty"`
	PType        *uint16 `json:"ptype,omitempty"`
}
