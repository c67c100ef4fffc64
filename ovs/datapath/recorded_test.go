package datapath_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/ovs/datapath"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// TestRecordedReplies replays the replies recorded from the 6.1 and 6.12
// kernels in the guest through the fake kernel and checks the decoded flows against
// the `dpctl/dump-flows -m --no-names` text ovs-vswitchd printed for the
// same flows at the same moment: UFID, match and mask, actions, packets,
// bytes, tcp flags, field by field.
func TestRecordedReplies(t *testing.T) {
	t.Parallel()
	for _, file := range fixtureFiles {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			testRecorded(t, file)
		})
	}
}

func testRecorded(t *testing.T, fixtureFile string) {
	msgs, text := fixtureOf(t, fixtureFile)
	if len(msgs["dp"]) == 0 || len(msgs["vport"]) == 0 || len(msgs["flow"]) == 0 || len(text) == 0 {
		t.Fatalf("%s lacks dp, vport, flow or text lines", fixtureFile)
	}
	dps, err := datapath.DecodeDatapath(msgs["dp"][0][4:])
	if err != nil {
		t.Fatal(err)
	}
	k := &fakeKernel{dps: msgs["dp"], vports: map[int][][]byte{dps.Ifindex: msgs["vport"]}, flows: map[int][][]byte{dps.Ifindex: msgs["flow"]}}
	c, err := k.client(t)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	dp, err := c.Datapath(ctx, "ovs-system")
	if err != nil {
		t.Fatal(err)
	}
	if dp.Stats.Flows != uint64(len(msgs["flow"])) {
		t.Errorf("datapath reports %d flows, %d recorded", dp.Stats.Flows, len(msgs["flow"]))
	}
	vps, err := c.Vports(ctx, dp.Ifindex)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range vps {
		names = append(names, v.Name+"/"+v.Type.String())
		if v.Ifindex == 0 || v.Stats == nil || len(v.Unknown) > 0 || len(v.UpcallPIDs) == 0 {
			t.Errorf("vport %+v: want an ifindex, stats, upcall pids and nothing unknown", v)
		}
		// Upcall statistics are new in 6.3: in the 6.12 replies, not 6.1's.
		if want := strings.Contains(fixtureFile, "6.12"); (v.Upcalls != nil) != want {
			t.Errorf("vport %s: upcall stats %+v, want them reported: %v", v.Name, v.Upcalls, want)
		}
	}
	if d := cmp.Diff([]string{"ovs-system/internal", "brdp/internal", "dq1/netdev", "dq2/netdev"}, names); d != "" {
		t.Errorf("vports -want +got:\n%s", d)
	}

	want := map[dpflow.UFID]*dpflow.Flow{}
	for _, l := range text {
		f, err := dpflow.Parse(l)
		if err != nil {
			t.Fatalf("recorded text %q: %v", l, err)
		}
		want[f.UFID] = f
	}
	n := 0
	for f, err := range c.Flows(ctx, dp.Ifindex, datapath.FlowOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		w, ok := want[f.UFID]
		if !ok {
			t.Errorf("kernel flow %s not in the text dump", f.UFID)
			continue
		}
		if d := cmp.Diff(view(w), view(&f.Flow)); d != "" {
			t.Errorf("ufid %s (-dump-flows +kernel):\n%s", f.UFID, d)
		}
		if len(f.Unknown) != 0 {
			t.Errorf("ufid %s: unknown attributes %v from a 6.1/6.12 kernel", f.UFID, f.Unknown)
		}
	}
	if n != len(want) {
		t.Errorf("%d kernel flows, %d in the text dump", n, len(want))
	}
	// Counters only: the kernel is asked to omit key, mask and actions
	// (OVS_FLOW_ATTR_UFID_FLAGS 7), and nothing is rendered.
	n = 0
	for f, err := range c.Flows(ctx, dp.Ifindex, datapath.FlowOptions{CountersOnly: true, Names: true}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		w := want[f.UFID]
		if w == nil || f.Packets != w.Packets || f.Bytes != w.Bytes || len(f.Flow.Match) != 0 || len(f.Flow.Actions) != 0 {
			t.Errorf("counters-only flow %s: %d packets %d bytes, %d match attributes", f.UFID, f.Packets, f.Bytes, len(f.Flow.Match))
		}
	}
	if n != len(want) || !bytes.Equal(k.lastFlow, []byte{8, 0, 10, 0, 7, 0, 0, 0}) {
		t.Errorf("counters-only: %d flows, request attributes %x", n, k.lastFlow)
	}
	// Terse rendering agrees with the text parser too.
	for f, err := range c.Flows(ctx, dp.Ifindex, datapath.FlowOptions{Terse: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(f.Flow.String(), "/0,") {
			t.Errorf("terse rendering kept a wildcarded field: %s", f.Flow.String())
		}
	}
}

// flowView is what both sources must agree on: everything but the used
// time (the kernel's is exact, the text's rounded and taken at another
// moment) and Line.
type flowView struct {
	UFID           string
	Match, Actions []dpflow.Attr
	InPort         string
	Packets, Bytes uint64
	NeverUsed      bool
	TCPFlags       dpflow.TCPFlags
	Offloaded      dpflow.Offloaded
	DP             dpflow.Layer
}

func view(f *dpflow.Flow) flowView {
	return flowView{
		UFID: f.UFID.String(), Match: f.Match, Actions: f.Actions, InPort: f.InPort,
		Packets: f.Packets, Bytes: f.Bytes, NeverUsed: f.NeverUsed, TCPFlags: f.TCPFlags,
		Offloaded: f.Offloaded, DP: f.DP,
	}
}
