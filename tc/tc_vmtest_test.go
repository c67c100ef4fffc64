//go:build vmtest

package tc

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/internal/vmtest"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// vmEnv is a fresh network namespace with a veth pair v0/v1 and an ingress
// qdisc on v0, and a Client dialled into it.
type vmEnv struct {
	ns string
	c  *Client
}

func run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func newVMEnv(t testing.TB) *vmEnv {
	t.Helper()
	if os.Geteuid() != 0 {
		if vmtest.InGuest() {
			t.Fatal("not root inside the vmtest guest")
		}
		t.Skip("needs root to create a network namespace and veth pair")
	}
	if _, err := exec.LookPath("tc"); err != nil {
		t.Skip("iproute2's tc is needed to create the qdisc and cross-check: ", err)
	}
	ns := fmt.Sprintf("tcvm%d", os.Getpid())
	run(t, "ip", "netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	run(t, "ip", "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	run(t, "ip", "-n", ns, "link", "set", "v0", "up")
	run(t, "ip", "-n", ns, "link", "set", "v1", "up")
	run(t, "ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "v0", "ingress")
	f, err := os.Open("/run/netns/" + ns)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Dial(Config{NetNS: int(f.Fd())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e := &vmEnv{ns: ns, c: c}
	vmtest.Require(t, vmtest.FeatureFlower, func() error {
		probe := Filter{Kind: "flower", Parent: ParentIngress, Priority: 999, Protocol: EthPIPv4, Flags: FlagSkipHW,
			Flower: &Flower{}, Actions: []Action{{Kind: "gact", Verdict: VerdictOK}}}
		if err := c.AddFilter(context.Background(), Interface{Name: "v0"}, probe); err != nil {
			return err
		}
		return c.DeleteFilter(context.Background(), Interface{Name: "v0"}, Filter{Parent: ParentIngress, Priority: 999})
	})
	return e
}

// tcShow runs `tc -j -s filter show dev v0 ingress` in the namespace.
func (e *vmEnv) tcShow(t testing.TB) []tcJSON {
	t.Helper()
	out := run(t, "ip", "netns", "exec", e.ns, "tc", "-j", "-s", "filter", "show", "dev", "v0", "ingress")
	var v []tcJSON
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("tc -j output: %v\n%s", err, out)
	}
	return v
}

func TestVMFlowerRoundTrip(t *testing.T) {
	e := newVMEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v0 := Interface{Name: "v0"}
	u, _ := dpflow.ParseUFID("67c2e10f-92d4-4574-be70-d072815ff166")
	want := []Filter{
		{ // software only by request: skip_hw, expect not_in_hw
			Kind: "flower", Parent: ParentIngress, Priority: 1, Handle: 1, Protocol: EthP8021Q, Flags: FlagSkipHW,
			Flower: &Flower{Key: FlowerKey{
				EthType: EthP8021Q,
				VLAN:    &VLANKey{ID: p[uint16](100), EthType: EthPIPv4},
				Dst:     IPMatch{Addr: netip.MustParseAddr("10.0.0.0"), Mask: netip.MustParseAddr("255.255.255.0")},
				IPProto: p[uint8](17),
				DstPort: &Masked[uint16]{Value: 4789, Mask: 0xffff},
			}},
			Actions: []Action{{Kind: "gact", Verdict: VerdictShot, Cookie: cookie(u)}},
		},
		{ // offered to hardware: a veth has none, expect not_in_hw, in_hw_count 0
			Kind: "flower", Parent: ParentIngress, Priority: 2, Handle: 1, Protocol: EthPIPv6,
			Flower: &Flower{Key: FlowerKey{
				EthType: EthPIPv6,
				Src:     IPMatch{Addr: netip.MustParseAddr("2001:db8::1"), Mask: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")},
				CTState: &Masked[CTState]{Value: CTTracked | CTEstablished, Mask: CTTracked | CTEstablished},
			}},
			Actions: []Action{
				{Kind: "vlan", Verdict: VerdictPipe, VLAN: &VLANAction{Op: VLANPush, ID: p[uint16](200), Protocol: p(EthP8021Q)}},
				{Kind: "mirred", Verdict: VerdictStolen, Mirred: &Mirred{Action: EgressRedirect, Ifindex: 0}},
			},
		},
	}
	// The mirred target is v1, looked up in the namespace.
	links := run(t, "ip", "-n", e.ns, "-o", "link", "show", "v1")
	var idx uint32
	fmt.Sscanf(links, "%d:", &idx)
	want[1].Actions[1].Mirred.Ifindex = idx
	for _, f := range want {
		if err := e.c.AddFilter(ctx, v0, f); err != nil {
			t.Fatalf("add pref %d: %v", f.Priority, err)
		}
	}
	// skip_sw on a device without tc offload must be refused.
	skipSW := want[0]
	skipSW.Priority, skipSW.Flags = 3, FlagSkipSW
	if err := e.c.AddFilter(ctx, v0, skipSW); !errors.Is(err, errs.ErrNotSupported) && !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("skip_sw on veth: %v, want a refusal", err)
	} else {
		t.Logf("skip_sw refused as expected: %v", err)
	}
	if err := e.c.AddFilter(ctx, v0, want[0]); !errors.Is(err, errs.ErrExists) {
		t.Errorf("adding the same handle twice: %v, want ErrExists", err)
	}

	got, err := e.c.FilterList(ctx, v0, ParentIngress)
	if err != nil {
		t.Fatal(err)
	}
	var real []Filter
	for _, f := range got {
		if f.Flower != nil {
			real = append(real, f)
		}
	}
	if len(real) != 2 {
		t.Fatalf("dumped %d flower filters, want 2: %+v", len(real), got)
	}
	for i, f := range real {
		w := want[i]
		if f.Priority != w.Priority || f.Handle != w.Handle || f.Protocol != w.Protocol {
			t.Errorf("%d: pref %d handle %d proto %#x", i, f.Priority, f.Handle, f.Protocol)
		}
		if f.Flags&FlagNotInHW == 0 || f.Flags&FlagInHW != 0 || f.Flags&w.Flags != w.Flags {
			t.Errorf("%d: flags %s, want %s plus not_in_hw", i, f.Flags, w.Flags)
		}
		if f.InHWCount == nil || *f.InHWCount != 0 {
			t.Errorf("%d: in_hw_count %v, want 0", i, f.InHWCount)
		}
		if diff := cmpKeys(w.Flower.Key, f.Flower.Key); diff != "" {
			t.Errorf("%d: keys -sent +dumped:\n%s", i, diff)
		}
		if len(f.Actions) != len(w.Actions) {
			t.Fatalf("%d: %d actions", i, len(f.Actions))
		}
		for k, a := range f.Actions {
			if a.Kind != w.Actions[k].Kind || a.Verdict != w.Actions[k].Verdict || a.Stats == nil {
				t.Errorf("%d/%d: %s %s stats %v", i, k, a.Kind, a.Verdict, a.Stats)
			}
		}
	}
	if id, ok := real[0].Actions[0].UFID(); !ok || id != u {
		t.Errorf("cookie came back as %v %v", id, ok)
	}
	if a := real[1].Actions[0].VLAN; a == nil || *a.ID != 200 || *a.Protocol != EthP8021Q {
		t.Errorf("vlan push action %+v", a)
	}

	// iproute2 reads the same state the same way.
	tcj := e.tcShow(t)
	var tcReal []tcJSON
	for _, j := range tcj {
		if j.Options != nil {
			tcReal = append(tcReal, j)
		}
	}
	if len(tcReal) != 2 {
		t.Fatalf("tc shows %d filters", len(tcReal))
	}
	for i, j := range tcReal {
		if j.Options.NotInHW != (real[i].Flags&FlagNotInHW != 0) || j.Options.SkipHW != (real[i].Flags&FlagSkipHW != 0) {
			t.Errorf("%d: tc says skip_hw=%v not_in_hw=%v, we %s", i, j.Options.SkipHW, j.Options.NotInHW, real[i].Flags)
		}
		compareKeys(t, i, real[i].Flower.Key, j.Options.Keys)
	}
	// The classic byte-order bug: VLAN 100 must not show as 25600.
	if v, _ := tcReal[0].Options.Keys["vlan_id"].(float64); v != 100 {
		t.Errorf("tc shows vlan_id %v, want 100", tcReal[0].Options.Keys["vlan_id"])
	}

	o, err := e.c.Offload(ctx, v0)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Filters) != 2 || o.SkipHW != 1 || o.NotInHW != 1 || o.Filters[0].UFID == nil || *o.Filters[0].UFID != u {
		t.Errorf("offload report %+v", o)
	}

	// Delete one by handle, one by priority; then nothing is left.
	if err := e.c.DeleteFilter(ctx, v0, Filter{Parent: ParentIngress, Priority: 1, Handle: 1, Protocol: EthP8021Q, Kind: "flower"}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.DeleteFilter(ctx, v0, Filter{Parent: ParentIngress, Priority: 2}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.DeleteFilter(ctx, v0, Filter{Parent: ParentIngress, Priority: 1, Handle: 1, Protocol: EthP8021Q, Kind: "flower"}); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("deleting a missing filter: %v, want ErrNotFound", err)
	}
	left, err := e.c.FilterList(ctx, v0, ParentIngress)
	if err != nil || len(left) != 0 {
		t.Errorf("after delete: %d filters, %v", len(left), err)
	}
}

// cmpKeys compares the keys that were sent with the dumped ones. For VLAN
// matches the kernel dumps the inner EtherType as eth_type.
func cmpKeys(sent, dumped FlowerKey) string {
	if sent.VLAN != nil && sent.VLAN.EthType != 0 {
		sent.EthType = sent.VLAN.EthType
	}
	a, _ := json.Marshal(sent)
	b, _ := json.Marshal(dumped)
	if string(a) == string(b) {
		return ""
	}
	return fmt.Sprintf("- %s\n+ %s", a, b)
}

// TestVMDumpSideBySide is the side-by-side of issue 5: with N flower filters
// (10000 when run by name, see below) on a veth, it times a full dump and
// decode with FilterList against `tc -s filter show` and `tc -j -s filter
// show` writing to /dev/null, best of seven interleaved rounds, and logs the numbers
// (hack/tc-bench/run.sh runs it in the harness and prints them). It asserts
// only that both see N filters: timings are reported, not tested.
func TestVMDumpSideBySide(t *testing.T) {
	e := newVMEnv(t)
	// 10k when asked for alone (hack/tc-bench/run.sh passes exactly -run
	// TestVMDumpSideBySide); 1000 in a plain `make vmtest`, whose harness
	// passes ^(every|tagged|test)$ and only needs the path exercised. The
	// harness does not forward the host's environment, so
	// OFFLOADKIT_TCBENCH_N works only when the test binary is run by hand.
	n := 1000
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "TestVMDumpSideBySide" {
		n = 10000
	}
	if s := os.Getenv("OFFLOADKIT_TCBENCH_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	batch, err := os.CreateTemp("", "tcbatch")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(batch.Name())
	for i := 1; i <= n; i++ {
		fmt.Fprintf(batch, "filter add dev v0 ingress prio 1 handle %d protocol ip flower skip_hw dst_ip 10.%d.%d.%d ip_proto udp dst_port %d action drop cookie %032x\n",
			i, i>>16&0xff, i>>8&0xff, i&0xff, 1000+i%1000, i)
	}
	batch.Close()
	start := time.Now()
	run(t, "ip", "netns", "exec", e.ns, "tc", "-b", batch.Name())
	t.Logf("tc -b added %d filters in %v", n, time.Since(start).Round(time.Millisecond))

	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	tcRun := func(args ...string) func() {
		return func() {
			cmd := exec.Command("ip", append([]string{"netns", "exec", e.ns, "tc"}, args...)...)
			cmd.Stdout = devnull
			if err := cmd.Run(); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx := context.Background()
	var got, streamed int
	list := func() {
		fs, err := e.c.FilterList(ctx, Interface{Name: "v0"}, ParentIngress)
		if err != nil {
			t.Fatal(err)
		}
		got = 0
		for _, f := range fs {
			if f.Flower != nil {
				got++
			}
		}
	}
	stream := func() {
		streamed = 0
		for f, err := range e.c.Filters(ctx, Interface{Name: "v0"}, ParentIngress) {
			if err != nil {
				t.Fatal(err)
			}
			if f.Flower != nil {
				streamed++
			}
		}
	}
	// Interleaved rounds, best of each: the guest is emulated (TCG) on a
	// shared host, so single runs are noisy.
	runs := []struct {
		name string
		f    func()
		best time.Duration
	}{
		{"tc.Client.FilterList (dump+decode)", list, 0},
		{"tc.Client.Filters    (streamed)   ", stream, 0},
		{"tc -s filter show    > /dev/null  ", tcRun("-s", "filter", "show", "dev", "v0", "ingress"), 0},
		{"tc -j -s filter show > /dev/null  ", tcRun("-j", "-s", "filter", "show", "dev", "v0", "ingress"), 0},
	}
	for range 7 {
		for i := range runs {
			s := time.Now()
			runs[i].f()
			if d := time.Since(s); runs[i].best == 0 || d < runs[i].best {
				runs[i].best = d
			}
		}
	}
	if got != n || streamed != n {
		t.Fatalf("FilterList decoded %d flower filters, Filters %d, want %d", got, streamed, n)
	}
	shown := 0
	for _, j := range e.tcShow(t) {
		if j.Options != nil {
			shown++
		}
	}
	if shown != n {
		t.Errorf("tc -j shows %d filters, want %d", shown, n)
	}
	t.Logf("side-by-side, %d flower filters, best of 7 interleaved rounds (kernel %s):", n, strings.TrimSpace(run(t, "uname", "-r")))
	for _, r := range runs {
		t.Logf("  %s %10v  %7.2f us/filter", r.name, r.best.Round(time.Microsecond), float64(r.best.Microseconds())/float64(n))
	}
	t.Logf("  ratio tc -j / FilterList: %.2fx; tc (text) / FilterList: %.2fx", float64(runs[3].best)/float64(runs[0].best), float64(runs[2].best)/float64(runs[0].best))
}
