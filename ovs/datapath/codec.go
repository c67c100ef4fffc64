package datapath

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// The decoders take the payload of a generic netlink message after its
// 4-byte genl header: struct ovs_header, then attributes. They are
// exported through DecodeDatapath, DecodeVport and Decoder so fakes and
// fuzz targets read exactly what the Client reads.

var errShort = errors.New("shorter than struct ovs_header")

// arenaSize is the size of the text arenas; a flow starts a new one when
// fewer than arenaMin bytes are left (a longer flow grows it by append,
// which copies and leaves the old array to the strings already made).
const (
	arenaSize = 64 << 10
	arenaMin  = 4 << 10
)

func ovsHeader(b []byte, what string) (int, []byte, error) {
	if len(b) < ovsHeaderLen {
		return 0, nil, errs.Invalid(what, fmt.Sprintf("%d bytes", len(b)), errShort.Error())
	}
	return int(int32(binary.NativeEndian.Uint32(b))), b[ovsHeaderLen:], nil
}

func u32(b []byte) uint32 {
	if len(b) < 4 {
		return 0
	}
	return binary.NativeEndian.Uint32(b)
}

func u64s(b []byte, n int) ([]uint64, bool) {
	if len(b) < 8*n {
		return nil, false
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = binary.NativeEndian.Uint64(b[8*i:])
	}
	return out, true
}

func str(b []byte) string { return string(cstring(b)) }

// DecodeDatapath decodes an OVS_DP_CMD_NEW/GET reply payload (after the
// generic netlink header). Unknown attributes go to Unknown; attributes of
// the wrong size are kept there too rather than failing the listing.
func DecodeDatapath(b []byte) (Datapath, error) {
	var d Datapath
	idx, rest, err := ovsHeader(b, "ovs_datapath message")
	if err != nil {
		return d, err
	}
	d.Ifindex = idx
	left := attrs(rest, func(t uint16, v []byte) bool {
		switch t {
		case dpAttrName:
			d.Name = str(v)
			return true
		case dpAttrStats:
			if s, ok := u64s(v, 4); ok {
				d.Stats = DatapathStats{Hit: s[0], Missed: s[1], Lost: s[2], Flows: s[3]}
				return true
			}
		case dpAttrMegaflowStats:
			if len(v) >= 20 {
				d.Megaflow = &MegaflowStats{
					MaskHit:  binary.NativeEndian.Uint64(v),
					Masks:    binary.NativeEndian.Uint32(v[8:]),
					CacheHit: binary.NativeEndian.Uint64(v[16:]),
				}
				if len(v) < 24 {
					d.Megaflow.CacheHit = 0
				}
				return true
			}
		case dpAttrUserFeatures:
			if len(v) == 4 {
				d.UserFeatures = u32(v)
				return true
			}
		case dpAttrMasksCacheSize:
			if len(v) == 4 {
				n := u32(v)
				d.MasksCacheSize = &n
				return true
			}
		case dpAttrPad:
			return true
		}
		d.Unknown = append(d.Unknown, RawAttr{Type: t, Data: v})
		return true
	})
	if left > 0 {
		return d, errs.Invalid("ovs_datapath message", fmt.Sprintf("%d trailing bytes", left), "truncated attribute")
	}
	return d, nil
}

// DecodeVport decodes an OVS_VPORT_CMD_NEW/GET reply payload.
func DecodeVport(b []byte) (Vport, error) {
	var p Vport
	idx, rest, err := ovsHeader(b, "ovs_vport message")
	if err != nil {
		return p, err
	}
	p.Datapath = idx
	left := attrs(rest, func(t uint16, v []byte) bool {
		switch t {
		case vportAttrPortNo:
			if len(v) == 4 {
				p.PortNo = u32(v)
				return true
			}
		case vportAttrType:
			if len(v) == 4 {
				p.Type = VportType(u32(v))
				return true
			}
		case vportAttrName:
			p.Name = str(v)
			return true
		case vportAttrOptions:
			p.Options = v
			return true
		case vportAttrUpcallPID:
			if len(v)%4 == 0 {
				p.UpcallPIDs = make([]uint32, len(v)/4)
				for i := range p.UpcallPIDs {
					p.UpcallPIDs[i] = binary.NativeEndian.Uint32(v[4*i:])
				}
				return true
			}
		case vportAttrUpcallStats:
			var u VportUpcallStats
			ok := true
			left := attrs(v, func(t uint16, a []byte) bool {
				if len(a) != 8 {
					ok = false
					return false
				}
				switch t {
				case 0: // OVS_VPORT_UPCALL_ATTR_SUCCESS
					u.Success = binary.NativeEndian.Uint64(a)
				case 1: // OVS_VPORT_UPCALL_ATTR_FAIL
					u.Fail = binary.NativeEndian.Uint64(a)
				}
				return true
			})
			if ok && left == 0 {
				p.Upcalls = &u
				return true
			}
		case vportAttrStats:
			if s, ok := u64s(v, 8); ok {
				p.Stats = &VportStats{s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]}
				return true
			}
		case vportAttrIfindex:
			if len(v) == 4 {
				p.Ifindex = int(int32(u32(v)))
				return true
			}
		case vportAttrNetNSID:
			if len(v) == 4 {
				id := int32(u32(v))
				p.NetNSID = &id
				return true
			}
		case vportAttrPad:
			return true
		}
		p.Unknown = append(p.Unknown, RawAttr{Type: t, Data: v})
		return true
	})
	if left > 0 {
		return p, errs.Invalid("ovs_vport message", fmt.Sprintf("%d trailing bytes", left), "truncated attribute")
	}
	return p, nil
}

// Decoder decodes OVS_FLOW_CMD_NEW/GET reply payloads into Flows,
// rendering keys, masks and actions as dump-flows text. It reuses its
// buffers and renders the text of consecutive flows into shared 64 KiB
// arenas (as dpflow's Scanner shares its input chunks): a dump allocates
// about once per hundred flows, and a Flow kept with Clone keeps its
// arena alive. A Decoder is not safe for concurrent use.
type Decoder struct {
	f        formatter
	counters bool
	// prevMatch and prevActions are the previous flow's attribute texts
	// by position, to be reused when the next flow renders the same.
	prevMatch, prevActions []string
	// NowMsec returns CLOCK_MONOTONIC in milliseconds, the clock of
	// OVS_FLOW_ATTR_USED; nil leaves Flow.Used zero.
	NowMsec func() uint64
}

// NewDecoder returns a Decoder rendering as opts says. names maps odp
// port numbers to vport names for opts.Names (nil: numbers).
func NewDecoder(opts FlowOptions, names map[uint32]string) *Decoder {
	d := &Decoder{counters: opts.CountersOnly}
	d.f.verbose = !opts.Terse
	if opts.Names {
		d.f.names = names
	}
	return d
}

// Decode decodes one flow message payload into f, reusing f's slices.
// Strings in f stay valid (they are never overwritten); RawKey, RawMask, RawActions and Unknown
// alias b. A
// message with a truncated attribute is an error matching
// errs.ErrInvalidArgument; attributes unknown to this package are kept in
// Unknown.
func (d *Decoder) Decode(b []byte, f *Flow) error {
	idx, rest, err := ovsHeader(b, "ovs_flow message")
	if err != nil {
		return err
	}
	match, acts, unknown := f.Match[:0], f.Flow.Actions[:0], f.Unknown[:0]
	*f = Flow{Datapath: idx}
	f.Unknown = unknown
	f.DP = dpflow.LayerOVS
	hasMask := false
	var stats []byte
	var tcpFlags []byte
	var ufid []byte
	left := attrs(rest, func(t uint16, v []byte) bool {
		switch t {
		case flowAttrKey:
			f.RawKey = v
		case flowAttrMask:
			f.RawMask, hasMask = v, true
		case flowAttrActions:
			f.RawActions = v
		case flowAttrStats:
			stats = v
		case flowAttrTCPFlags:
			tcpFlags = v
		case flowAttrUsed:
			if len(v) == 8 {
				f.UsedMsec = binary.NativeEndian.Uint64(v)
			} else {
				f.Unknown = append(f.Unknown, RawAttr{Type: t, Data: v})
			}
		case flowAttrUFID:
			ufid = v
		case flowAttrPad:
		default:
			f.Unknown = append(f.Unknown, RawAttr{Type: t, Data: v})
		}
		return true
	})
	if left > 0 {
		return errs.Invalid("ovs_flow message", fmt.Sprintf("%d trailing bytes", left), "truncated attribute")
	}
	if len(stats) == 16 {
		f.Packets = binary.NativeEndian.Uint64(stats)
		f.Bytes = binary.NativeEndian.Uint64(stats[8:])
	} else if stats != nil {
		f.Unknown = append(f.Unknown, RawAttr{Type: flowAttrStats, Data: stats})
	}
	if len(tcpFlags) == 1 {
		f.TCPFlags = dpflow.TCPFlags(tcpFlags[0])
	}
	if len(ufid) == 16 {
		// The kernel stores the ovs_u128 ovs-vswitchd sent, in that host's
		// memory order; dump-flows prints its four 32-bit words.
		f.UFID, _ = dpflow.UFIDFromCookie(ufid, binary.NativeEndian)
	} else if ufid != nil {
		f.Unknown = append(f.Unknown, RawAttr{Type: flowAttrUFID, Data: ufid})
	}
	if f.UsedMsec == 0 {
		f.NeverUsed = true
	} else if d.NowMsec != nil {
		if now := d.NowMsec(); now > f.UsedMsec {
			f.Used = time.Duration(now-f.UsedMsec) * time.Millisecond
		}
	}
	if !hasMask {
		f.RawMask = nil
	}

	if d.counters || (f.RawKey == nil && f.RawActions == nil) {
		// A counters-only dump (where the kernel still sends the key of
		// a flow without a UFID, as its identifier), or a kernel that
		// sent neither: nothing to render.
		f.Flow.Match, f.Flow.Actions = match, acts
		return nil
	}
	// The text is rendered into an arena of arenaSize bytes shared by
	// consecutive flows, and its strings point into it: one allocation
	// per arena instead of one per flow, which is most of the garbage a
	// dump makes. Bytes that back a string are never written again: a
	// flow only appends past them, and a full arena is replaced, not
	// reused.
	fm := &d.f
	if cap(fm.buf)-len(fm.buf) < arenaMin {
		fm.buf = make([]byte, 0, arenaSize)
	}
	start := len(fm.buf)
	fm.match, fm.actions, fm.resumed = fm.match[:0], fm.actions[:0], 0
	mode := maskNone
	if hasMask {
		mode = maskAttrs
	}
	fm.keys(f.RawKey, f.RawMask, mode, true)
	fm.actionList(f.RawActions, true)
	// Most attributes of a dump repeat the one at the same place in the
	// previous flow (recirc_id(0), dp_hash(0/0), ct_state(0/0), ...: ten of
	// a typical dozen): those reuse the previous flow's string, and only
	// the others are kept, moved down over the bytes of the repeats (and
	// the separators) so that the arena holds each distinct text once. It
	// more than halves the garbage of a dump, and with it the time spent
	// in the collector and its write barriers.
	w := start
	keep := func(sp span, prev *string) (text, name string) {
		n := sp.end - sp.start
		if string(fm.buf[sp.start:sp.end]) == *prev && n > 0 {
			return *prev, (*prev)[:sp.name-sp.start]
		}
		copy(fm.buf[w:], fm.buf[sp.start:sp.end])
		if n > 0 {
			*prev = unsafe.String(&fm.buf[w], n)
		} else {
			*prev = ""
		}
		w += n
		return *prev, (*prev)[:sp.name-sp.start]
	}
	for i, sp := range fm.match {
		if i == len(d.prevMatch) {
			d.prevMatch = append(d.prevMatch, "")
		}
		var text, name string
		if i < fm.resumed {
			// Copied from the previous flow's text at this place: the
			// same string, no need to compare.
			text = d.prevMatch[i]
			name = text[:sp.name-sp.start]
		} else {
			text, name = keep(sp, &d.prevMatch[i])
		}
		a := dpflow.Attr{Name: name, Text: text}
		if a.Name == "in_port" {
			f.InPort = a.Args()
		}
		match = append(match, a)
	}
	for i, sp := range fm.actions {
		if i == len(d.prevActions) {
			d.prevActions = append(d.prevActions, "")
		}
		text, name := keep(sp, &d.prevActions[i])
		if sp.name == sp.end && len(name) > 0 && !isActionWord(name) {
			name = "output"
		}
		acts = append(acts, dpflow.Attr{Name: name, Text: text})
	}
	fm.buf = fm.buf[:w]
	f.Flow.Match, f.Flow.Actions = match, acts
	return nil
}

// isActionWord reports the bare words dump-flows prints as actions of
// their own, which the dpflow parser does not take for ports.
func isActionWord(s string) bool {
	switch s {
	case "drop", "pop_vlan", "pop_eth", "ct_clear", "pop_nsh", "ct":
		return true
	}
	return false
}
