package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/tc"
	"github.com/offloadkit/offloadkit/tc/tctest"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
)

// fakeTC serves fixed reports by interface name.
type fakeTC map[string]tc.Offload

func (f fakeTC) Offload(_ context.Context, ifc tc.Interface) (tc.Offload, error) {
	o, ok := f[ifc.Name]
	if !ok {
		return tc.Offload{}, &errs.Error{Op: "get link", Device: ifc.Name, Err: errs.ErrNotFound}
	}
	return o, nil
}

func ufid(t *testing.T, s string) *dpflow.UFID {
	u, err := dpflow.ParseUFID(s)
	if err != nil {
		t.Fatal(err)
	}
	return &u
}

func reports(t *testing.T) fakeTC {
	cnt := uint32(1)
	return fakeTC{"pf0vf0": tc.Offload{Interface: "pf0vf0", Ifindex: 5, InHW: 1, NotInHW: 1, HWPackets: 90, HWBytes: 9000,
		Filters: []tc.OffloadFilter{
			{Interface: "pf0vf0", Parent: tc.ParentIngress, Priority: 2, Handle: 1, Kind: "flower", State: tc.StateInHW,
				Flags: tc.FlagSkipSW | tc.FlagInHW, InHWCount: &cnt, Packets: 100, HWPackets: 90, Bytes: 10000, HWBytes: 9000,
				UFID: ufid(t, "67c2e10f-92d4-4574-be70-d072815ff166"), Match: "eth_type 0x0800", Actions: "mirred egress redirect ifindex 7"},
			{Interface: "pf0vf0", Parent: tc.ParentIngress, Priority: 3, Handle: 2, Kind: "flower", State: tc.StateNotInHW,
				Flags: tc.FlagNotInHW, UFID: ufid(t, "00000001-0002-0003-0004-000000000005"), Actions: "drop"},
		}}}
}

func flowsFile(t *testing.T) func() (*dpflow.FlowDump, error) {
	return func() (*dpflow.FlowDump, error) {
		f, err := os.Open("../../testdata/tc/flows-join.txt")
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return dpflow.ReadDump(f, dpflow.Options{})
	}
}

func TestTableWithFlows(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	c := config{ifaces: []string{"pf0vf0"}, flows: "x"}
	if err := run(context.Background(), &b, c, reports(t), flowsFile(t)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"pf0vf0     ingress  0      2     0x1     in_hw",
		"pf0vf0: 2 filters: 1 in_hw, 1 not_in_hw, 0 skip_hw, 0 unknown; hardware 90 packets 9000 bytes",
		"67c2e10f-92d4-4574-be70-d072815ff166  2        tc offloaded:yes  in_hw",
		"OVS says offloaded:yes but its tc filters are not in_hw",
		"flows: 3 with ufid (1 in_hw, 1 with filters not in_hw, 0 from these interfaces without a filter, 1 from other ports), 0 without ufid, 1 disagreements; 0 orphan tc filters",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestJSONContract(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	c := config{ifaces: []string{"pf0vf0"}, json: true}
	if err := run(context.Background(), &b, c, reports(t), flowsFile(t)); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	ifs := doc["interfaces"].([]any)
	f := ifs[0].(map[string]any)["filters"].([]any)[0].(map[string]any)
	for _, k := range []string{"interface", "parent", "chain", "pref", "handle", "protocol", "kind", "state", "flags", "in_hw_count", "packets", "bytes", "hw_packets", "hw_bytes", "ufid", "match", "actions"} {
		if _, ok := f[k]; !ok {
			t.Errorf("filter lacks %q: %v", k, f)
		}
	}
	if f["ufid"] != "67c2e10f-92d4-4574-be70-d072815ff166" || f["state"] != "in_hw" || f["parent"] != "ffff:fff2" {
		t.Errorf("filter %v", f)
	}
	flows := doc["flows"].(map[string]any)
	for _, k := range []string{"flows", "orphans", "no_ufid", "in_hw", "tc_not_in_hw", "no_filter", "disagree", "unlisted"} {
		if _, ok := flows[k]; !ok {
			t.Errorf("flows lacks %q", k)
		}
	}
	fl := flows["flows"].([]any)[0].(map[string]any)
	if fl["in_hw"] != true || fl["in_port"] != "2" {
		t.Errorf("first flow %v", fl)
	}
}

func TestMissingInterfaceReported(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	c := config{ifaces: []string{"pf0vf0", "gone0"}}
	err := run(context.Background(), &b, c, reports(t), nil)
	if err == nil || !strings.Contains(err.Error(), "gone0") {
		t.Errorf("error %v", err)
	}
	if !strings.Contains(b.String(), "pf0vf0: 2 filters") {
		t.Errorf("the interface that exists is still reported:\n%s", b.String())
	}
}

// TestRecordedOVSEndToEnd runs the program's path with a real tc.Client on
// a fake socket that replays the flower dump OVS 3.1 wrote on p1 in the
// vmtest guest, joined with that OVS's dpctl/dump-flows -m.
func TestRecordedOVSEndToEnd(t *testing.T) {
	t.Parallel()
	rec, err := tctest.ReadRecording("../../testdata/tc/ovs-dump-p1.nl")
	if err != nil {
		t.Fatal(err)
	}
	filters := rec.ReceivedOfType(44) // RTM_NEWTFILTER
	ifindex := binary.NativeEndian.Uint32(filters[0].Data[4:8])
	dump := tctest.DumpServer(filters)
	conn := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
		h := req[0].Header
		switch h.Type {
		case 18: // RTM_GETLINK: p1
			body := make([]byte, 16)
			binary.NativeEndian.PutUint32(body[4:8], ifindex)
			return []netlink.Message{{Header: netlink.Header{Type: 16, Sequence: h.Sequence, PID: h.PID}, Data: body}}, nil
		case 38: // RTM_GETQDISC: an ingress qdisc
			body := make([]byte, 20)
			binary.NativeEndian.PutUint32(body[4:8], ifindex)
			binary.NativeEndian.PutUint32(body[8:12], 0xffff0000)
			binary.NativeEndian.PutUint32(body[12:16], uint32(tc.HandleIngress))
			body = append(body, 12, 0, 1, 0, 'i', 'n', 'g', 'r', 'e', 's', 's', 0)
			return tctest.DumpServer([]netlink.Message{{Header: netlink.Header{Type: 36}, Data: body}})(req)
		}
		return dump(req)
	})
	cl := tc.NewClient(conn)
	defer cl.Close()
	var b bytes.Buffer
	flows := func() (*dpflow.FlowDump, error) {
		f, err := os.Open("../../testdata/tc/ovs-dpctl-flows.txt")
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return dpflow.ReadDump(f, dpflow.Options{})
	}
	if err := run(context.Background(), &b, config{ifaces: []string{"p1"}}, cl, flows); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"p1: 6 filters: 0 in_hw, 0 not_in_hw, 6 skip_hw, 0 unknown; hardware 0 packets 0 bytes",
		"8e5bd946-e9c7-4dbf-8d0f-0f2b140b5671  p1       tc   skip_hw  p1:2/0x1(skip_hw)  4",
		"flows: 8 with ufid (0 in_hw, 3 with filters not in_hw, 0 from these interfaces without a filter, 5 from other ports), 0 without ufid, 0 disagreements; 3 orphan tc filters",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("\n%s", out)
}

func TestRepresentorsOfPF(t *testing.T) {
	t.Parallel()
	tree := offloadtest.New(t, offloadtest.CX5Switchdev())
	names, err := representors(context.Background(), tree.Root, "enp132s0f0np0")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"enp132s0f0np0", "enp132s0f0r0", "enp132s0f0r1", "enp132s0f0r2", "enp132s0f0r3"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("representors %v, want %v", names, want)
	}
	if _, err := representors(context.Background(), tree.Root, "../etc"); err == nil {
		t.Error("a bad PF name was accepted")
	}
}

// fakeVswitchd answers unixctl JSON-RPC requests on a unix socket with the
// recorded OVS flow dump, as ovs-vswitchd would.
func fakeVswitchd(t *testing.T) string {
	dump, err := os.ReadFile("../../testdata/tc/ovs-dpctl-flows.txt")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ovs-vswitchd.1.ctl")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Skip("cannot listen on a unix socket: ", err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				dec := json.NewDecoder(c)
				for {
					var req struct {
						Method string   `json:"method"`
						Params []string `json:"params"`
						ID     any      `json:"id"`
					}
					if err := dec.Decode(&req); err != nil {
						return
					}
					reply := map[string]any{"id": req.ID, "error": nil, "result": string(dump)}
					if req.Method != "dpctl/dump-flows" || len(req.Params) != 1 || req.Params[0] != "-m" {
						reply = map[string]any{"id": req.ID, "error": fmt.Sprintf("unexpected %s %v", req.Method, req.Params), "result": nil}
					}
					// No newline after the object: OVS sends none.
					out, _ := json.Marshal(reply)
					if _, err := c.Write(out); err != nil {
						return
					}
				}
			}()
		}
	}()
	return path
}

func TestUnixctlJoin(t *testing.T) {
	t.Parallel()
	ctl := fakeVswitchd(t)
	ctx := context.Background()
	var b bytes.Buffer
	src := fakeTC{"p1": tc.Offload{Interface: "p1", Filters: []tc.OffloadFilter{{Interface: "p1", Priority: 2, Handle: 1,
		State: tc.StateSkipHW, UFID: ufid(t, "8e5bd946-e9c7-4dbf-8d0f-0f2b140b5671")}}}}
	if err := run(ctx, &b, config{ifaces: []string{"p1"}, json: true}, src, unixctlFlows(ctx, ctl)); err != nil {
		t.Fatal(err)
	}
	var doc output
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Flows == nil || len(doc.Flows.Flows) != 8 || len(doc.Flows.Flows[0].Filters) != 1 {
		t.Fatalf("joined over unixctl: %s", b.String())
	}
}

// TestBadNetNSRefused: a -netns value that would leave /run/netns is
// refused with ErrInvalidArgument before anything is opened.
func TestBadNetNSRefused(t *testing.T) {
	t.Parallel()
	for _, ns := range []string{"../proc/1/ns/net", "a/b", ".", ".."} {
		var out bytes.Buffer
		err := main1(context.Background(), &out, config{netns: ns, ifaces: []string{"eth0"}})
		if !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("-netns %q: %v, want ErrInvalidArgument", ns, err)
		}
		if out.Len() != 0 {
			t.Errorf("-netns %q printed %q", ns, out.String())
		}
	}
}
