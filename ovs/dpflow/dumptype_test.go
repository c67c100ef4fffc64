package dpflow

import (
	"errors"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func TestParseDumpType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		want  DumpType
		str   string
		place Placement
	}{
		{"", TypeAll, "all", PlacementUnknown},
		{"all", TypeAll, "all", PlacementUnknown},
		{"offloaded", TypeOffloaded, "offloaded", PlacementHardware},
		{"partially-offloaded", TypePartiallyOffloaded, "partially-offloaded", PlacementDPDKPartial},
		{"non-offloaded", TypeNonOffloaded, "non-offloaded", PlacementSoftware},
		{"ovs", TypeOVS, "ovs", PlacementOVS},
		{"dpdk", TypeDPDK, "dpdk", PlacementDPDKFull},
		{"tc", TypeTC, "tc", PlacementUnknown},
		{"tc,ovs", TypeTC | TypeOVS, "ovs,tc", PlacementUnknown},
		{"offloaded,offloaded", TypeOffloaded, "offloaded", PlacementHardware},
		{"ovs,offloaded", TypeOVS | TypeOffloaded, "ovs,offloaded", PlacementUnknown},
		{"ovs,all", TypeAll, "all", PlacementUnknown},
	} {
		got, err := ParseDumpType(tc.in)
		if err != nil || got != tc.want || got.String() != tc.str || got.Placement() != tc.place {
			t.Errorf("ParseDumpType(%q) = %v (%q, %v), %v; want %v (%q, %v)", tc.in, uint8(got), got, got.Placement(), err, uint8(tc.want), tc.str, tc.place)
		}
		if again, err := ParseDumpType(got.String()); err != nil || again != got {
			t.Errorf("%q does not round-trip: %v %v", got, again, err)
		}
	}
	for _, bad := range []string{"offload", "ovs,", ",", "OVS", "type=ovs", "ovs tc"} {
		if _, err := ParseDumpType(bad); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("ParseDumpType(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
	if DumpType(0).Known() || DumpType(0).String() != "" || DumpType(0).Placement() != PlacementUnknown {
		t.Error("zero DumpType must say nothing")
	}
}

// TestReportDumpType reads the Antrea guide's `dump-flows --names
// type=offloaded` output (no -m: no offloaded:/dp: fields): knowing the
// type, every flow is in hardware; not knowing it, none is shown to be.
func TestReportDumpType(t *testing.T) {
	t.Parallel()
	d := readFixture(t, "antrea-cx5-names.txt", Options{Type: TypeOffloaded})
	if d.Type != TypeOffloaded {
		t.Fatalf("FlowDump.Type = %v", d.Type)
	}
	r := d.Report()
	if r.Total.Flows != 4 || r.Offloaded.Flows != 4 || r.ByPlacement[PlacementHardware].Flows != 4 || len(r.Findings) != 0 {
		t.Errorf("type=offloaded: total %d, offloaded %d, hardware %d, findings %d; want 4, 4, 4, 0",
			r.Total.Flows, r.Offloaded.Flows, r.ByPlacement[PlacementHardware].Flows, len(r.Findings))
	}
	if h := r.Hints(); len(h) != 0 {
		t.Errorf("hints %q", h)
	}
	d = readFixture(t, "antrea-cx5-names.txt", Options{})
	r = d.Report()
	if r.Offloaded.Flows != 0 || r.ByPlacement[PlacementUnknown].Flows != 4 {
		t.Errorf("unknown type: offloaded %d, unknown %d; want 0, 4", r.Offloaded.Flows, r.ByPlacement[PlacementUnknown].Flows)
	}
	for _, typ := range []DumpType{TypeNonOffloaded, TypeOVS} {
		d = readFixture(t, "antrea-cx5-names.txt", Options{Type: typ})
		r = d.Report()
		if r.Offloaded.Flows != 0 || len(r.Findings) != 4 || r.Findings[0].Reason != ReasonUnknown {
			t.Errorf("type=%v: offloaded %d, findings %+v", typ, r.Offloaded.Flows, r.Findings)
		}
		if h := r.Hints(); len(h) != 1 || !strings.Contains(h[0], "cannot show offloaded flows") {
			t.Errorf("type=%v: hints %q", typ, h)
		}
	}
	// What a line shows wins over the type.
	d = readFixture(t, "kubeovn-cx5-m.txt", Options{Type: TypeOffloaded})
	if r := d.Report(); r.Offloaded.Flows != 7 || r.Total.Flows != 13 {
		t.Errorf("-m dump with type=offloaded: %d of %d offloaded, want 7 of 13", r.Offloaded.Flows, r.Total.Flows)
	}
}

func TestScannerCounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     Counts
	}{
		{"empty", "", Counts{}},
		{"headers only", "flow-dump from the main thread:\n\n# c\n", Counts{Lines: 3}},
		{"not a dump", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n", Counts{Lines: 2, Other: 2}},
		{"flows and junk", yusurLine + "\n$ ovs-appctl\nin_port(1),eth(\n" + yusurLine, Counts{Lines: 4, Flows: 2, Errors: 1, Other: 1}},
	} {
		s := ScanString(tc.in, Options{})
		for range s.All() {
		}
		if got := s.Counts(); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
