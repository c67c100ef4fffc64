package unixctl

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

func TestDumpOptionsArgs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		o    DumpOptions
		want []string
	}{
		{DumpOptions{}, nil},
		{DumpOptions{More: true, Type: "offloaded"}, []string{"-m", "type=offloaded"}},
		{DumpOptions{Names: true, Datapath: "system@ovs-system", Filter: "ip,nw_dst=10.0.0.1", Type: "tc,offloaded"},
			[]string{"--names", "system@ovs-system", "filter=ip,nw_dst=10.0.0.1", "type=tc,offloaded"}},
	} {
		got, err := tc.o.Args()
		if err != nil {
			t.Errorf("%+v: %v", tc.o, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%+v -want +got:\n%s", tc.o, diff)
		}
	}
	for _, o := range []DumpOptions{
		{Type: "offloaded type=all"}, {Type: "TC"}, {Datapath: "-m"}, {Datapath: "a b"},
		{Datapath: "x=y"}, {Filter: "in_port(1)\n"},
	} {
		if _, err := o.Args(); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("%+v: %v, want ErrInvalidArgument", o, err)
		}
	}
}

// TestDumpFlowsFake checks the dump helpers end to end against the fake
// server: the arguments sent, the parsed flows, Source and Filter, and
// that a line that does not parse is reported, not dropped.
func TestDumpFlowsFake(t *testing.T) {
	t.Parallel()
	dump := "flow-dump from the main thread:\n" +
		"ufid:5eb34547-e84c-490a-abaf-4e14e0b44411, recirc_id(0),in_port(pf0vf1),eth_type(0x0800),ipv4(frag=no), packets:5, bytes:420, used:0.5s, offloaded:yes, dp:tc, actions:pf0vf2\n" +
		"recirc_id(0),in_port(2),eth_type(0x0800), packets:many, bytes:1, used:never, actions:1\n"
	var gotParams []string
	s := newFakeServer(t, func(method string, params []string, id json.RawMessage) []byte {
		if method != "dpctl/dump-flows" {
			return errReply(id, "no")
		}
		gotParams = params
		return okReply(id, dump)
	})
	ctx := context.Background()
	c, err := Dial(ctx, Config{Path: s.path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.DumpFlows(ctx, DumpOptions{More: true, Type: "offloaded"})
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(gotParams, []string{"-m", "type=offloaded"}) {
		t.Errorf("params %q", gotParams)
	}
	if len(d.Flows) != 1 || !d.Flows[0].InHardware() || d.Flows[0].InPort != "pf0vf1" || d.Flows[0].Packets != 5 {
		t.Errorf("flows %+v", d.Flows)
	}
	if len(d.Errors) != 1 || d.Errors[0].Line != 3 {
		t.Errorf("errors %v, want line 3", d.Errors)
	}
	if d.Source != "unixctl:"+s.path || d.Filter != "-m type=offloaded" {
		t.Errorf("source %q filter %q", d.Source, d.Filter)
	}
	if _, err := c.DumpFlows(ctx, DumpOptions{Parse: dpflow.Options{Strict: true}}); err == nil {
		t.Error("strict mode accepted a line that is not a flow")
	}
	sc, err := c.ScanFlows(ctx, DumpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for f, err := range sc.All() {
		if err == nil && strings.HasPrefix(f.InPort, "pf0") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("scanner yielded %d flows", n)
	}
	if text, err := c.DumpFlowsText(ctx, DumpOptions{}); err != nil || string(text) != dump {
		t.Errorf("text %q, %v", text, err)
	}
}
