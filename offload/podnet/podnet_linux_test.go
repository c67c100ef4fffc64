//go:build linux

package podnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	"github.com/offloadkit/offloadkit/offload/podnet/podnettest"
)

// rig is an offloadtest tree whose VF netdevs and representors also exist
// as real links: for each VF under test, a veth pair in a private "host"
// namespace, one end named as the tree names the VF netdev, the other as
// it names the representor. Traffic aside, a veth pair behaves like a VF
// and its representor for everything AttachVF does with links.
type rig struct {
	tree     *offloadtest.Tree
	host     *offload.Host
	p        *Plumber
	hostNS   string
	podNS    string
	hostH    *netlink.Handle
	podH     *netlink.Handle
	vf       offload.PCIAddress
	vfName   string
	repName  string
	injected error
}

func newRig(t *testing.T, treeName, vf, vfName, repName string) *rig {
	t.Helper()
	return newRigIn(t, podnettest.NetNS(t, "okt-host"), treeName, vf, vfName, repName)
}

// newRigIn is newRig with the host namespace given (ovs-vswitchd's, say).
// The veth pair is removed when the test ends.
func newRigIn(t *testing.T, hostNS, treeName, vf, vfName, repName string) *rig {
	t.Helper()
	r := &rig{hostNS: hostNS, vf: offload.MustParsePCIAddress(vf), vfName: vfName, repName: repName}
	r.podNS = podnettest.NetNS(t, "okt-pod")
	r.tree = offloadtest.NewByName(t, treeName)
	r.host = r.tree.Host(t)
	r.hostH = podnettest.Handle(t, r.hostNS)
	r.podH = podnettest.Handle(t, r.podNS)
	podnettest.StandIn(t, r.hostNS, vfName, repName) // YUSUR (repName "") has no kernel representor: the peer is vfName+"x"
	r.p = New(r.host, Config{HostNetNS: r.hostNS})
	return r
}

// state is what AttachVF changes and DetachVF must restore.
type state struct {
	Host, Pod []string
	VF        offload.VFState
}

func linkStates(t *testing.T, h *netlink.Handle) []string {
	t.Helper()
	ls, err := h.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		a := l.Attrs()
		if a.Name == "lo" {
			continue
		}
		out = append(out, fmt.Sprintf("%s alias=%q up=%v", a.Name, a.Alias, a.Flags&net.FlagUp != 0))
	}
	sort.Strings(out)
	return out
}

func (r *rig) state(t *testing.T) state {
	t.Helper()
	v, err := r.host.VF(context.Background(), r.vf)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := r.host.PF(context.Background(), v.PF)
	if err != nil {
		t.Fatal(err)
	}
	s := state{Host: linkStates(t, r.hostH), Pod: linkStates(t, r.podH)}
	for _, x := range pf.VFs {
		if x.Index == v.Index && x.State != nil {
			s.VF = *x.State
		}
	}
	return s
}

func (r *rig) failAt(step Step) {
	r.injected = fmt.Errorf("injected failure at %q", step)
	r.p.inject = func(s Step) error {
		if s == step {
			return r.injected
		}
		return nil
	}
}

const containerID = "d85b161b6840aaf3e9d2b7c1f0e4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c"

var podA = Container{ID: containerID, IfName: "eth0"}
var podB = Container{ID: "aaaabbbbccccdddd", IfName: "eth0"}

func attachOpts() AttachOptions {
	vlan, on, off := 100, true, false
	return AttachOptions{MAC: net.HardwareAddr{0x0a, 0xc9, 0x1c, 0x70, 0x01, 0x09}, VLAN: &vlan, QoS: 2, Trust: &on, SpoofChk: &off,
		IfaceID: "nginx.default"}
}

func TestAttachDetachEndToEnd(t *testing.T) {
	t.Parallel()
	r := newRig(t, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	ctx := context.Background()
	before := r.state(t)

	a, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts())
	if err != nil {
		t.Fatal(err)
	}
	if a.HostIfName != "enp132s0f0v0" || a.RepresentorHostName != "enp132s0f0r0" || a.Representor.Netdev != "d85b161b6840_h" || a.VF.Index != 0 {
		t.Errorf("attachment = %+v", a)
	}
	wantPort := OVSPort{Name: "d85b161b6840_h", ExternalIDs: map[string]string{"iface-id": "nginx.default"}}
	if d := cmp.Diff(wantPort, a.Port); d != "" {
		t.Errorf("port (-want +got):\n%s", d)
	}
	got := r.state(t)
	want := state{
		Host: []string{`d85b161b6840_h alias="enp132s0f0r0" up=true`},
		Pod:  []string{`eth0 alias="enp132s0f0v0" up=true`},
		VF:   got.VF,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("after attach (-want +got):\n%s", d)
	}
	if got.VF.MAC != "0a:c9:1c:70:01:09" || got.VF.VLAN != 100 || got.VF.QoS != 2 || !*got.VF.Trust || *got.VF.SpoofChk {
		t.Errorf("VF settings after attach: %+v", got.VF)
	}

	if err := r.p.CheckVF(ctx, r.vf, podA, r.podNS); err != nil {
		t.Errorf("CHECK after ADD: %v", err)
	}
	if err := r.p.CheckVF(ctx, r.vf, podB, r.podNS); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("CHECK for another container: got %v, want ErrNotFound", err)
	}
	if _, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts()); !errors.Is(err, errs.ErrExists) {
		t.Errorf("second ADD for the same container: got %v, want ErrExists", err)
	}
	// A second attach of the same VF must not steal it from the pod.
	pod2 := podnettest.NetNS(t, "okt-pod2")
	if _, err := r.p.AttachVF(ctx, r.vf, podB, pod2, AttachOptions{}); !errors.Is(err, errs.ErrBusy) {
		t.Errorf("attach of an attached VF: got %v, want ErrBusy", err)
	}

	if err := r.p.DetachVF(ctx, r.vf, podA, r.podNS); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, r.state(t)); d != "" {
		t.Errorf("after detach, state differs from before attach (-before +after):\n%s", d)
	}
	// DEL is idempotent.
	if err := r.p.DetachVF(ctx, r.vf, podA, r.podNS); err != nil {
		t.Errorf("second detach: %v", err)
	}
	if err := r.p.DetachVF(ctx, r.vf, podA, ""); err != nil {
		t.Errorf("detach without a namespace: %v", err)
	}
	if d := cmp.Diff(before, r.state(t)); d != "" {
		t.Errorf("after repeated detach (-before +after):\n%s", d)
	}
}

func TestAttachRollbackAtEveryStep(t *testing.T) {
	t.Parallel()
	r := newRig(t, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	ctx := context.Background()
	before := r.state(t)
	for _, step := range AttachSteps() {
		t.Run(string(step), func(t *testing.T) {
			r.failAt(step)
			_, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts())
			if !errors.Is(err, r.injected) {
				t.Fatalf("got %v, want the injected error", err)
			}
			var oe *errs.Error
			if !errors.As(err, &oe) || oe.Op != string(step) || oe.Device != r.vf.String() {
				t.Errorf("error %v does not name the step and the VF", err)
			}
			if d := cmp.Diff(before, r.state(t)); d != "" {
				t.Errorf("not rolled back (-before +after):\n%s", d)
			}
		})
	}
	// And the VF still attaches once nothing fails.
	r.p.inject = nil
	if _, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts()); err != nil {
		t.Fatal(err)
	}
	if err := r.p.DetachVF(ctx, r.vf, podA, r.podNS); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, r.state(t)); d != "" {
		t.Errorf("(-before +after):\n%s", d)
	}
}

// TestAttachRealFailures uses failures the kernel itself reports rather
// than injected ones: a name already taken in the pod, one taken in the
// host for the representor (found only after the VF is in the pod, so
// everything unwinds). This kernel has no dummy links: veths stand in.
func TestAttachRealFailures(t *testing.T) {
	t.Parallel()
	r := newRig(t, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	ctx := context.Background()
	if err := r.podH.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0"}, PeerName: "peer0"}); err != nil {
		t.Fatal(err)
	}
	before := r.state(t)
	if _, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts()); !errors.Is(err, errs.ErrExists) {
		t.Errorf("pod has eth0: got %v, want ErrExists", err)
	}
	if d := cmp.Diff(before, r.state(t)); d != "" {
		t.Errorf("(-before +after):\n%s", d)
	}
	pod2 := podnettest.NetNS(t, "okt-pod2")
	pod2H := podnettest.Handle(t, pod2)
	if err := r.hostH.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "d85b161b6840_h"}, PeerName: "peer1"}); err != nil {
		t.Fatal(err)
	}
	before = r.state(t)
	if _, err := r.p.AttachVF(ctx, r.vf, podA, pod2, attachOpts()); !errors.Is(err, errs.ErrExists) {
		t.Errorf("representor name taken: got %v, want ErrExists", err)
	}
	if d := cmp.Diff(before, r.state(t)); d != "" {
		t.Errorf("(-before +after):\n%s", d)
	}
	if got := linkStates(t, pod2H); len(got) != 0 {
		t.Errorf("pod 2 kept %v", got)
	}
	// Bad input touches nothing.
	for _, bad := range []struct{ ns, ifn string }{{"relative/ns", "eth0"}, {r.podNS, "eth0/x"}, {r.podNS, ""}, {r.podNS + "/../x", "eth0"}} {
		if _, err := r.p.AttachVF(ctx, r.vf, Container{containerID, bad.ifn}, bad.ns, AttachOptions{}); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("AttachVF(%q, %q): got %v", bad.ns, bad.ifn, err)
		}
	}
	if _, err := r.p.AttachVF(ctx, r.vf, Container{"../../etc/passwd", "eth0"}, pod2, AttachOptions{}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad container ID: %v", err)
	}
	if w := r.tree.Writes(); len(w) != 0 {
		t.Errorf("sysfs writes: %v", w)
	}
}

// TestDetachFailureAtEveryStep: a DEL that fails at any of its steps keeps
// the record, so that the retried DEL finishes the job and the host ends
// exactly as before ADD.
func TestDetachFailureAtEveryStep(t *testing.T) {
	t.Parallel()
	r := newRig(t, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	ctx := context.Background()
	before := r.state(t)
	for _, step := range []Step{StepMoveToHost, StepResetVF, StepRestoreRepresentor, StepForget} {
		t.Run(string(step), func(t *testing.T) {
			r.p.inject = nil
			if _, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts()); err != nil {
				t.Fatal(err)
			}
			r.failAt(step)
			if err := r.p.DetachVF(ctx, r.vf, podA, r.podNS); !errors.Is(err, r.injected) {
				t.Fatalf("got %v, want the injected error", err)
			}
			if rec, err := loadRecord(r.p.runDir, r.vf); err != nil || rec == nil || rec.Container != podA {
				t.Fatalf("after a failed DEL the record is %+v, %v; want podA's", rec, err)
			}
			r.p.inject = nil
			if err := r.p.DetachVF(ctx, r.vf, podA, r.podNS); err != nil {
				t.Fatalf("retried detach: %v", err)
			}
			if d := cmp.Diff(before, r.state(t)); d != "" {
				t.Errorf("after retried detach (-before +after):\n%s", d)
			}
			if rec, err := loadRecord(r.p.runDir, r.vf); rec != nil || err != nil {
				t.Errorf("record after DEL: %+v, %v", rec, err)
			}
		})
	}
}

// TestDetachRacesReattach runs a delete of a VF's old pod against an add
// of the same VF to a new pod, as the device plugin can cause by handing
// the VF out again at once. The per-VF lock serialises them: either the add
// runs first and finds the VF busy, or it runs after the delete and gets a
// VF that is wholly back in the host. Run with -race.
func TestDetachRacesReattach(t *testing.T) {
	t.Parallel()
	r := newRig(t, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	ctx := context.Background()
	pod2 := podnettest.NetNS(t, "okt-pod2")
	pod2H := podnettest.Handle(t, pod2)
	before := r.state(t)
	const rounds = 25
	won := 0
	for i := 0; i < rounds; i++ {
		if _, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts()); err != nil {
			t.Fatalf("round %d: attach to pod 1: %v", i, err)
		}
		var wg sync.WaitGroup
		var delErr, addErr error
		wg.Add(2)
		go func() { defer wg.Done(); delErr = r.p.DetachVF(ctx, r.vf, podA, r.podNS) }()
		go func() {
			defer wg.Done()
			_, addErr = r.p.AttachVF(ctx, r.vf, podB, pod2, AttachOptions{IfaceID: "new.default"})
		}()
		wg.Wait()
		if delErr != nil {
			t.Fatalf("round %d: detach: %v", i, delErr)
		}
		switch {
		case addErr == nil:
			won++
			if got := linkStates(t, pod2H); !cmp.Equal(got, []string{`eth0 alias="enp132s0f0v0" up=true`}) {
				t.Fatalf("round %d: pod 2 = %v", i, got)
			}
			if got := linkStates(t, r.podH); len(got) != 0 {
				t.Fatalf("round %d: pod 1 still has %v", i, got)
			}
			if err := r.p.DetachVF(ctx, r.vf, podB, pod2); err != nil {
				t.Fatalf("round %d: detach from pod 2: %v", i, err)
			}
		case errors.Is(addErr, errs.ErrBusy):
		default:
			t.Fatalf("round %d: add: %v (want success or ErrBusy)", i, addErr)
		}
		if d := cmp.Diff(before, r.state(t)); d != "" {
			t.Fatalf("round %d: (-before +after):\n%s", i, d)
		}
	}
	t.Logf("%d of %d re-adds ran after the delete, %d found the VF busy", won, rounds, rounds-won)
}

// TestAttachYUSUR covers a VF whose representor is a DPDK port: no kernel
// representor to rename, and the OVS port carries the devargs.
func TestAttachYUSUR(t *testing.T) {
	t.Parallel()
	r := newRig(t, "yusur-2200e", "0000:00:0a.3", "p0v2", "")
	ctx := context.Background()
	before := r.state(t)
	a, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, AttachOptions{IfaceID: "nginx.default"})
	if err != nil {
		t.Fatal(err)
	}
	want := OVSPort{Name: "d85b161b6840_h", Type: "dpdk",
		Options:     map[string]string{"dpdk-devargs": "0000:00:0a.0,representor=[2]"},
		ExternalIDs: map[string]string{"iface-id": "nginx.default"}}
	if d := cmp.Diff(want, a.Port); d != "" || a.Representor != nil {
		t.Errorf("port (-want +got):\n%s\nrepresentor %+v", d, a.Representor)
	}
	if err := r.p.DetachVF(ctx, r.vf, podA, r.podNS); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, r.state(t)); d != "" {
		t.Errorf("(-before +after):\n%s", d)
	}
}

// TestDetachAfterPodNetnsGone: when the pod's namespace is destroyed
// before DEL, a physical VF returns to the initial namespace by itself
// (a veth is destroyed with it, representor end included). DEL must still
// succeed, reset the VF and not touch what is not its own.
func TestDetachAfterPodNetnsGone(t *testing.T) {
	t.Parallel()
	r := newRig(t, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	ctx := context.Background()
	if _, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts()); err != nil {
		t.Fatal(err)
	}
	if err := netns.DeleteNamed(filepath.Base(r.podNS)); err != nil {
		t.Fatal(err)
	}
	r.podH.Close() // drop the test's reference so the namespace dies
	if err := r.p.DetachVF(ctx, r.vf, podA, r.podNS); err != nil {
		t.Fatalf("detach with the pod namespace gone: %v", err)
	}
	if err := r.p.DetachVF(ctx, r.vf, podA, ""); err != nil {
		t.Fatalf("detach with no namespace: %v", err)
	}
	v, err := r.host.PF(ctx, offload.MustParsePCIAddress("0000:84:00.0"))
	if err != nil {
		t.Fatal(err)
	}
	if st := v.VFs[0].State; st == nil || st.MAC != "00:00:00:00:00:00" || st.VLAN != 0 || *st.Trust || !*st.SpoofChk {
		t.Errorf("VF not reset: %+v", st)
	}
}

// TestDetachLeavesForeignLink: a pod interface that is not the VF (no
// alias, and the VF's netdev is in the host) is not taken out of the pod.
func TestDetachLeavesForeignLink(t *testing.T) {
	t.Parallel()
	r := newRig(t, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	if err := r.podH.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0"}, PeerName: "peer0"}); err != nil {
		t.Fatal(err)
	}
	before := r.state(t)
	if err := r.p.DetachVF(context.Background(), r.vf, podA, r.podNS); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, r.state(t)); d != "" {
		t.Errorf("(-before +after):\n%s", d)
	}
}

// TestParallelAttachDifferentVFs attaches four VFs of two PFs to four pods
// at once and detaches them at once: the per-VF locks must not serialise
// or confuse different VFs, and the Host's shared caches must hold up
// under the race detector.
func TestParallelAttachDifferentVFs(t *testing.T) {
	t.Parallel()
	hostNS := podnettest.NetNS(t, "okt-host")
	tree := offloadtest.NewByName(t, "cx5-switchdev")
	host := tree.Host(t)
	hostH := podnettest.Handle(t, hostNS)
	type vfCase struct {
		vf, vfName, rep, pod, id string
	}
	var cases []vfCase
	for i, v := range []struct{ vf, vfName, rep string }{
		{"0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0"}, {"0000:84:00.5", "enp132s0f0v3", "enp132s0f0r3"},
		{"0000:84:00.7", "enp132s0f1v1", "enp132s0f1r1"}, {"0000:84:01.1", "enp132s0f1v3", "enp132s0f1r3"},
	} {
		// Representors are up, as OVS and the CNIs leave them; DetachVF
		// does not take them down.
		podnettest.StandIn(t, hostNS, v.vfName, v.rep)
		cases = append(cases, vfCase{v.vf, v.vfName, v.rep, podnettest.NetNS(t, "okt-pod"), fmt.Sprintf("%012d%s", i, "abcdef")})
	}
	// The tree's VF addresses must be what the table says.
	for _, c := range cases {
		v, err := host.VF(context.Background(), offload.MustParsePCIAddress(c.vf))
		if err != nil || v.Netdev != c.vfName {
			t.Fatalf("VF %s: %+v, %v (want netdev %s)", c.vf, v, err, c.vfName)
		}
	}
	before := linkStates(t, hostH)
	p := New(host, Config{HostNetNS: hostNS})
	var wg sync.WaitGroup
	errc := make(chan error, len(cases))
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.AttachVF(context.Background(), offload.MustParsePCIAddress(c.vf), Container{c.id, "eth0"}, c.pod, AttachOptions{})
			errc <- err
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := linkStates(t, hostH); len(got) != len(cases) {
		t.Errorf("host after attach: %v", got)
	}
	for _, c := range cases {
		if got := linkStates(t, podnettest.Handle(t, c.pod)); !cmp.Equal(got, []string{fmt.Sprintf("eth0 alias=%q up=true", c.vfName)}) {
			t.Errorf("pod of %s: %v", c.vf, got)
		}
	}
	errc = make(chan error, len(cases))
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- p.DetachVF(context.Background(), offload.MustParsePCIAddress(c.vf), Container{c.id, "eth0"}, c.pod)
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	after := linkStates(t, hostH)
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("(-before +after):\n%s", d)
	}
}

// TestCheckAndDetachRespectOthersChanges: a VF setting changed by someone
// else after ADD makes CHECK fail with ErrNotApplied naming it, and DEL
// leaves that setting alone (it is no longer ADD's) while restoring the
// rest.
func TestCheckAndDetachRespectOthersChanges(t *testing.T) {
	t.Parallel()
	r := newRig(t, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	ctx := context.Background()
	before := r.state(t)
	if _, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts()); err != nil {
		t.Fatal(err)
	}
	other := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x42}
	if err := r.host.ConfigureVF(ctx, offload.MustParsePCIAddress("0000:84:00.0"), 0, offload.VFConfig{MAC: other}); err != nil {
		t.Fatal(err)
	}
	err := r.p.CheckVF(ctx, r.vf, podA, r.podNS)
	if !errors.Is(err, errs.ErrNotApplied) || !strings.Contains(err.Error(), "VF MAC 02:00:00:00:00:42") {
		t.Errorf("CHECK after someone changed the MAC: %v", err)
	}
	if err := r.p.DetachVF(ctx, r.vf, podA, r.podNS); err != nil {
		t.Fatal(err)
	}
	want := before
	want.VF.MAC = other.String()
	if d := cmp.Diff(want, r.state(t)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
