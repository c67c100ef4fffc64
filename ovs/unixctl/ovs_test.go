package unixctl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/ovs/ovstest"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// realOVS starts the private OVS with br0 and two namespaced ports, pings
// across it so the datapath has flows, and dials its control socket.
func realOVS(t testing.TB) (*ovstest.OVS, *unixctl.Client) {
	t.Helper()
	o := ovstest.Start(t)
	// Flows stay for the test's duration (default max-idle is 10 s), so
	// two dumps taken apart hold the same flows.
	ctx0, cancel0 := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel0()
	if g, err := o.DB.SetMaxIdle(ctx0, time.Hour); err != nil {
		t.Fatal(err)
	} else if err := o.DB.WaitApplied(ctx0, g); err != nil {
		t.Fatal(err)
	}
	o.AddBridge(t, "br0")
	a := o.AddNetnsPort(t, "br0", "uct-a", "10.78.0.1/24")
	b := o.AddNetnsPort(t, "br0", "uct-b", "10.78.0.2/24")
	if err := a.Ping(b.IP, 3); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := unixctl.Dial(ctx, o.Target())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return o, c
}

// appctl runs ovs-appctl against the private OVS: tests may exec it to
// cross-check; the library never does.
func appctl(t testing.TB, o *ovstest.OVS, c *unixctl.Client, args ...string) (string, error) {
	t.Helper()
	bin, ok := o.Bin("ovs-appctl")
	if !ok {
		t.Skip("cross-check needs ovs-appctl (openvswitch-common)")
	}
	cmd := exec.Command(bin, append([]string{"-t", c.Path()}, args...)...)
	cmd.Env = append(os.Environ(), o.Env()...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("ovs-appctl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out.String(), err
}

var usedRE = regexp.MustCompile(`used:[0-9.]+s`)

// normalize blanks used: times and sorts the lines of a dump.
func normalize(dump string) string {
	lines := strings.Split(usedRE.ReplaceAllString(dump, "used:T"), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// flowLines counts the lines of a dump that are flows (not the
// "flow-dump from ..." headers).
func flowLines(text string) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		if l != "" && !strings.HasPrefix(l, "flow-dump from") {
			n++
		}
	}
	return n
}

func TestRealDumpFlows(t *testing.T) {
	t.Parallel()
	o, c := realOVS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	v, err := c.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != o.Version.Version || v.Program != "ovs-vswitchd" {
		t.Errorf("version over unixctl %+v, ovs-vswitchd --version %+v", v, o.Version)
	}

	for _, opt := range []unixctl.DumpOptions{
		{},
		{More: true},
		{Names: true},
		{More: true, Type: "ovs"},
		{Datapath: "netdev@ovs-netdev", Filter: "in_port(2)"},
	} {
		args, err := opt.Args()
		if err != nil {
			t.Fatal(err)
		}
		name := strings.Join(args, " ")
		text, err := c.DumpFlowsText(ctx, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Every line parses, in strict mode too.
		strict := opt
		strict.Parse.Strict = true
		sd, err := dpflow.ParseDump(string(text), strict.Parse)
		if err != nil {
			t.Fatalf("%s: strict parse: %v\n%s", name, err, text)
		}
		if want := flowLines(string(text)); len(sd.Flows) != want || want == 0 {
			t.Errorf("%s: parsed %d flows from %d flow lines", name, len(sd.Flows), want)
		}
		if opt.More {
			for _, f := range sd.Flows {
				if f.UFID == (dpflow.UFID{}) || f.DP != "ovs" {
					t.Errorf("%s: -m flow without ufid or dp:ovs: %s", name, f.String())
				}
			}
		}
		d, err := c.DumpFlows(ctx, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(d.Errors) != 0 || len(d.Flows) == 0 || !strings.HasPrefix(d.Source, "unixctl:") || d.Filter != name {
			t.Errorf("%s: dump %d flows, errors %v, source %q, filter %q", name, len(d.Flows), d.Errors, d.Source, d.Filter)
		}

		// The same dump through ovs-appctl holds the same flows. Counters
		// and used: may move between the two dumps; the flows themselves
		// (match and actions) may not.
		out, err := appctl(t, o, c, append([]string{"dpctl/dump-flows"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		// No traffic flows between the dumps and nothing expires, so the
		// texts are the same but for used: times and the line order
		// (flows are dumped from a hash table).
		if a, b := normalize(string(text)), normalize(out); a != b {
			t.Errorf("%s: unixctl and ovs-appctl texts differ beyond used: times\nunixctl:\n%s\novs-appctl:\n%s", name, a, b)
		}
		ad, err := dpflow.ParseDump(out, strict.Parse)
		if err != nil {
			t.Fatalf("%s: parsing ovs-appctl output: %v", name, err)
		}
		key := func(f *dpflow.Flow) string {
			g := *f
			g.Line, g.Packets, g.Bytes, g.Used, g.NeverUsed, g.TCPFlags = 0, 0, 0, 0, false, 0
			return g.String()
		}
		got := map[string]*dpflow.Flow{}
		for i := range sd.Flows {
			got[key(&sd.Flows[i])] = &sd.Flows[i]
		}
		for i := range ad.Flows {
			af := &ad.Flows[i]
			uf, ok := got[key(af)]
			if !ok {
				t.Errorf("%s: ovs-appctl has a flow unixctl did not return:\n%s", name, af.String())
				continue
			}
			if af.Packets < uf.Packets || af.Bytes < uf.Bytes {
				t.Errorf("%s: counters went back between dumps: unixctl %d/%d, ovs-appctl %d/%d", name, uf.Packets, uf.Bytes, af.Packets, af.Bytes)
			}
			delete(got, key(af))
		}
		for _, f := range got {
			// A flow may idle out between the dumps; say so if it happens.
			t.Logf("%s: flow only in the unixctl dump (expired in between?): %s", name, f.String())
		}
		if len(got) > len(sd.Flows)/2 {
			t.Errorf("%s: %d of %d flows missing from the ovs-appctl dump", name, len(got), len(sd.Flows))
		}
	}

	// The show commands, typed, against the bridge that was built.
	dps, err := c.DpctlShow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dps) != 1 || dps[0].Name != "ovs-netdev" || len(dps[0].Ports) != 4 || dps[0].Flows == 0 {
		t.Errorf("dpctl/show: %+v", dps)
	}
	out, err := appctl(t, o, c, "dpctl/show")
	if err != nil {
		t.Fatal(err)
	}
	if ad := unixctl.ParseDpctlShow(out); len(ad) != 1 || fmt.Sprint(ad[0].Ports) != fmt.Sprint(dps[0].Ports) {
		t.Errorf("dpctl/show ports differ: unixctl %+v, ovs-appctl %+v", dps, ad)
	}

	// Feature probe: the commands this daemon has, as ovs-appctl lists them.
	cmds, err := c.Commands(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err = appctl(t, o, c, "list-commands")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cmds) != fmt.Sprint(unixctl.ParseCommands(out)) || len(cmds) < 50 {
		t.Errorf("list-commands: %d over unixctl, ovs-appctl lists %d", len(cmds), len(unixctl.ParseCommands(out)))
	}
	for name, want := range map[string]bool{"dpctl/dump-flows": true, "dpif/show": true, "no/such": false} {
		if ok, err := c.Supports(ctx, name); err != nil || ok != want {
			t.Errorf("Supports(%s) = %v, %v", name, ok, err)
		}
	}

	// Error replies from the real daemon map to the sentinels.
	if _, err := c.Call(ctx, "no/such-command"); !errors.Is(err, errs.ErrNotSupported) {
		t.Errorf("unknown command: %v", err)
	}
	if _, err := c.DumpFlows(ctx, unixctl.DumpOptions{Type: "bogus"}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad type=: %v", err)
	}
	if _, err := c.DumpFlows(ctx, unixctl.DumpOptions{Datapath: "system@nope"}); err == nil {
		t.Error("dump of a missing datapath succeeded")
	}
	if _, err := c.DumpFlows(ctx, unixctl.DumpOptions{Type: "x y"}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("type with a space: %v", err)
	}
}

// addFlows installs n synthetic datapath flows through dpctl/add-flows
// (a file that ovs-vswitchd reads itself) so a dump has n lines more. Each
// flow matches a distinct IPv4 source on in_port 2 and outputs to 3.
func addFlows(t testing.TB, o *ovstest.OVS, c *unixctl.Client, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "in_port(2),eth(src=02:00:00:%02x:%02x:01,dst=02:00:00:00:00:02),eth_type(0x0800),"+
			"ipv4(src=10.%d.%d.%d,dst=10.200.0.1,proto=17,tos=0,ttl=64,frag=no),udp(src=%d,dst=4789) 3\n",
			i>>8&0xff, i&0xff, 100+i>>16, i>>8&0xff, i&0xff, 1024+i%50000)
	}
	path := filepath.Join(o.Dir, "flows.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Keep the flows: revalidators would delete flows that OpenFlow did
	// not produce. revalidator/pause is an OVS test hook; without it
	// (older builds) the dump still holds the flows for max-idle.
	if _, err := c.Call(ctx, "revalidator/pause"); err != nil {
		t.Logf("revalidator/pause: %v", err)
	}
	if _, err := c.Call(ctx, "dpctl/add-flows", path); err != nil {
		t.Fatal(err)
	}
}

func TestRealManyFlows(t *testing.T) {
	t.Parallel()
	o, c := realOVS(t)
	const n = 2000
	addFlows(t, o, c, n)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sc, err := c.ScanFlows(ctx, unixctl.DumpOptions{More: true, Parse: dpflow.Options{Strict: true}})
	if err != nil {
		t.Fatal(err)
	}
	count, synthetic := 0, 0
	for f, err := range sc.All() {
		if err != nil {
			t.Fatal(err)
		}
		count++
		if f.InPort == "uct-a" {
			for out := range f.Outputs() {
				if out == "uct-b" {
					synthetic++
				}
			}
		}
	}
	if synthetic < n || count < n {
		t.Errorf("dump has %d flows, %d of them the synthetic in_port(uct-a) -> uct-b ones; want at least %d", count, synthetic, n)
	}
}
