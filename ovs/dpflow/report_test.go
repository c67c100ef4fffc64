package dpflow

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readFixture(t *testing.T, name string, opts Options) *FlowDump {
	t.Helper()
	data, err := os.ReadFile("../../testdata/ovs/" + name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDump(string(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestReportKubeOVN(t *testing.T) {
	t.Parallel()
	d := readFixture(t, "kubeovn-cx5-m.txt", Options{Strict: true})
	r := NewReport()
	for i := range d.Flows {
		r.Add(&d.Flows[i])
	}
	if r.Total.Flows != 13 || r.Offloaded.Flows != 7 {
		t.Errorf("total %d offloaded %d, want 13 and 7", r.Total.Flows, r.Offloaded.Flows)
	}
	if got := r.ByPlacement[PlacementTCSoftware].Flows; got != 1 {
		t.Errorf("tc-software flows %d, want 1", got)
	}
	if got := r.ByLayer[LayerTC].Flows; got != 8 {
		t.Errorf("dp:tc flows %d, want 8", got)
	}
	type fd struct {
		Line   int
		Reason Reason
		Detail string
	}
	var got []fd
	for _, f := range r.Findings {
		got = append(got, fd{f.Line, f.Reason, f.Detail})
	}
	want := []fd{
		{12, ReasonTCSoftware, "dp:tc"},
		{13, ReasonHash, "hash(l4(0))"},
		{14, ReasonHash, "dp_hash(0x1/0xf)"},
		{15, ReasonUnknown, ""},
		{16, ReasonUserspace, "userspace(pid=3405789421,controller(reason=1,dont_send=0,continuation=0,recirc_id=19,rule_cookie=0x8c5b2a1f,controller_id=0,max_len=65535))"},
		{20, ReasonUnsupportedAction, "check_pkt_len(size=1500,gt(userspace(pid=3405789421,slow_path(action))),le(enp3s0f0np0))"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	ports := r.Ports()
	if len(ports) != 5 || ports[0].InPort != "54235e5753b8_h" || ports[0].Total.Flows != 5 || ports[0].Offloaded.Flows != 2 {
		t.Errorf("ports: %+v", ports)
	}
	fl, pk, _ := Share(r.Offloaded, r.Total)
	if fl < 0.53 || fl > 0.54 || pk < 0.99 {
		t.Errorf("share flows %.3f packets %.3f", fl, pk)
	}
}

func TestReportMaxFindings(t *testing.T) {
	t.Parallel()
	d := readFixture(t, "kubeovn-cx5-m.txt", Options{})
	r := NewReport()
	r.MaxFindings = 2
	for i := range d.Flows {
		r.Add(&d.Flows[i])
	}
	if len(r.Findings) != 2 || r.FindingsDropped != 4 {
		t.Errorf("%d findings, %d dropped; want 2 and 4", len(r.Findings), r.FindingsDropped)
	}
}

func TestPlacement(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		off  Offloaded
		dp   Layer
		want Placement
	}{
		{"", "", PlacementUnknown},
		{"", "ovs", PlacementOVS},
		{"", "tc", PlacementTCSoftware},
		{"yes", "tc", PlacementHardware},
		{"partial", "ovs", PlacementDPDKPartial},
		{"", "dpdk", PlacementDPDKFull},
		{"yes", "dpdk", PlacementDPDKFull},
		// A layer this package does not know: offloaded:yes decides.
		{"yes", "vendor", PlacementHardware},
		{"", "vendor", PlacementOVS},
	} {
		f := Flow{Offloaded: tc.off, DP: tc.dp}
		if got := f.Placement(); got != tc.want {
			t.Errorf("offloaded:%q dp:%q = %v, want %v", tc.off, tc.dp, got, tc.want)
		}
	}
}

func TestTolerantCapture(t *testing.T) {
	t.Parallel()
	d := readFixture(t, "tolerant-capture.txt", Options{})
	if len(d.Flows) != 3 {
		t.Errorf("%d flows, want 3", len(d.Flows))
	}
	if len(d.Errors) != 1 || d.Errors[0].Line != 14 {
		t.Errorf("errors %v, want one at line 14", d.Errors)
	}
	// Strict mode reports the log line and the prompt as well.
	data, _ := os.ReadFile("../../testdata/ovs/tolerant-capture.txt")
	var lines []int
	for _, err := range ScanString(string(data), Options{Strict: true}).All() {
		if pe, ok := err.(*ParseError); ok {
			lines = append(lines, pe.Line)
		}
	}
	if diff := cmp.Diff([]int{8, 14, 15}, lines); diff != "" {
		t.Errorf("strict error lines (-want +got):\n%s", diff)
	}
}

func TestReportHints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"empty", nil, "the dump is empty"},
		{"no -m", []string{"in_port(1), packets:1, bytes:1, used:never, actions:2"}, "dump-flows -m"},
		{"hw-offload off", []string{"in_port(1), packets:1, bytes:1, used:never, dp:ovs, actions:2"}, "hw-offload"},
		{"tc only", []string{"in_port(1), packets:1, bytes:1, used:never, dp:tc, actions:2"}, "switchdev"},
		{"some tc in software", []string{
			"in_port(1), packets:1, bytes:1, used:never, offloaded:yes, dp:tc, actions:2",
			"in_port(2), packets:1, bytes:1, used:never, dp:tc, actions:1",
		}, "stayed in software"},
	} {
		r := NewReport()
		for _, l := range tc.lines {
			f, err := Parse(l)
			if err != nil {
				t.Fatal(err)
			}
			r.Add(f)
		}
		h := r.Hints()
		if len(h) != 1 || !strings.Contains(h[0], tc.want) {
			t.Errorf("%s: hints %q, want one containing %q", tc.name, h, tc.want)
		}
	}
	r := NewReport()
	f, _ := Parse("in_port(1), packets:1, bytes:1, used:never, offloaded:yes, dp:tc, actions:2")
	r.Add(f)
	if h := r.Hints(); len(h) != 0 {
		t.Errorf("all offloaded: hints %q, want none", h)
	}
}

// TestWhyActions pins the reason for each kind of action, nested ones
// included, and that plain outputs give none.
func TestWhyActions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		actions string
		want    Reason
		detail  string
	}{
		{"2", ReasonUnknown, ""},
		{"meter(0),2", ReasonUnsupportedAction, "meter(0)"},
		{"clone(trunc(100),2),3", ReasonUnsupportedAction, "trunc(100)"},
		{"dec_ttl(le_1(drop)),2", ReasonUnsupportedAction, "dec_ttl(le_1(drop))"},
		{"hash(l4(0)),recirc(0x1)", ReasonHash, "hash(l4(0))"},
		{"clone(userspace(pid=1,slow_path(action)))", ReasonUserspace, "userspace(pid=1,slow_path(action))"},
		{"sample(sample=50.0%,actions(2))", ReasonSample, "sample(sample=50.0%,actions(2))"},
	} {
		f, err := Parse("in_port(1), packets:1, bytes:1, used:never, dp:ovs, actions:" + tc.actions)
		if err != nil {
			t.Fatalf("%s: %v", tc.actions, err)
		}
		if r, d := Why(f); r != tc.want || d != tc.detail {
			t.Errorf("actions:%s: Why = %q, %q; want %q, %q", tc.actions, r, d, tc.want, tc.detail)
		}
	}
}
