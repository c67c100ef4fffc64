package placement_test

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/ovs/placement"
	"github.com/offloadkit/offloadkit/tc"
)

// ufid parses s twice: the flow's UFID and the one a tc filter's cookie
// decodes to (the same type since tc reads cookies as dpflow.UFID).
func ufid(t *testing.T, s string) (dpflow.UFID, dpflow.UFID) {
	t.Helper()
	u, err := dpflow.ParseUFID(s)
	if err != nil {
		t.Fatal(err)
	}
	c := u.Cookie(binary.NativeEndian)
	fromCookie, err := dpflow.UFIDFromCookie(c[:], binary.NativeEndian)
	if err != nil {
		t.Fatal(err)
	}
	return u, fromCookie
}

func TestJoin(t *testing.T) {
	t.Parallel()
	kU, kTC := ufid(t, "11111111-0000-0000-0000-000000000001")
	hwU, hwTC := ufid(t, "22222222-0000-0000-0000-000000000002")
	swU, swTC := ufid(t, "33333333-0000-0000-0000-000000000003")
	kernel := []*dpflow.Flow{
		{UFID: kU, InPort: "2", Packets: 5, Bytes: 500, DP: dpflow.LayerOVS},
		{InPort: "3", Packets: 1, Bytes: 60, DP: dpflow.LayerOVS}, // no ufid
	}
	reports := []tc.Offload{
		{Interface: "pf0vf0", Filters: []tc.OffloadFilter{
			{Interface: "pf0vf0", Handle: 1, State: tc.StateInHW, UFID: &hwTC, Packets: 10, Bytes: 1000},
			{Interface: "pf0vf0", Handle: 2, State: tc.StateNotInHW, UFID: &swTC, Packets: 3, Bytes: 300},
			{Interface: "pf0vf0", Handle: 3, State: tc.StateInHW}, // not OVS's
		}},
		{Interface: "pf0vf1", Filters: []tc.OffloadFilter{
			{Interface: "pf0vf1", Handle: 1, State: tc.StateSkipHW, UFID: &kTC, Packets: 1, Bytes: 1},
		}},
	}
	rep := placement.Join(kernel, reports)
	type row struct {
		UFID      string
		InPort    string
		Placement dpflow.Placement
		Packets   uint64
		Filters   int
	}
	var got []row
	for _, f := range rep.Flows {
		got = append(got, row{f.UFID.String(), f.InPort, f.Placement, f.Packets, len(f.Filters)})
		if f.Flow.Placement() != f.Placement {
			t.Errorf("ufid %s: dpflow says %v, placement %v", f.UFID, f.Flow.Placement(), f.Placement)
		}
	}
	want := []row{
		{kU.String(), "2", dpflow.PlacementOVS, 5, 1},
		{dpflow.UFID{}.String(), "3", dpflow.PlacementOVS, 1, 0},
		{hwU.String(), "pf0vf0", dpflow.PlacementHardware, 10, 1},
		{swU.String(), "pf0vf0", dpflow.PlacementTCSoftware, 3, 1},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("-want +got:\n%s", d)
	}
	if rep.InHW != 1 || rep.TCNotInHW != 1 || rep.Kernel != 2 {
		t.Errorf("counts in_hw %d tc %d kernel %d, want 1 1 2", rep.InHW, rep.TCNotInHW, rep.Kernel)
	}
	// A dpflow report over the joined flows sees the same placements.
	r := dpflow.NewReport()
	for i := range rep.Flows {
		r.Add(&rep.Flows[i].Flow)
	}
	if r.ByPlacement[dpflow.PlacementHardware].Flows != 1 || r.ByPlacement[dpflow.PlacementTCSoftware].Flows != 1 || r.ByPlacement[dpflow.PlacementOVS].Flows != 2 {
		t.Errorf("dpflow report placements: %+v", r.ByPlacement)
	}
}
