package dpflow

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// yusurLine is the second flow of the YUSUR guide (shared/seeds/000): the
// vendor build swaps dp: and offloaded:, drops spaces and adds
// offload_packets/offload_bytes.
const yusurLine = `ufid:7940666e-a0bd-42a5-8116-1e84e81bb338, skb_priority(0/0),tunnel(tun_id=0x5,src=192.168.201.12,dst=192.168.201.11,ttl=0/0,tp_dst=6081,geneve({class=0x102,type=0x80,len=4,0x6000a}),flags(+key)),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),recirc_id(0),dp_hash(0/0),in_port(genev_sys_6081),packet_type(ns=0/0,id=0/0),eth(src=8a:18:a4:22:b7:7d,dst=0a:c9:1c:70:01:09),eth_type(0x0800),ipv4(src=10.0.1.6,dst=10.0.1.10,proto=6,tos=0/0,ttl=0/0,frag=no),tcp(src=9001,dst=60774), packets:6946, bytes:459664, offload_packets:6944, offload_bytes:459532, used:4.170s, dp:tc,offloaded:yes,actions:d85b161b6840_h`

func TestParseYUSUR(t *testing.T) {
	t.Parallel()
	f, err := Parse(yusurLine)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.UFID.String(), "7940666e-a0bd-42a5-8116-1e84e81bb338"; got != want {
		t.Errorf("UFID %s, want %s", got, want)
	}
	if f.InPort != "genev_sys_6081" || f.Packets != 6946 || f.Bytes != 459664 ||
		f.Used != 4170*time.Millisecond || f.NeverUsed || f.Offloaded != OffloadedYes || f.DP != LayerTC {
		t.Errorf("info fields wrong: %+v", f)
	}
	if v, ok := f.ExtraField("offload_packets"); !ok || v != "6944" {
		t.Errorf("offload_packets = %q, %v", v, ok)
	}
	if p, b, ok := f.VendorOffloadCounters(); !ok || p != 6944 || b != 459532 {
		t.Errorf("VendorOffloadCounters = %d, %d, %v; want 6944, 459532, true", p, b, ok)
	}
	var js map[string]any
	if err := json.Unmarshal(f.AppendJSON(nil), &js); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"offload_packets": "6944", "offload_bytes": "459532"}, js["extra"]); diff != "" {
		t.Errorf("JSON extra (-want +got):\n%s", diff)
	}
	if len(f.Match) != 15 {
		t.Errorf("%d match attributes, want 15", len(f.Match))
	}
	tun, ok := f.Key("tunnel")
	if !ok {
		t.Fatal("no tunnel key")
	}
	if g, _ := tun.Field("geneve"); g != "{class=0x102,type=0x80,len=4,0x6000a}" {
		t.Errorf("geneve field %q", g)
	}
	if fl, _ := tun.Field("flags"); fl != "+key" {
		t.Errorf("flags field %q", fl)
	}
	if diff := cmp.Diff([]string{"d85b161b6840_h"}, collectSeq(f.Outputs())); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if !f.InHardware() {
		t.Error("InHardware false for offloaded:yes dp:tc")
	}
}

func collectSeq(seq func(func(string) bool)) []string {
	var out []string
	for s := range seq {
		out = append(out, s)
	}
	return out
}

func TestParseActions(t *testing.T) {
	t.Parallel()
	line := `recirc_id(0),in_port(2),eth_type(0x0800),ipv4(frag=no), packets:0, bytes:0, used:never, actions:ct(commit,zone=1,nat(src=1.1.1.1)),set(ipv4(src=1.2.3.4)),clone(tnl_push(tnl_port(4789),header(size=50,type=4,eth(dst=aa:bb:cc:dd:ee:ff,src=aa:bb:cc:dd:ee:fe,dl_type=0x0800),ipv4(src=1.1.1.1,dst=2.2.2.2,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x1)),out_port(3)),br-ex),pop_vlan,drop,veth-a.b@c,3,recirc(0x1)`
	f, err := Parse(line)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for _, a := range f.Actions {
		got = append(got, [2]string{a.Name, a.Text})
	}
	want := [][2]string{
		{"ct", "ct(commit,zone=1,nat(src=1.1.1.1))"},
		{"set", "set(ipv4(src=1.2.3.4))"},
		{"clone", "clone(tnl_push(tnl_port(4789),header(size=50,type=4,eth(dst=aa:bb:cc:dd:ee:ff,src=aa:bb:cc:dd:ee:fe,dl_type=0x0800),ipv4(src=1.1.1.1,dst=2.2.2.2,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x1)),out_port(3)),br-ex)"},
		{"pop_vlan", "pop_vlan"},
		{"drop", "drop"},
		{"output", "veth-a.b@c"},
		{"output", "3"},
		{"recirc", "recirc(0x1)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if !f.NeverUsed {
		t.Error("used:never not recognised")
	}
	ct := f.Actions[0]
	if _, ok := ct.Field("commit"); !ok {
		t.Error("ct(commit) flag not found")
	}
	if nat, _ := ct.Field("nat"); nat != "src=1.1.1.1" {
		t.Errorf("nat = %q", nat)
	}
	nested, err := ParseActions(f.Actions[2].Args())
	if err != nil {
		t.Fatal(err)
	}
	if len(nested) != 2 || nested[0].Name != "tnl_push" || nested[1].Name != "output" || nested[1].Text != "br-ex" {
		t.Errorf("nested clone actions: %+v", nested)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line string
		col  int
	}{
		{"in_port(1),eth(, packets:1, bytes:1, used:never, actions:drop", 15},
		{"in_port(1), packets:x, bytes:1, used:never, actions:drop", 21},
		{"in_port(1), packets:1, bytes:1, used:never", 43},
		{"in_port(1), packets:1, bytes:1, used:never, actions:ct(zone=1", 53},
		{"in_port(1), packets:1, bytes:1, used:never, actions:1),2", 53},
		{"ufid:zz, in_port(1), packets:1, bytes:1, used:never, actions:drop", 6},
		{"hello world", 6},
	} {
		_, err := Parse(tc.line)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want *ParseError", tc.line, err)
			continue
		}
		if !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("Parse(%q) error does not match ErrInvalidArgument", tc.line)
		}
		if pe.Column != tc.col {
			t.Errorf("Parse(%q) column %d, want %d (%v)", tc.line, pe.Column, tc.col, err)
		}
	}
}

// TestCorpusRoundTrip parses every fixture under testdata/ovs strictly,
// formats each flow and parses the result again.
func TestCorpusRoundTrip(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../testdata/ovs/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	total := 0
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		d, err := ParseDump(string(data), Options{Strict: !strings.Contains(name, "tolerant")})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, f := range d.Flows {
			total++
			g, err := Parse(f.String())
			if err != nil {
				t.Errorf("%s:%d: reparse: %v\n%s", name, f.Line, err, f.String())
				continue
			}
			g.Line = f.Line
			if diff := cmp.Diff(&f, g); diff != "" {
				t.Errorf("%s:%d: round trip (-want +got):\n%s", name, f.Line, diff)
			}
		}
	}
	if total == 0 {
		t.Fatal("no flows in the corpus")
	}
}

func TestUnknownKeysAndNestedActions(t *testing.T) {
	t.Parallel()
	line := `recirc_id(0),in_port(2),key32(00 00/00 00),eth_type(0x0800), packets:1, bytes:2, used:0.001s, actions:action42(0a0b),sample(sample=50.0%,actions(clone(3),check_pkt_len(size=200,gt(userspace(pid=1,slow_path(action))),le(4)))),dec_ttl(le_1(drop))`
	if err := ParseInto(new(Flow), line, Options{Strict: true}); err != nil {
		t.Fatalf("strict mode rejects unknown keys or actions: %v", err)
	}
	fl, err := Parse(line)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := fl.Key("key32"); !ok || k.Args() != "00 00/00 00" {
		t.Errorf("key32 = %+v %v", k, ok)
	}
	if fl.Actions[0].Name != "action42" || fl.Actions[0].Args() != "0a0b" {
		t.Errorf("unknown action %+v", fl.Actions[0])
	}
	var names []string
	WalkActions(fl.Actions, func(a Attr) bool {
		names = append(names, a.Name+":"+a.Text)
		return true
	})
	want := []string{
		"action42:action42(0a0b)",
		"sample:sample(sample=50.0%,actions(clone(3),check_pkt_len(size=200,gt(userspace(pid=1,slow_path(action))),le(4))))",
		"clone:clone(3)",
		"output:3",
		"check_pkt_len:check_pkt_len(size=200,gt(userspace(pid=1,slow_path(action))),le(4))",
		"userspace:userspace(pid=1,slow_path(action))",
		"output:4",
		"dec_ttl:dec_ttl(le_1(drop))",
		"drop:drop",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("walk (-want +got):\n%s", diff)
	}
	// The first action that explains it wins, depth first.
	if r, _ := Why(fl); r != ReasonSample {
		t.Errorf("Why = %q, want %q", r, ReasonSample)
	}
	fl.Actions = fl.Actions[2:]
	if r, d := Why(fl); r != ReasonUnsupportedAction || d != "dec_ttl(le_1(drop))" {
		t.Errorf("Why = %q %q", r, d)
	}
}

// TestMaxDepth checks the nesting bound: MaxDepth parentheses deep is a
// flow, one more is a *ParseError at the parenthesis past the bound, in
// the match, in an info value and in the actions, closed or not.
func TestMaxDepth(t *testing.T) {
	t.Parallel()
	nest := func(n int) string { return strings.Repeat("(", n) + "1" + strings.Repeat(")", n) }
	tail := ", packets:1, bytes:1, used:never, actions:drop"
	f, err := Parse("in_port(1),x" + nest(MaxDepth) + tail)
	if err != nil {
		t.Fatalf("nesting of MaxDepth: %v", err)
	}
	if a, _ := f.Key("x"); a.Text != "x"+nest(MaxDepth) {
		t.Errorf("x = %q", a.Text)
	}
	if _, err := Parse("in_port(1)" + tail[:len(tail)-4] + "clone" + nest(MaxDepth)); err != nil {
		t.Errorf("actions nested MaxDepth deep: %v", err)
	}
	for _, tc := range []struct{ name, head, rest string }{
		{"match", "in_port(1),x", nest(MaxDepth+1) + tail},
		{"match unclosed", "in_port(1),x", strings.Repeat("(", 3*MaxDepth)},
		{"info", "in_port(1), packets:1, bytes:1, used:never, foo:x", nest(MaxDepth+1) + ", actions:drop"},
		{"actions", "in_port(1), packets:1, bytes:1, used:never, actions:clone", nest(MaxDepth + 1)},
		{"actions unclosed", "in_port(1), packets:1, bytes:1, used:never, actions:clone", strings.Repeat("(", MaxDepth+1)},
	} {
		_, err := Parse(tc.head + tc.rest)
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "nested deeper than") {
			t.Errorf("%s: err %v, want nested deeper than %d", tc.name, err, MaxDepth)
			continue
		}
		if want := len(tc.head) + MaxDepth + 1; pe.Column != want {
			t.Errorf("%s: column %d, want %d", tc.name, pe.Column, want)
		}
	}
	if _, err := ParseActions("clone" + nest(MaxDepth+1)); err == nil {
		t.Error("ParseActions accepted nesting past MaxDepth")
	}
}

// TestWorstLines parses the benchmark's 1 MiB lines and checks what each
// must give: the flat and nested lines are flows, the others errors.
func TestWorstLines(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"flat": "", "nested": "", "deep": "nested deeper than", "open": "nested deeper than",
		"a(": "nested deeper than", "close": "expected ','", "commas": "expected key",
	}
	for _, tc := range worstLines() {
		f, err := Parse(tc.line)
		w, ok := want[tc.name]
		switch {
		case !ok:
			t.Errorf("%s: no expectation", tc.name)
		case w == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case w == "" && len(f.Match) < 1000:
			t.Errorf("%s: only %d attributes", tc.name, len(f.Match))
		case w != "" && (err == nil || !strings.Contains(err.Error(), w)):
			t.Errorf("%s: err %v, want %q", tc.name, err, w)
		}
	}
}

// closeParenRef is the obvious byte loop closeParen must agree with.
func closeParenRef(s string, open int) (end, deep int) {
	depth := 1
	for i := open + 1; i < len(s); i++ {
		switch s[i] {
		case '(':
			if depth++; depth > MaxDepth {
				return -1, i
			}
		case ')':
			if depth--; depth == 0 {
				return i + 1, -1
			}
		}
	}
	return -1, -1
}

// TestCloseParenReference compares closeParen, which jumps with IndexByte
// and remembers the next ')', with the byte loop on random strings of
// parentheses and runs of other bytes, at every '('.
func TestCloseParenReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"(", ")", "a", ",", strings.Repeat("x", 17), strings.Repeat("y", 40), "((", "))"}
	for n := 0; n < 3000; n++ {
		var b strings.Builder
		for k := rng.IntN(200); k > 0; k-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		if n%10 == 5 { // deep, with quiet runs: the IndexByte jumps reach MaxDepth
			for k := MaxDepth - 2 + rng.IntN(4); k > 0; k-- {
				b.WriteString("(" + strings.Repeat("q", 16+rng.IntN(3)))
			}
			b.WriteString(strings.Repeat(")", rng.IntN(MaxDepth+2)))
		}
		if n%10 == 0 { // deep enough to reach MaxDepth
			b.WriteString(strings.Repeat("(", MaxDepth+rng.IntN(3)-1))
			b.WriteString(strings.Repeat("z", rng.IntN(40)))
			b.WriteString(strings.Repeat(")", MaxDepth+rng.IntN(3)-1))
		}
		s := b.String()
		for i := 0; i < len(s); i++ {
			if s[i] != '(' {
				continue
			}
			e, d := closeParen(s, i)
			we, wd := closeParenRef(s, i)
			if e != we || d != wd {
				t.Fatalf("closeParen(%q, %d) = %d, %d; want %d, %d", s, i, e, d, we, wd)
			}
		}
	}
}

// TestNoVendorCounters: upstream OVS prints neither offload counter, and a
// counter that is not a count is not one; no "extra" key appears in the
// JSON of a flow without unknown fields.
func TestNoVendorCounters(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		"recirc_id(0),in_port(2),eth_type(0x0800),ipv4(frag=no), packets:10, bytes:600, used:1.0s, actions:3",
		"recirc_id(0),in_port(2),eth_type(0x0800),ipv4(frag=no), packets:10, bytes:600, offload_packets:9, used:1.0s, actions:3",
		"recirc_id(0),in_port(2),eth_type(0x0800),ipv4(frag=no), packets:10, bytes:600, offload_packets:x, offload_bytes:1, used:1.0s, actions:3",
	} {
		f, err := Parse(line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if p, b, ok := f.VendorOffloadCounters(); ok {
			t.Errorf("%s: VendorOffloadCounters = %d, %d, true; want false", line, p, b)
		}
		js := string(f.AppendJSON(nil))
		if hasExtra := strings.Contains(js, `"extra":`); hasExtra != (len(f.Extra) > 0) {
			t.Errorf("%s: %d extra fields, JSON %s", line, len(f.Extra), js)
		}
	}
}
