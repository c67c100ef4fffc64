package tc

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Handle is a tc handle or parent, major:minor in one u32, printed as tc
// prints it ("ffff:fff2").
type Handle uint32

// Well-known parents (TC_H_* in uapi pkt_sched.h). Filters of an ingress or
// clsact qdisc hang off ParentIngress; those of clsact's egress hook off
// ParentEgress.
const (
	HandleRoot    Handle = 0xffffffff
	HandleIngress Handle = 0xfffffff1 // TC_H_INGRESS: where ingress and clsact qdiscs attach
	ParentIngress Handle = 0xfffffff2 // TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)
	ParentEgress  Handle = 0xfffffff3 // TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)
)

// MakeHandle builds major:minor.
func MakeHandle(major, minor uint16) Handle { return Handle(uint32(major)<<16 | uint32(minor)) }

// Major is the upper 16 bits.
func (h Handle) Major() uint16 { return uint16(h >> 16) }

// Minor is the lower 16 bits.
func (h Handle) Minor() uint16 { return uint16(h) }

// String formats the handle as tc does: "root", "none" for 0, else major:minor in hex.
func (h Handle) String() string {
	switch h {
	case HandleRoot:
		return "root"
	case 0:
		return "none"
	}
	return fmt.Sprintf("%x:%x", h.Major(), h.Minor())
}

// MarshalText implements encoding.TextMarshaler.
func (h Handle) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses "root", "ingress", "egress", "none" or major:minor in hex.
func (h *Handle) UnmarshalText(b []byte) error {
	v, err := ParseHandle(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ParseHandle parses "root", "ingress" (ParentIngress), "egress"
// (ParentEgress), "none", or major:minor in hex (either part may be empty).
func ParseHandle(s string) (Handle, error) {
	switch s {
	case "root":
		return HandleRoot, nil
	case "ingress":
		return ParentIngress, nil
	case "egress":
		return ParentEgress, nil
	case "none":
		return 0, nil
	}
	maj, min, ok := strings.Cut(s, ":")
	if !ok {
		return 0, errs.Invalid("tc handle", s, "want major:minor in hex, root, ingress or egress")
	}
	var a, b uint64
	var err error
	if maj != "" {
		if a, err = strconv.ParseUint(maj, 16, 16); err != nil {
			return 0, errs.Invalid("tc handle", s, "bad major")
		}
	}
	if min != "" {
		if b, err = strconv.ParseUint(min, 16, 16); err != nil {
			return 0, errs.Invalid("tc handle", s, "bad minor")
		}
	}
	return MakeHandle(uint16(a), uint16(b)), nil
}

// Flags are a classifier's TCA_CLS_FLAGS_* bits. SkipHW and SkipSW are set by
// the caller; InHW and NotInHW are reported by the kernel in dumps and say
// whether a driver accepted the filter.
type Flags uint32

// Classifier flags (uapi pkt_cls.h). TCA_FLOWER_FLAGS carries them as a u32
// in host byte order.
const (
	FlagSkipHW  Flags = 1 << 0
	FlagSkipSW  Flags = 1 << 1
	FlagInHW    Flags = 1 << 2
	FlagNotInHW Flags = 1 << 3
	FlagVerbose Flags = 1 << 4
)

// flagName is one of tc's words for a Flags bit.
type flagName struct {
	f    Flags
	name string
}

// flagNames returns tc's words for the flag bits, in tc's order. A
// function returning an array rather than a package var: the house rule
// allows no package-level state but sentinel errors.
func flagNames() [5]flagName {
	return [5]flagName{
		{FlagSkipHW, "skip_hw"}, {FlagSkipSW, "skip_sw"}, {FlagInHW, "in_hw"},
		{FlagNotInHW, "not_in_hw"}, {FlagVerbose, "verbose"},
	}
}

// String lists the set flags with tc's words, space separated.
func (f Flags) String() string {
	var parts []string
	for _, n := range flagNames() {
		if f&n.f != 0 {
			parts = append(parts, n.name)
			f &^= n.f
		}
	}
	if f != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", uint32(f)))
	}
	return strings.Join(parts, " ")
}

// MarshalJSON writes the flags as a list of tc's words.
func (f Flags) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('[')
	for i, w := range strings.Fields(f.String()) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(w))
	}
	b.WriteByte(']')
	return []byte(b.String()), nil
}

// Verdict is a tc action's control result (TC_ACT_* in uapi pkt_cls.h): what
// happens to the packet after the action ran.
type Verdict int32

// Verdicts. A goto-chain verdict is VerdictGotoChain | chain index; use
// GotoChain to build one and Chain to read it back.
const (
	VerdictUnspec     Verdict = -1
	VerdictOK         Verdict = 0 // "pass"
	VerdictReclassify Verdict = 1
	VerdictShot       Verdict = 2 // "drop"
	VerdictPipe       Verdict = 3
	VerdictStolen     Verdict = 4
	VerdictQueued     Verdict = 5
	VerdictRepeat     Verdict = 6
	VerdictRedirect   Verdict = 7
	VerdictTrap       Verdict = 8
	VerdictJump       Verdict = 0x10000000
	VerdictGotoChain  Verdict = 0x20000000
	verdictExtMask    Verdict = 0x70000000 // TC_ACT_EXT_OPCODE_MAX-ish: opcode bits
	verdictExtValMask Verdict = 0x0fffffff
)

// GotoChain returns the verdict that continues classification in chain n.
func GotoChain(n uint32) Verdict { return VerdictGotoChain | Verdict(n)&verdictExtValMask }

// Chain returns the target chain and true when v is a goto-chain verdict.
func (v Verdict) Chain() (uint32, bool) {
	if v&verdictExtMask == VerdictGotoChain {
		return uint32(v & verdictExtValMask), true
	}
	return 0, false
}

// String names the verdict as tc does ("pass", "drop", "goto chain 2").
func (v Verdict) String() string {
	if c, ok := v.Chain(); ok {
		return fmt.Sprintf("goto chain %d", c)
	}
	if v&verdictExtMask == VerdictJump {
		return fmt.Sprintf("jump %d", int32(v&verdictExtValMask))
	}
	switch v {
	case VerdictUnspec:
		return "continue"
	case VerdictOK:
		return "pass"
	case VerdictReclassify:
		return "reclassify"
	case VerdictShot:
		return "drop"
	case VerdictPipe:
		return "pipe"
	case VerdictStolen:
		return "stolen"
	case VerdictQueued:
		return "queued"
	case VerdictRepeat:
		return "repeat"
	case VerdictRedirect:
		return "redirect"
	case VerdictTrap:
		return "trap"
	}
	return fmt.Sprintf("verdict(%d)", int32(v))
}

// MarshalText implements encoding.TextMarshaler.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Interface names the netdev a request concerns: Index when non-zero,
// otherwise Name, resolved in the client's network namespace.
type Interface struct {
	Index int
	Name  string
}

// String returns the name, or "ifindex N".
func (i Interface) String() string {
	if i.Name != "" {
		return i.Name
	}
	return fmt.Sprintf("ifindex %d", i.Index)
}

// Stats are the generic counters the kernel attaches to qdiscs and actions
// (struct gnet_stats_basic, gnet_stats_queue). Bytes and Packets count
// everything, software and hardware; HWBytes and HWPackets the part a
// driver reported (TCA_STATS_BASIC_HW), zero when none did.
type Stats struct {
	Bytes      uint64 `json:"bytes"`
	Packets    uint64 `json:"packets"`
	HWBytes    uint64 `json:"hw_bytes"`
	HWPackets  uint64 `json:"hw_packets"`
	Drops      uint32 `json:"drops"`
	Overlimits uint32 `json:"overlimits"`
	Requeues   uint32 `json:"requeues"`
	Backlog    uint32 `json:"backlog"`
	QLen       uint32 `json:"qlen"`
}

// Qdisc is one queueing discipline of an interface (RTM_NEWQDISC).
type Qdisc struct {
	Ifindex      int    `json:"ifindex"`
	Handle       Handle `json:"handle"`
	Parent       Handle `json:"parent"`
	Kind         string `json:"kind"`
	HWOffload    bool   `json:"hw_offload,omitempty"`
	IngressBlock uint32 `json:"ingress_block,omitempty"`
	EgressBlock  uint32 `json:"egress_block,omitempty"`
	Stats        *Stats `json:"stats,omitempty"`
	Unknown      []Attr `json:"unknown,omitempty"`
	Options      []byte `json:"-"` // raw TCA_OPTIONS, kind-specific
}

// Chain is one filter chain of a parent (RTM_NEWCHAIN).
type Chain struct {
	Ifindex int    `json:"ifindex"`
	Parent  Handle `json:"parent"`
	Index   uint32 `json:"chain"`
}

// Filter is one classifier instance (RTM_NEWTFILTER). A dump also returns
// one "head" entry per priority with Handle 0 and no options, as tc shows it;
// the decoder keeps those so that counts match `tc filter show`.
type Filter struct {
	Ifindex  int    `json:"ifindex"`
	Parent   Handle `json:"parent"`
	Handle   uint32 `json:"handle"`
	Priority uint16 `json:"pref"`
	// Protocol is the EtherType the filter applies to, in host order
	// (0x0003 ETH_P_ALL for "all").
	Protocol uint16 `json:"protocol"`
	Chain    uint32 `json:"chain"`
	Kind     string `json:"kind"`
	// Flags are the classifier flags (skip_sw, skip_hw, in_hw, not_in_hw) of
	// flower, matchall and bpf filters.
	Flags Flags `json:"flags"`
	// InHWCount is how many devices hold the filter in hardware
	// (TCA_FLOWER_IN_HW_COUNT); nil when the kernel did not report it.
	InHWCount *uint32 `json:"in_hw_count,omitempty"`
	// Actions of flower, matchall and bpf filters, in order.
	Actions []Action `json:"actions,omitempty"`
	// Flower is set when Kind is "flower" and options were present.
	Flower *Flower `json:"flower,omitempty"`
	// Options keeps the raw TCA_OPTIONS of other classifier kinds, and of
	// bpf and matchall after their flags and actions were read.
	Options []byte `json:"-"`
	Unknown []Attr `json:"unknown,omitempty"`
}

// Protocols (ETH_P_*) in host order, for Filter.Protocol and FlowerKey.EthType.
const (
	EthPAll    uint16 = 0x0003
	EthPIPv4   uint16 = 0x0800
	EthPARP    uint16 = 0x0806
	EthP8021Q  uint16 = 0x8100
	EthP8021AD uint16 = 0x88a8
	EthPIPv6   uint16 = 0x86dd
	EthPMPLS   uint16 = 0x8847
)

// SWPackets is the part of Packets counted in software (total minus
// hardware), as `tc -s` separates them.
func (s Stats) SWPackets() uint64 { return s.Packets - min(s.HWPackets, s.Packets) }

// SWBytes is the part of Bytes counted in software.
func (s Stats) SWBytes() uint64 { return s.Bytes - min(s.HWBytes, s.Bytes) }

// UnmarshalJSON reads the list MarshalJSON writes.
func (f *Flags) UnmarshalJSON(b []byte) error {
	var words []string
	if err := json.Unmarshal(b, &words); err != nil {
		return err
	}
	var v Flags
	for _, w := range words {
		found := false
		for _, n := range flagNames() {
			if n.name == w {
				v |= n.f
				found = true
			}
		}
		if !found {
			x, err := strconv.ParseUint(strings.TrimPrefix(w, "0x"), 16, 32)
			if err != nil || !strings.HasPrefix(w, "0x") {
				return errs.Invalid("classifier flag", w, "unknown")
			}
			v |= Flags(x)
		}
	}
	*f = v
	return nil
}
