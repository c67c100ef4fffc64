package ovsjoin

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/tc"
	"github.com/offloadkit/offloadkit/tc/tctest"
)

func mustFlow(t *testing.T, line string) dpflow.Flow {
	t.Helper()
	f, err := dpflow.Parse(line)
	if err != nil {
		t.Fatal(err)
	}
	return *f
}

func TestJoinByCookie(t *testing.T) {
	t.Parallel()
	const hw = "ufid:67c2e10f-92d4-4574-be70-d072815ff166"
	const sw = "ufid:00000001-0002-0003-0004-000000000005"
	const gone = "ufid:0a0b0c0d-0000-0000-0000-000000000000"
	flows := []dpflow.Flow{
		mustFlow(t, hw+", recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no), packets:10, bytes:1000, used:0.5s, offloaded:yes, dp:tc, actions:3"),
		mustFlow(t, sw+", recirc_id(0),in_port(3),eth(),eth_type(0x0800),ipv4(frag=no), packets:1, bytes:100, used:0.5s, offloaded:yes, dp:tc, actions:2"),
		mustFlow(t, "ufid:11111111-2222-3333-4444-555555555555, recirc_id(0),in_port(3),eth(),eth_type(0x0806), packets:1, bytes:60, used:0.5s, dp:tc, actions:2"),
		mustFlow(t, "recirc_id(0),in_port(3),eth(),eth_type(0x0806), packets:1, bytes:60, used:0.5s, actions:2"),
	}
	// The filters carry what tc.Action.UFID reads from the cookie OVS
	// writes on this host (the ovs_u128 in memory, native byte order).
	cookie := func(s string) *dpflow.UFID {
		u, err := dpflow.ParseUFID(s)
		if err != nil {
			t.Fatal(err)
		}
		c := u.Cookie(binary.NativeEndian)
		v, ok := tc.Action{Cookie: c[:]}.UFID()
		if !ok {
			t.Fatalf("cookie % x of %s not read back", c, s)
		}
		return &v
	}
	rep := tc.Offload{Interface: "3", Filters: []tc.OffloadFilter{
		{Interface: "pf0vf0", Handle: 1, State: tc.StateInHW, UFID: cookie(hw)},
		{Interface: "pf0vf0", Handle: 2, State: tc.StateNotInHW, UFID: cookie(sw)},
		{Interface: "pf0vf0", Handle: 3, State: tc.StateNotInHW, UFID: cookie(gone)},
		{Interface: "pf0vf0", Handle: 4, State: tc.StateSkipHW},
	}}
	r := Join([]tc.Offload{rep}, flows)
	if len(r.Flows) != 3 || r.NoUFID != 1 {
		t.Fatalf("%d flows joined, %d without ufid", len(r.Flows), r.NoUFID)
	}
	if f := r.Flows[0]; !f.InHW || len(f.Filters) != 1 || f.Filters[0].Handle != 1 || f.Note != "" {
		t.Errorf("hw flow %+v", f)
	}
	if f := r.Flows[1]; f.InHW || f.Note == "" {
		t.Errorf("offloaded:yes flow with a not_in_hw filter should disagree: %+v", f)
	}
	if f := r.Flows[2]; len(f.Filters) != 0 || f.Note == "" {
		t.Errorf("dp:tc flow without filter %+v", f)
	}
	if len(r.Orphans) != 1 || r.Orphans[0].Handle != 3 {
		t.Errorf("orphans %+v", r.Orphans)
	}
	if r.InHW != 1 || r.TCNotInHW != 1 || r.NoFilter != 1 || r.Disagree != 2 {
		t.Errorf("counts %+v", r)
	}
	// The printed forms agree: tc formats its cookie UFID as OVS does.
	if got := r.Flows[0].UFID.String(); "ufid:"+got != hw {
		t.Errorf("tc prints %s, OVS %s", got, hw)
	}
}

// TestJoinRecordedOVS joins a dump OVS 3.1 made in the vmtest guest
// (hw-offload=true, tc-policy=skip_hw, two veth ports p1 and p2 on br0)
// with the flower filters it wrote on p1 and p2 at the same moment
// (testdata/tc/ovs-*): every flow from p1 or p2 must find its filter by the
// UFID in the action cookie, on the port it came in on.
func TestJoinRecordedOVS(t *testing.T) {
	t.Parallel()
	var reports []tc.Offload
	for _, port := range []string{"p1", "p2"} {
		rec, err := tctest.ReadRecording("../../testdata/tc/ovs-dump-" + port + ".nl")
		if err != nil {
			t.Fatal(err)
		}
		var fs []tc.Filter
		for _, m := range rec.ReceivedOfType(44) { // RTM_NEWTFILTER
			f, err := tc.DecodeFilter(m.Data)
			if err != nil {
				t.Fatal(err)
			}
			fs = append(fs, f)
		}
		reports = append(reports, tc.NewOffload(port, fs[0].Ifindex, fs))
	}
	fd, err := os.Open("../../testdata/tc/ovs-dpctl-flows.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	dump, err := dpflow.ReadDump(fd, dpflow.Options{})
	if err != nil || len(dump.Errors) > 0 {
		t.Fatalf("flows: %v %v", err, dump.Errors)
	}
	r := Join(reports, dump.Flows)
	if len(r.Flows) == 0 || r.NoUFID != 0 {
		t.Fatalf("%d flows joined, %d without ufid", len(r.Flows), r.NoUFID)
	}
	joined := 0
	for _, f := range r.Flows {
		if f.InPort != "p1" && f.InPort != "p2" {
			continue // br0 is an internal port: OVS puts its filters on egress, not recorded
		}
		if len(f.Filters) != 1 || f.Filters[0].Interface != f.InPort {
			t.Errorf("flow %s from %s: filters %+v", f.UFID, f.InPort, f.Filters)
			continue
		}
		// Counters are not compared: OVS adds the packets of the upcall
		// that created the flow, which never passed the tc filter.
		if f.Filters[0].State != tc.StateSkipHW {
			t.Errorf("flow %s: filter state %s, want skip_hw (tc-policy=skip_hw)", f.UFID, f.Filters[0].State)
		}
		if f.Note != "" {
			t.Errorf("flow %s: unexpected disagreement %q", f.UFID, f.Note)
		}
		joined++
	}
	if joined < 4 {
		t.Errorf("only %d flows from p1/p2 joined", joined)
	}
	// Filters of flows OVS has already expired from its dump (IPv6
	// neighbour discovery, ARP broadcasts) are orphans, which is the point
	// of listing them.
	t.Logf("%d orphan filters (flows gone from the dump)", len(r.Orphans))
	t.Logf("%d flows joined with their OVS-written tc filters", joined)
}
