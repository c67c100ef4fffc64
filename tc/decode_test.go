package tc

import (
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

func p[T any](v T) *T { return &v }

func decodeSent(t *testing.T, name string) Filter {
	t.Helper()
	fx := loadFixture(t, name)
	reqs := sentOfType(fx, rtmNewTFilter)
	if len(reqs) != 1 {
		t.Fatalf("%s: %d requests", name, len(reqs))
	}
	f, err := DecodeFilter(reqs[0].Data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

func TestDecodeIproute2VLANAndFlags(t *testing.T) {
	t.Parallel()
	// tc ... prio 1 protocol 802.1Q flower skip_hw vlan_id 100 vlan_prio 3
	// vlan_ethtype ip dst_ip 10.0.0.1 action drop
	f := decodeSent(t, "add-ipv4-vlan-drop")
	want := Filter{
		Ifindex: f.Ifindex, Parent: ParentIngress, Priority: 1, Protocol: EthP8021Q, Kind: "flower",
		Flags:   FlagSkipHW,
		Actions: []Action{{Order: 1, Kind: "gact", Verdict: VerdictShot}},
		Flower: &Flower{Key: FlowerKey{
			EthType: EthP8021Q,
			VLAN:    &VLANKey{ID: p[uint16](100), Prio: p[uint8](3), EthType: EthPIPv4},
			Dst:     IPMatch{Addr: netip.MustParseAddr("10.0.0.1"), Mask: netip.MustParseAddr("255.255.255.255")},
		}},
	}
	if diff := cmp.Diff(want, f, addrCmp); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
	if f.Flags.String() != "skip_hw" {
		t.Errorf("flags %q", f.Flags)
	}
}

func TestDecodeIproute2Keys(t *testing.T) {
	t.Parallel()
	ip6 := decodeSent(t, "add-ipv6-tcp-mirred")
	k := ip6.Flower.Key
	if k.Src.String() != "2001:db8::1" || k.Dst.String() != "2001:db8::/64" {
		t.Errorf("ipv6 src %s dst %s", k.Src, k.Dst)
	}
	if *k.SrcPort != (Masked[uint16]{1234, 0xffff}) || *k.DstPort != (Masked[uint16]{80, 0xffff}) {
		t.Errorf("ports %+v %+v", *k.SrcPort, *k.DstPort)
	}
	if *k.TCPFlags != (Masked[uint16]{0x2, 0x12}) {
		t.Errorf("tcp flags %+v", *k.TCPFlags)
	}
	if ip6.Flags != FlagSkipSW || ip6.Handle != 7 {
		t.Errorf("flags %s handle %d", ip6.Flags, ip6.Handle)
	}
	m := ip6.Actions[0]
	if m.Mirred == nil || m.Mirred.Action != EgressRedirect || m.Verdict != VerdictStolen {
		t.Errorf("mirred %+v", m)
	}
	u, ok := m.UFID()
	if !ok || u.String() != "33221100-7766-5544-bbaa-9988ffeeddcc" {
		t.Errorf("cookie UFID %v %v", u, ok)
	}

	tun := decodeSent(t, "add-tunnel-geneve").Flower.Key
	if *tun.EncKeyID != 42 || tun.EncSrc.String() != "192.0.2.1" || tun.EncDstPort.Value != 6081 || tun.EncTTL.Value != 64 {
		t.Errorf("enc keys %+v", tun)
	}
	wantOpt := []GeneveOpt{{Class: 0x0102, Type: 0x80, Data: HexBytes{0, 0x11, 0x22, 0x33}}}
	if diff := cmp.Diff(wantOpt, tun.EncOpts); diff != "" {
		t.Errorf("geneve opts -want +got:\n%s", diff)
	}
	if tun.EncOptsMask[0].Class != 0xffff {
		t.Errorf("geneve mask %+v", tun.EncOptsMask)
	}

	ct := decodeSent(t, "add-ct")
	ck := ct.Flower.Key
	if CTStateMatch(*ck.CTState) != "+trk-new+est" || ck.CTZone.Value != 5 || *ck.CTMark != (Masked[uint32]{0xa, 0xff}) {
		t.Errorf("ct keys %s %+v %+v", CTStateMatch(*ck.CTState), ck.CTZone, ck.CTMark)
	}
	if ck.CTLabels.Value[0] != 1 || ck.CTLabels.Mask[0] != 0xff || ct.Chain != 1 {
		t.Errorf("ct labels %+v chain %d", ck.CTLabels, ct.Chain)
	}
	cta := ct.Actions[0].CT
	if cta.Action != 1|8|16 || cta.Zone != 5 || cta.NATMin.String() != "10.0.0.1" || cta.NATPortMax != 2000 {
		t.Errorf("ct action %+v", cta)
	}
	if c, ok := ct.Actions[1].Verdict.Chain(); !ok || c != 2 {
		t.Errorf("goto chain: %v", ct.Actions[1].Verdict)
	}

	v := decodeSent(t, "add-eth-udp-range-vlanpush")
	vk := v.Flower.Key
	if vk.EthSrc.String() != "02:00:00:00:00:00/ff:ff:ff:00:00:00" || *vk.DstPortRange != (PortRange{1000, 2000}) {
		t.Errorf("eth/range %s %+v", vk.EthSrc, vk.DstPortRange)
	}
	va := v.Actions[0].VLAN
	if va.Op != VLANPush || *va.ID != 100 || *va.Protocol != EthP8021AD || *va.Priority != 2 {
		t.Errorf("vlan action %+v", va)
	}

	pe := decodeSent(t, "add-pedit-csum")
	if pe.Flower.InDev != "v0" || len(pe.Actions[0].Pedit.Keys) != 3 || pe.Actions[0].Pedit.Keys[2].HType != 2 || pe.Actions[1].Csum.UpdateFlags != 1|8 {
		t.Errorf("pedit/csum %+v", pe.Actions)
	}
	pol := decodeSent(t, "add-police-skbedit")
	if pol.Actions[0].Police.Rate != 125000 || *pol.Actions[0].Police.Conform != VerdictPipe || *pol.Actions[1].SkbEdit.Mark != 5 {
		t.Errorf("police/skbedit %+v %+v", pol.Actions[0].Police, pol.Actions[1].SkbEdit)
	}
	hw := decodeSent(t, "add-hwstats-icmpv6")
	if *hw.Actions[0].HWStats != HWStatsImmediate || hw.Actions[0].Index != 9 || hw.Flower.Key.ICMPType.Value != 128 {
		t.Errorf("hw_stats/icmpv6 %+v", hw.Actions[0])
	}
}

// TestDecodeRealKernelDump decodes dumps a real kernel produced and compares
// them with what `tc -j -s filter show` printed from the same state:
// cls_bpf filters with mirred actions (one with a cookie and hw_stats
// delayed) from the host kernel, and flower filters on a veth from the
// vmtest guest's Debian 6.1 kernel (skip_hw and not_in_hw, in_hw_count 0,
// ct, tunnel and geneve keys, an OVS-style cookie), and the filters OVS 3.1
// itself wrote there with tc-policy=skip_hw (skbedit, mirred, UFID cookies).
// (ovs-dump-p2 is not compared: OVS removed two filters between the
// recorded dump and the tc -j run.)
func TestDecodeRealKernelDump(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"dump-bpf-mirred-real", "vm-dump-flower", "ovs-dump-p1"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			compareWithTCJSON(t, name)
		})
	}
}

// tcJSON is the part of `tc -j -s filter show` output the tests compare.
type tcJSON struct {
	Pref    int    `json:"pref"`
	Chain   uint32 `json:"chain"`
	Options *struct {
		Handle    any            `json:"handle"`
		SkipHW    bool           `json:"skip_hw"`
		SkipSW    bool           `json:"skip_sw"`
		InHW      bool           `json:"in_hw"`
		NotInHW   bool           `json:"not_in_hw"`
		InHWCount *uint32        `json:"in_hw_count"`
		Keys      map[string]any `json:"keys"`
		Actions   []struct {
			Kind    string   `json:"kind"`
			Index   uint32   `json:"index"`
			Cookie  string   `json:"cookie"`
			HWStats []string `json:"hw_stats"`
			Control struct {
				Type  string `json:"type"`
				Chain uint32 `json:"chain"`
			} `json:"control_action"`
			Stats struct {
				Bytes   uint64 `json:"bytes"`
				Packets uint64 `json:"packets"`
			} `json:"stats"`
		} `json:"actions"`
	} `json:"options"`
}

func compareWithTCJSON(t *testing.T, name string) []Filter {
	fx := loadFixture(t, name)
	var fs []Filter
	for _, m := range fx.recv {
		if m.Header.Type != rtmNewTFilter {
			continue
		}
		f, err := DecodeFilter(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	raw, err := os.ReadFile("../testdata/tc/" + name + ".tc.json")
	if err != nil {
		t.Fatal(err)
	}
	var tcj []tcJSON
	if err := json.Unmarshal(raw, &tcj); err != nil {
		t.Fatal(err)
	}
	if len(fs) != len(tcj) || len(fs) == 0 {
		t.Fatalf("decoded %d filters, tc printed %d", len(fs), len(tcj))
	}
	for i, j := range tcj {
		f := fs[i]
		if int(f.Priority) != j.Pref || f.Chain != j.Chain {
			t.Errorf("%d: pref %d chain %d, tc says %d %d", i, f.Priority, f.Chain, j.Pref, j.Chain)
		}
		o := j.Options
		if o == nil {
			continue
		}
		for _, c := range []struct {
			name string
			flag Flags
			tc   bool
		}{{"skip_hw", FlagSkipHW, o.SkipHW}, {"skip_sw", FlagSkipSW, o.SkipSW}, {"in_hw", FlagInHW, o.InHW}, {"not_in_hw", FlagNotInHW, o.NotInHW}} {
			if (f.Flags&c.flag != 0) != c.tc {
				t.Errorf("%d: %s is %v in %s, tc says %v", i, c.name, f.Flags&c.flag != 0, f.Flags, c.tc)
			}
		}
		// tc prints in_hw_count only when it is not zero.
		if o.InHWCount != nil && (f.InHWCount == nil || *o.InHWCount != *f.InHWCount) || o.InHWCount == nil && f.InHWCount != nil && *f.InHWCount != 0 {
			t.Errorf("%d: in_hw_count %v, tc says %v", i, f.InHWCount, o.InHWCount)
		}
		if f.Flower != nil {
			compareKeys(t, i, f.Flower.Key, o.Keys)
		}
		if len(f.Actions) != len(o.Actions) {
			t.Fatalf("%d: %d actions, tc says %d", i, len(f.Actions), len(o.Actions))
		}
		for k, ja := range o.Actions {
			a := f.Actions[k]
			verdict := a.Verdict.String()
			if c, ok := a.Verdict.Chain(); ok {
				verdict = "goto"
				if c != ja.Control.Chain {
					t.Errorf("%d/%d: goto chain %d, tc says %d", i, k, c, ja.Control.Chain)
				}
			}
			if a.Kind != ja.Kind || a.Index != ja.Index || verdict != ja.Control.Type {
				t.Errorf("%d/%d: %s index %d verdict %s, tc says %s %d %s", i, k, a.Kind, a.Index, verdict, ja.Kind, ja.Index, ja.Control.Type)
			}
			if got := string(mustText(t, a.Cookie)); got != ja.Cookie {
				t.Errorf("%d/%d: cookie %q, tc says %q", i, k, got, ja.Cookie)
			}
			if len(ja.HWStats) > 0 && (a.HWStats == nil || a.HWStats.String() != ja.HWStats[0]) {
				t.Errorf("%d/%d: hw_stats %v, tc says %v", i, k, a.HWStats, ja.HWStats)
			}
			if a.Stats == nil || a.Stats.Packets != ja.Stats.Packets || a.Stats.Bytes != ja.Stats.Bytes {
				t.Errorf("%d/%d: stats %+v, tc says %+v", i, k, a.Stats, ja.Stats)
			}
		}
	}
	return fs
}

// compareKeys checks the flower keys tc printed that the tests know how to
// compare; tc prints masks and values in many styles, so only these.
func compareKeys(t *testing.T, i int, k FlowerKey, j map[string]any) {
	t.Helper()
	num := func(name string) (float64, bool) {
		v, ok := j[name].(float64)
		return v, ok
	}
	if v, ok := num("dst_port"); ok && (k.DstPort == nil || float64(k.DstPort.Value) != v) {
		t.Errorf("%d: dst_port %v, tc says %v", i, k.DstPort, v)
	}
	if v, ok := num("vlan_id"); ok && (k.VLAN == nil || k.VLAN.ID == nil || float64(*k.VLAN.ID) != v) {
		t.Errorf("%d: vlan_id %v, tc says %v", i, k.VLAN, v)
	}
	if v, ok := num("ct_zone"); ok && (k.CTZone == nil || float64(k.CTZone.Value) != v) {
		t.Errorf("%d: ct_zone %v, tc says %v", i, k.CTZone, v)
	}
	if v, ok := num("enc_key_id"); ok && (k.EncKeyID == nil || float64(*k.EncKeyID) != v) {
		t.Errorf("%d: enc_key_id %v, tc says %v", i, k.EncKeyID, v)
	}
	if v, ok := num("enc_dst_port"); ok && (k.EncDstPort == nil || float64(k.EncDstPort.Value) != v) {
		t.Errorf("%d: enc_dst_port %v, tc says %v", i, k.EncDstPort, v)
	}
	for _, c := range []struct {
		name string
		got  IPMatch
	}{{"src_ip", k.Src}, {"dst_ip", k.Dst}, {"enc_src_ip", k.EncSrc}, {"enc_dst_ip", k.EncDst}} {
		if v, ok := j[c.name].(string); ok && c.got.String() != v {
			t.Errorf("%d: %s %s, tc says %s", i, c.name, c.got, v)
		}
	}
	if v, ok := j["ct_state"].(string); ok && (k.CTState == nil || CTStateMatch(*k.CTState) != v) {
		t.Errorf("%d: ct_state %v, tc says %s", i, k.CTState, v)
	}
	if v, ok := j["ct_label"].(string); ok {
		if k.CTLabels == nil || hexOf(k.CTLabels.Value[:])+"/"+hexOf(k.CTLabels.Mask[:]) != v {
			t.Errorf("%d: ct_label %v, tc says %s", i, k.CTLabels, v)
		}
	}
	if _, ok := j["geneve_opt_key"]; ok && len(k.EncOpts) != 1 {
		t.Errorf("%d: geneve options %v", i, k.EncOpts)
	}
}

func hexOf(b []byte) string { return string(mustText(nil, b)) }

func mustText(t *testing.T, h HexBytes) []byte {
	b, err := h.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRealKernelFlowerOffloadReport(t *testing.T) {
	t.Parallel()
	fs := compareWithTCJSON(t, "vm-dump-flower")
	o := NewOffload("v0", fs[0].Ifindex, fs)
	if len(o.Filters) != 5 || o.SkipHW != 1 || o.NotInHW != 4 || o.InHW != 0 {
		t.Errorf("report %+v", o)
	}
	u, _ := dpflow.ParseUFID("67c2e10f-92d4-4574-be70-d072815ff166")
	var found bool
	for _, f := range o.Filters {
		if f.UFID != nil && *f.UFID == u {
			found = f.State == StateSkipHW && f.InHWCount != nil && *f.InHWCount == 0
		}
	}
	if !found {
		t.Errorf("the OVS-style cookie did not come back as ufid %s: %+v", u, o.Filters)
	}
}

func TestDecodeRealKernelQdiscsAndChains(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t, "dump-qdisc-real")
	var kinds []string
	for _, m := range fx.recv {
		if m.Header.Type != rtmNewQdisc {
			continue
		}
		q, err := DecodeQdisc(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, q.Kind+" "+q.Handle.String()+" "+q.Parent.String())
		if q.Stats == nil {
			t.Errorf("qdisc %s without stats", q.Kind)
		}
	}
	// tc -s qdisc show dev v1: the kernel dumps the qdiscs of every
	// interface (tc and Client.Qdiscs filter by ifindex): v1's noqueue root
	// and clsact, v0's noqueue root and ingress.
	want := []string{"noqueue none root", "clsact ffff:0 ffff:fff1", "noqueue none root", "ingress ffff:0 ffff:fff1"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
	fx = loadFixture(t, "dump-chain-real")
	var chains []uint32
	for _, m := range fx.recv {
		if m.Header.Type != rtmNewChain {
			continue
		}
		c, err := DecodeChain(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		chains = append(chains, c.Index)
	}
	if diff := cmp.Diff([]uint32{0, 3}, chains); diff != "" {
		t.Errorf("chains -want +got:\n%s", diff)
	}
}

func TestDecodeMalformed(t *testing.T) {
	t.Parallel()
	good := decodeSentBytes(t, "add-tunnel-geneve")
	for n := 0; n < len(good); n++ {
		_, err := DecodeFilter(good[:n])
		if err != nil && !errors.Is(err, errs.ErrInvalidArgument) {
			t.Fatalf("truncated to %d: error %v does not match ErrInvalidArgument", n, err)
		}
	}
	if _, err := DecodeFilter(good[:10]); err == nil {
		t.Error("short tcmsg decoded")
	}
}

func decodeSentBytes(t *testing.T, name string) []byte {
	fx := loadFixture(t, name)
	return sentOfType(fx, rtmNewTFilter)[0].Data
}

func TestUnknownAttributesKept(t *testing.T) {
	t.Parallel()
	f := Filter{Kind: "flower", Parent: ParentIngress, Priority: 1, Protocol: EthPIPv4, Flower: &Flower{}}
	b, err := EncodeFilter(2, f)
	if err != nil {
		t.Fatal(err)
	}
	// Append TCA_FLOWER_KEY_L2TPV3_SID (105) inside TCA_OPTIONS and an
	// unknown top-level attribute 99.
	w := builder{b: b[:tcmsgLen]}
	a := newAttrs(b[tcmsgLen:])
	for a.next() {
		if a.t() == tcaOptions {
			o := w.start(tcaOptions)
			w.b = append(w.b, a.data...)
			w.be32(105, 7)
			w.end(o)
			continue
		}
		w.put(a.typ, a.data)
	}
	w.u32(99, 1)
	got, err := DecodeFilter(w.b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Flower.Unknown) != 1 || got.Flower.Unknown[0].Type != 105 || len(got.Unknown) != 1 || got.Unknown[0].Type != 99 {
		t.Errorf("unknown attributes: flower %+v top %+v", got.Flower.Unknown, got.Unknown)
	}
}

var addrCmp = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })
