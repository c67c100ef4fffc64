package dpflow

import (
	"iter"
	"strconv"
	"strings"
	"time"
)

// Flow is one datapath flow as dpctl/dump-flows prints it. Strings in a
// Flow (attribute texts, InPort, Extra) are substrings of the input; a Flow
// yielded by a Scanner is reused on the next call, Clone keeps a copy.
type Flow struct {
	// Line is the 1-based input line the flow came from (0 from Parse).
	Line int
	// UFID is the unique flow identifier (printed only with -m); the zero
	// value means the line had none.
	UFID UFID
	// Match holds the match attributes in input order.
	Match []Attr
	// InPort is the value of the in_port() attribute as printed: an odp
	// port number, or a port name with --names / -m. Empty if absent.
	InPort string
	// Packets and Bytes are the flow's counters.
	Packets, Bytes uint64
	// Used is the time since the flow last matched a packet, as printed
	// (millisecond precision from OVS). Meaningless when NeverUsed.
	Used time.Duration
	// NeverUsed is set for `used:never`.
	NeverUsed bool
	// TCPFlags are the TCP flags seen by the flow (`flags:S.`), zero if
	// not printed.
	TCPFlags TCPFlags
	// Offloaded is "yes", "partial" or empty (printed only with -m).
	Offloaded Offloaded
	// DP is the datapath layer holding the flow: "ovs", "tc", "dpdk"
	// (printed only with -m), empty if absent.
	DP Layer
	// Actions holds the top-level actions in order. A bare port is an
	// action named "output" whose Text is the port as printed.
	Actions []Attr
	// DPExtraInfo is the text after `dp-extra-info:` (userspace datapath
	// with -m), empty if absent.
	DPExtraInfo string
	// Extra holds info fields the parser has no field for, in input order,
	// such as the offload_packets/offload_bytes of a vendor build.
	Extra []Field
}

// Field is an info field of a flow line, `key:value`.
type Field struct {
	Key, Value string
}

// Attr is a match attribute or an action: its name and its raw text as
// printed, for example Name "ipv4" and Text "ipv4(src=10.0.0.1,frag=no)".
// Output actions to a bare port have Name "output" and the port as Text.
type Attr struct {
	Name string
	Text string
}

// Args returns the text between the outermost parentheses of the attribute
// ("src=10.0.0.1,frag=no" for the example above), or "" if it has none.
func (a Attr) Args() string {
	n := len(a.Name)
	if len(a.Text) >= n+2 && a.Text[n] == '(' && a.Text[len(a.Text)-1] == ')' && strings.HasPrefix(a.Text, a.Name) {
		return a.Text[n+1 : len(a.Text)-1]
	}
	return ""
}

// Field returns the value of the sub-field key of the attribute's
// arguments: "10.0.0.1" for Field("src") of ipv4(src=10.0.0.1,frag=no),
// "({class=0x102,...})" becomes "{class=0x102,...}" for geneve(...) written
// key(value), and "" with ok true for a bare flag such as ct(commit).
func (a Attr) Field(key string) (value string, ok bool) {
	for k, v := range Fields(a.Args()) {
		if k == key {
			return v, true
		}
	}
	return "", false
}

// Fields iterates over the comma separated elements of s at parenthesis
// depth zero, splitting each into key and value at the first '=' or ':',
// or at a '(' (then the value is the text inside the parentheses). An
// element with none of those yields itself as key and "" as value.
func Fields(s string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for elem := range splitTop(s) {
			k, v := splitField(elem)
			if !yield(k, v) {
				return
			}
		}
	}
}

// splitTop yields the trimmed comma separated elements of s at depth zero.
func splitTop(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		depth, start := 0, 0
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '(', '{', '[':
				depth++
			case ')', '}', ']':
				depth--
			case ',':
				if depth == 0 {
					if e := strings.TrimSpace(s[start:i]); e != "" && !yield(e) {
						return
					}
					start = i + 1
				}
			}
		}
		if e := strings.TrimSpace(s[start:]); e != "" {
			yield(e)
		}
	}
}

func splitField(e string) (string, string) {
	for i := 0; i < len(e); i++ {
		switch e[i] {
		case '=', ':':
			return e[:i], e[i+1:]
		case '(':
			if e[len(e)-1] == ')' {
				return e[:i], e[i+1 : len(e)-1]
			}
			return e[:i], e[i:]
		}
	}
	return e, ""
}

// Key returns the first match attribute called name.
func (f *Flow) Key(name string) (Attr, bool) {
	for _, a := range f.Match {
		if a.Name == name {
			return a, true
		}
	}
	return Attr{}, false
}

// HasAction reports whether a top-level action is called name.
func (f *Flow) HasAction(name string) bool {
	for _, a := range f.Actions {
		if a.Name == name {
			return true
		}
	}
	return false
}

// Outputs iterates over the ports of the top-level output actions, as
// printed (numbers, or names with --names).
func (f *Flow) Outputs() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, a := range f.Actions {
			if a.Name == "output" && !yield(a.Text) {
				return
			}
		}
	}
}

// ExtraField returns the value of the unknown info field key, such as
// "offload_packets".
func (f *Flow) ExtraField(key string) (string, bool) {
	for _, e := range f.Extra {
		if e.Key == key {
			return e.Value, true
		}
	}
	return "", false
}

// VendorOffloadCounters returns the offload_packets and offload_bytes
// fields that YUSUR's OVS build prints after packets and bytes (the
// Kube-OVN YUSUR guide's dump): the share of the flow's traffic the card
// forwarded. ok is false when either is absent or not a decimal count,
// as on upstream OVS, which prints neither.
func (f *Flow) VendorOffloadCounters() (packets, bytes uint64, ok bool) {
	p, okp := f.ExtraField("offload_packets")
	b, okb := f.ExtraField("offload_bytes")
	if !okp || !okb {
		return 0, 0, false
	}
	var err error
	if packets, err = strconv.ParseUint(p, 10, 64); err != nil {
		return 0, 0, false
	}
	if bytes, err = strconv.ParseUint(b, 10, 64); err != nil {
		return 0, 0, false
	}
	return packets, bytes, true
}

// Clone returns a copy of f that does not share its slices, so it stays
// valid after the Scanner moves on. Its strings still point into the
// Scanner's input chunk, which stays in memory while the copy lives.
func (f *Flow) Clone() *Flow {
	c := *f
	c.Match = append([]Attr(nil), f.Match...)
	c.Actions = append([]Attr(nil), f.Actions...)
	if f.Extra != nil {
		c.Extra = append([]Field(nil), f.Extra...)
	}
	return &c
}

// InHardware reports whether the flow is offloaded to hardware, fully or
// partially: offloaded:yes, offloaded:partial or dp:dpdk.
func (f *Flow) InHardware() bool {
	return f.Offloaded == OffloadedYes || f.Offloaded == OffloadedPartial || f.DP == LayerDPDK
}

// Offloaded is the offloaded: info field of a flow.
type Offloaded string

// Values of Offloaded printed by OVS.
const (
	// OffloadedNone: the field was absent (not offloaded, or no -m).
	OffloadedNone Offloaded = ""
	// OffloadedYes: the flow is fully in hardware (TC with dp:tc, or DPDK
	// full offload).
	OffloadedYes Offloaded = "yes"
	// OffloadedPartial: DPDK partial offload (the NIC marks packets, the
	// userspace datapath runs the actions), printed with dp:ovs.
	OffloadedPartial Offloaded = "partial"
)

// Layer is the datapath layer of a flow, the dp: info field.
type Layer string

// Layers printed by OVS.
const (
	// LayerNone: the field was absent (dumps without -m).
	LayerNone Layer = ""
	// LayerOVS: the kernel or userspace datapath of OVS itself.
	LayerOVS Layer = "ovs"
	// LayerTC: a TC flower rule; in hardware only with offloaded:yes.
	LayerTC Layer = "tc"
	// LayerDPDK: DPDK rte_flow full offload.
	LayerDPDK Layer = "dpdk"
)

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
