package tc

import (
	"encoding/binary"
	"testing"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// withHW rewrites a recorded flower dump message as a driver would have
// made it: classifier flags, in_hw_count, and a TCA_STATS_BASIC_HW block
// in every action's stats. The host and guest kernels here have no
// offloading NIC, so the in_hw side of a dump is derived from a real one.
func withHW(body []byte, flags Flags, count uint32, hwPkts uint32, hwBytes uint64) []byte {
	w := builder{b: append([]byte(nil), body[:tcmsgLen]...)}
	top := newAttrs(body[tcmsgLen:])
	for top.next() {
		if top.t() != tcaOptions {
			w.put(top.typ, top.data)
			continue
		}
		o := w.start(top.typ)
		opts := newAttrs(top.data)
		for opts.next() {
			switch opts.t() {
			case flFlags:
				w.u32(opts.typ, uint32(flags))
			case flInHWCount:
				w.u32(opts.typ, count)
			case flAct:
				l := w.start(opts.typ)
				acts := newAttrs(opts.data)
				for acts.next() {
					e := w.start(acts.typ)
					in := newAttrs(acts.data)
					for in.next() {
						if in.t() != tcaActStats {
							w.put(in.typ, in.data)
							continue
						}
						s := w.start(in.typ)
						w.b = append(w.b, in.data...)
						hw := binary.NativeEndian.AppendUint64(nil, hwBytes)
						hw = binary.NativeEndian.AppendUint32(hw, hwPkts)
						w.put(tcaStatsBasicHW, append(hw, 0, 0, 0, 0))
						w.end(s)
					}
					w.end(e)
				}
				w.end(l)
			default:
				w.put(opts.typ, opts.data)
			}
		}
		w.end(o)
	}
	return w.b
}

func TestOffloadReportInHW(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t, "vm-dump-flower")
	var fs []Filter
	for _, m := range fx.recv {
		if m.Header.Type != rtmNewTFilter {
			continue
		}
		body := m.Data
		f, err := DecodeFilter(body)
		if err != nil {
			t.Fatal(err)
		}
		if f.Priority == 1 && f.Flower != nil {
			// The OVS-cookie filter, as if a NIC took it with skip_sw.
			body = withHW(body, FlagSkipSW|FlagInHW, 1, 7, 700)
			if f, err = DecodeFilter(body); err != nil {
				t.Fatal(err)
			}
		}
		fs = append(fs, f)
	}
	o := NewOffload("pf0vf0", 3, fs)
	if o.InHW != 1 || o.NotInHW != 4 || o.SkipHW != 0 || o.HWPackets != 7 || o.HWBytes != 700 {
		t.Errorf("report totals %+v", o)
	}
	f := o.Filters[0]
	if f.State != StateInHW || f.InHWCount == nil || *f.InHWCount != 1 || f.HWPackets != 7 || f.HWBytes != 700 || f.Packets != 3 || f.UFID == nil {
		t.Errorf("in_hw filter %+v", f)
	}
	j := JoinUFIDs([]Offload{o}, []dpflow.UFID{*f.UFID, {1}})
	if !j[0].InHW || len(j[0].Filters) != 1 || j[1].InHW || len(j[1].Filters) != 0 {
		t.Errorf("join %+v", j)
	}
}

// cookie is the action cookie OVS writes for u on this host: the ovs_u128
// in memory, words in native byte order.
func cookie(u dpflow.UFID) HexBytes {
	c := u.Cookie(binary.NativeEndian)
	return c[:]
}

// TestActionUFID: the text checks of the UFID itself moved to ovs/dpflow
// (TestUFIDText) with the type; what stays here is reading it from a cookie.
func TestActionUFID(t *testing.T) {
	t.Parallel()
	const s = "67c2e10f-92d4-4574-be70-d072815ff166"
	u, err := dpflow.ParseUFID("ufid:" + s)
	if err != nil {
		t.Fatal(err)
	}
	// The cookie is the ovs_u128 in host memory: words in native order.
	c := cookie(u)
	if w0 := binary.NativeEndian.Uint32(c[0:4]); w0 != 0x67c2e10f {
		t.Errorf("first cookie word %#x", w0)
	}
	if got, ok := (Action{Cookie: c}).UFID(); !ok || got != u || got.String() != s {
		t.Errorf("UFID from cookie %x = %s, %v; want %s", []byte(c), got, ok, s)
	}
	for _, n := range []int{0, 8, 15, 17} {
		if _, ok := (Action{Cookie: make([]byte, n)}).UFID(); ok {
			t.Errorf("a %d-byte cookie is not a UFID", n)
		}
	}
}

func TestStringers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ got, want string }{
		{Handle(0xfffffff2).String(), "ffff:fff2"},
		{HandleRoot.String(), "root"},
		{(FlagSkipHW | FlagNotInHW).String(), "skip_hw not_in_hw"},
		{GotoChain(7).String(), "goto chain 7"},
		{VerdictShot.String(), "drop"},
		{CTStateMatch(Masked[CTState]{Value: CTTracked, Mask: CTTracked | CTNew}), "+trk-new"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	h, err := ParseHandle("ffff:")
	if err != nil || h != 0xffff0000 {
		t.Errorf("ParseHandle: %v %v", h, err)
	}
	if _, err := ParseHandle("x"); err == nil {
		t.Error("ParseHandle accepted x")
	}
}

func TestStatsSoftwarePart(t *testing.T) {
	t.Parallel()
	s := Stats{Packets: 10, Bytes: 1000, HWPackets: 7, HWBytes: 700}
	if s.SWPackets() != 3 || s.SWBytes() != 300 {
		t.Errorf("software part %d %d", s.SWPackets(), s.SWBytes())
	}
	if (Stats{HWPackets: 5}).SWPackets() != 0 {
		t.Error("hardware above total must not wrap")
	}
}

func TestFlagsJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, f := range []Flags{0, FlagSkipHW | FlagNotInHW, FlagInHW | FlagSkipSW | 0x100} {
		b, err := f.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var g Flags
		if err := g.UnmarshalJSON(b); err != nil || g != f {
			t.Errorf("%s -> %s -> %s (%v)", f, b, g, err)
		}
	}
	var g Flags
	if err := g.UnmarshalJSON([]byte(`["warp"]`)); err == nil {
		t.Error("unknown flag word accepted")
	}
}
