package switchdev_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/switchdev"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/internal/devlink"
	"github.com/offloadkit/offloadkit/internal/ethtool"
	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

var update = flag.Bool("update", false, "rewrite testdata/plans/*.txt")

// normalize replaces the tree's temporary root in rendered text.
func normalize(s, root string) string { return strings.ReplaceAll(s, root, "$ROOT") }

// TestPlanGolden plans every PF of every bundled tree, compares the dry
// run with testdata/plans/<tree>.txt, applies the plans, and checks that
// planning again gives empty plans.
func TestPlanGolden(t *testing.T) {
	// Building the 16x256 tree is I/O bound and slow; overlap it with the
	// fault injection test.
	t.Parallel()
	for _, name := range offloadtest.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if name == "large" && testing.Short() {
				t.Skip("building the 16x256 tree writes ~60000 files (about a minute); -short skips it")
			}
			tr, h := openTree(t, name)
			ctx := context.Background()
			spec := goldenSpec(name)
			pfs, err := h.Discover(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "# tree %s: %s\n# spec: %+v\n\n", name, tr.Spec.Description, spec)
			var plans []*switchdev.Plan
			for _, pf := range pfs {
				p, err := h.Plan(ctx, pf.Address, spec)
				if err != nil {
					fmt.Fprintf(&b, "%s: cannot plan: %v\n\n", pf.Address, err)
					continue
				}
				b.WriteString(p.String())
				b.WriteString("\n")
				plans = append(plans, p)
			}
			got := normalize(b.String(), tr.Root)
			golden := filepath.Join("..", "..", "testdata", "plans", name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./offload/switchdev -run TestPlanGolden -update)", err)
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("plans differ from %s (-want +got):\n%s", golden, d)
			}
			// Apply in order; a VF LAG plan covers its peer, whose own
			// plan is then recomputed under the lock and comes out empty.
			if name == "large" {
				// Applying and re-reading 16x256 VFs on the fake takes
				// minutes; the first two PFs show the same thing.
				plans, pfs = plans[:2], pfs[:2]
			}
			for _, p := range plans {
				if err := p.Apply(ctx); err != nil {
					t.Fatalf("apply %s: %v", p.PF, err)
				}
			}
			for _, pf := range pfs {
				p, err := h.Plan(ctx, pf.Address, spec)
				if err != nil {
					t.Fatalf("second plan of %s: %v", pf.Address, err)
				}
				if !p.Empty() {
					t.Errorf("second plan of %s is not empty:\n%s", pf.Address, p)
				}
			}
			for _, st := range hostState(t, h) {
				want := spec.NumVFs
				if want == switchdev.KeepNumVFs {
					want = st.NumVFs
				}
				if st.NumVFs != want {
					t.Errorf("%s: %d VFs after apply, want %d", st.PF, st.NumVFs, want)
				}
			}
		})
	}
}

// TestApplyResult checks the state the cx5-legacy plan leaves, against
// the guide: switchdev, VFs bound to mlx5_core, representors, smfs,
// autoprobe restored.
func TestApplyResult(t *testing.T) {
	t.Parallel()
	_, h := openTree(t, "cx5-legacy")
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	p, err := h.Plan(ctx, pf, goldenSpec("cx5-legacy"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := h.State(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode != offload.ESwitchModeSwitchdev || st.NumVFs != 4 || st.VFReps != 4 || !st.Autoprobe {
		t.Errorf("state after apply: %s (reps %d, autoprobe %v)", st.Summary(), st.VFReps, st.Autoprobe)
	}
	for i, d := range st.VFDrivers {
		if d != "mlx5_core" {
			t.Errorf("VF %d bound to %q", i, d)
		}
	}
	rep, err := h.VFPortRef(ctx, offload.MustParsePCIAddress("0000:84:00.3"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != switchdev.RepresentorNetdev || rep.VF != 1 || rep.Netdev == "" {
		t.Errorf("representor of VF 1: %+v", rep)
	}
}

// faultCase is a plan whose every mutating step is failed in turn.
type faultCase struct {
	tree string
	pf   string
	spec switchdev.Spec
	// setup prepares the tree before the host state is first read.
	setup func(t *testing.T, tr *offloadtest.Tree)
}

// mlnxOFEDSteering makes 84:00.1 look like MLNX_OFED on an old kernel:
// devlink has no flow_steering_mode, compat/devlink/steering_mode has.
func mlnxOFEDSteering(t *testing.T, tr *offloadtest.Tree) {
	tr.FailDevlink("0000:84:00.1", offloadtest.DevlinkParamGet, syscall.EINVAL, "Failed to find parameter")
	writeFile(t, tr.Root, "sys/class/net/enp132s0f1np1/compat/devlink/steering_mode", "dmfs\n")
}

var faultCases = []faultCase{
	{tree: "cx5-legacy", pf: "0000:84:00.0", spec: switchdev.Spec{NumVFs: 4, HWTCOffload: true, FlowSteering: offload.FlowSteeringSMFS, Mode: offload.ESwitchModeSwitchdev}},
	{tree: "cx5-legacy", pf: "0000:84:00.1", spec: switchdev.Spec{NumVFs: 3, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev}},
	{tree: "cx5-switchdev", pf: "0000:84:00.0", spec: switchdev.Spec{NumVFs: 2, Mode: offload.ESwitchModeLegacy}},
	{tree: "cx5-bond", pf: "0000:84:00.0", spec: switchdev.Spec{NumVFs: 2, HWTCOffload: true, Bond: switchdev.BondVFLAG, Mode: offload.ESwitchModeSwitchdev}},
	{tree: "cx5-bond", pf: "0000:84:00.1", spec: switchdev.Spec{NumVFs: 1, HWTCOffload: true, Bond: switchdev.BondRelease, Mode: offload.ESwitchModeSwitchdev}},
	{tree: "e810-ice", pf: "0000:3b:00.0", spec: switchdev.Spec{NumVFs: 4, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev}},
	{tree: "agilio-flower", pf: "0000:af:00.0", spec: switchdev.Spec{NumVFs: 2, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev}},
	{tree: "yusur-2200e", pf: "0000:00:0b.0", spec: switchdev.Spec{NumVFs: 3, Mode: offload.ESwitchModeSwitchdev}},
	{tree: "bf2-dpu", pf: "0000:03:00.0", spec: switchdev.Spec{NumVFs: 2, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev}},
	{tree: "cx5-switchdev-bond", pf: "0000:84:00.1", spec: switchdev.Spec{NumVFs: 4, HWTCOffload: true, Bond: switchdev.BondVFLAG, Mode: offload.ESwitchModeSwitchdev}},
	{tree: "cx5-switchdev-bond", pf: "0000:84:00.0", spec: switchdev.Spec{NumVFs: 2, Bond: switchdev.BondVFLAG, BondMode: offload.BondMode8023AD, Mode: offload.ESwitchModeSwitchdev}},
	{tree: "cx5-legacy", pf: "0000:84:00.1", spec: switchdev.Spec{NumVFs: 2, HWTCOffload: true, FlowSteering: offload.FlowSteeringSMFS, Mode: offload.ESwitchModeSwitchdev}, setup: mlnxOFEDSteering},
	// VF LAG created from two PFs in no bond (issue 15 item 4).
	{tree: "cx5-switchdev", pf: "0000:84:00.0", spec: vflagSpec()},
	{tree: "cx5-legacy", pf: "0000:84:00.1", spec: func() switchdev.Spec { s := vflagSpec(); s.BondMode = offload.BondModeActiveBackup; return s }()},
}

// stepWrites returns the sysfs file step s writes and how many times.
func stepWrites(s switchdev.Step) (string, int) {
	dev := "sys/bus/pci/devices/" + s.PF.String() + "/"
	switch s.Kind {
	case switchdev.StepSetNumVFs:
		if s.Before.NumVFs != 0 && s.After.NumVFs != 0 {
			return dev + "sriov_numvfs", 2 // 0 first: N -> M is EBUSY
		}
		return dev + "sriov_numvfs", 1
	case switchdev.StepSetAutoprobe:
		return dev + "sriov_drivers_autoprobe", 1
	case switchdev.StepUnbindVF:
		return "sys/bus/pci/drivers/" + s.Before.Driver + "/unbind", 1
	case switchdev.StepBindVF:
		return "sys/bus/pci/drivers/" + s.After.Driver + "/bind", 1
	case switchdev.StepReleaseSlave, switchdev.StepEnslave:
		return "sys/class/net/" + s.Bond + "/bonding/slaves", 1
	case switchdev.StepSetCompat:
		return "sys/class/net/" + s.Netdev + "/compat/devlink/" + s.Target, 1
	}
	return "", 0
}

// stepCommand returns the devlink or ethtool command step s sends.
func stepCommand(s switchdev.Step) (family string, cmd uint8) {
	switch s.Kind {
	case switchdev.StepSetESwitchMode:
		return "devlink", devlink.CmdESwitchSet
	case switchdev.StepSetParam:
		return "devlink", devlink.CmdParamSet
	case switchdev.StepSetHWTCOffload:
		return "ethtool", ethtool.MsgFeaturesSet
	}
	return "", 0
}

// faultKinds are the ways the fakes make a step go wrong: refused with no
// effect, applied after the caller's deadline, and applied and then
// reported as an error.
var faultKinds = []offloadtest.FaultKind{offloadtest.FaultRefused, offloadtest.FaultLate, offloadtest.FaultAppliedThenError}

// lateStepTimeout is the deadline a step gets when its sysfs write is to
// land after it; lateWriteDelay is how long after the deadline it lands.
const (
	lateStepTimeout = 150 * time.Millisecond
	lateWriteDelay  = 30 * time.Millisecond
)

// injectFault makes step i of steps go wrong once, the kind way: its last
// sysfs write, or its devlink or ethtool request. ok is false when the
// fakes cannot fail it; sysfsWrite says the fault is on a sysfs write
// (a late one needs the step's deadline to pass).
func injectFault(tr *offloadtest.Tree, steps []switchdev.Step, i int, kind offloadtest.FaultKind) (ok, sysfsWrite bool) {
	if fam, cmd := stepCommand(steps[i]); fam != "" {
		// The fakes count requests per device: the PF for devlink, the
		// netdev for ethtool.
		dev := func(s switchdev.Step) string {
			if fam == "ethtool" {
				return s.Target
			}
			return s.PF.String()
		}
		before := 0
		for _, s := range steps[:i] {
			if f2, c2 := stepCommand(s); f2 == fam && c2 == cmd && dev(s) == dev(steps[i]) {
				before++
			}
		}
		op := offloadtest.DevlinkParamSet
		if cmd == devlink.CmdESwitchSet {
			op = offloadtest.DevlinkESwitchSet
		}
		switch {
		case fam == "ethtool" && kind == offloadtest.FaultRefused:
			tr.FailFeaturesSetNth(steps[i].Target, before+1, syscall.EOPNOTSUPP)
		case fam == "ethtool" && kind == offloadtest.FaultLate:
			tr.LateFeaturesSetNth(steps[i].Target, before+1)
		case fam == "ethtool":
			tr.AppliedThenFailFeaturesSetNth(steps[i].Target, before+1, syscall.EIO)
		case kind == offloadtest.FaultRefused:
			tr.FailDevlinkNth(steps[i].PF.String(), op, before+1, syscall.EOPNOTSUPP, "")
		case kind == offloadtest.FaultLate:
			tr.LateDevlinkNth(steps[i].PF.String(), op, before+1)
		default:
			tr.AppliedThenFailDevlinkNth(steps[i].PF.String(), op, before+1, syscall.EIO, "")
		}
		return true, false
	}
	if injectRtnlFault(tr, steps, i, kind) {
		return true, false
	}
	path, n := stepWrites(steps[i])
	if path == "" {
		return false, false
	}
	before := 0
	for _, s := range steps[:i] {
		if p, m := stepWrites(s); p == path {
			before += m
		}
	}
	switch kind {
	case offloadtest.FaultRefused:
		tr.FailWriteNth(path, before+n, syscall.EIO)
	case offloadtest.FaultLate:
		tr.LateWriteNth(path, before+n, lateWriteDelay)
	default:
		tr.AppliedThenFailWriteNth(path, before+n, syscall.EIO)
	}
	return true, true
}

// faultPoint is one way to make a step fail: arm sets up the fault; ok is
// false when the fakes cannot fail it, sysfsWrite true when it is a sysfs
// write.
type faultPoint struct {
	name string
	arm  func() (ok, sysfsWrite bool)
	// want, when set, is what the error must say failed: proof that the
	// fault hit the sub-step it was meant for.
	want string
}

// faultPoints lists the failure points of step i with fault kind: one
// per step, and for a set-bond-mode step each of its mutating sub-steps
// (bond down, mode write, bond up), each a request of its own that the
// kernel can refuse. The rtnetlink link changes are only refused (the
// fakes model late and half-applied faults for sysfs, devlink and
// ethtool).
func faultPoints(tr *offloadtest.Tree, steps []switchdev.Step, i int, kind offloadtest.FaultKind) []faultPoint {
	s := steps[i]
	if s.Kind != switchdev.StepSetBondMode {
		return []faultPoint{{"", func() (bool, bool) { return injectFault(tr, steps, i, kind) }, ""}}
	}
	// Only set-bond-mode steps take a bond down and up, twice each (as
	// the fakes' bonds start up): count those before step i on this bond.
	before := 0
	for _, p := range steps[:i] {
		if p.Kind == switchdev.StepSetBondMode && p.Target == s.Target {
			before += 2
		}
	}
	mode := faultPoint{"-mode-set", func() (bool, bool) { return injectFault(tr, steps, i, kind) }, "set bond mode " + s.Target}
	if kind != offloadtest.FaultRefused {
		return []faultPoint{mode}
	}
	return []faultPoint{
		{"-link-down", func() (bool, bool) { tr.FailSetLinkNth(s.Target, before+1, syscall.EIO); return true, false }, "rtnetlink set link down " + s.Target},
		mode,
		{"-link-up", func() (bool, bool) { tr.FailSetLinkNth(s.Target, before+2, syscall.EIO); return true, false }, "rtnetlink set link up " + s.Target},
	}
}

// bondsUp returns the administrative state of the tree's bonds, which
// hostState does not show: a rollback must leave an up bond up.
func bondsUp(tr *offloadtest.Tree) map[string]bool {
	m := map[string]bool{}
	for _, b := range tr.Spec.Bonds {
		m[b.Name] = tr.LinkUp(b.Name)
	}
	return m
}

// TestApplyRollbackEveryStep fails each mutating step of each fault case
// in turn, in each way the fakes model (refused; applied after the
// deadline; applied, then an error), and checks that Apply reports that
// step, that rollback completed, and that the host is exactly as it was
// before: by the library's own state reader, and by a raw snapshot of the
// fake tree's files and the fake kernel's state. Since a correct rollback
// restores the host, the failure points of one case run one after the
// other on the same tree: a rollback that left anything behind fails its
// own subtest and, most likely, the next.
func TestApplyRollbackEveryStep(t *testing.T) {
	t.Parallel()
	covered, skipped := 0, 0
	kinds := map[switchdev.StepKind]int{}
	byFault := map[offloadtest.FaultKind]int{}
	for _, fc := range faultCases {
		tr, h := openTree(t, fc.tree)
		if fc.setup != nil {
			fc.setup(t, tr)
		}
		ctx := context.Background()
		pf := offload.MustParsePCIAddress(fc.pf)
		before := hostState(t, h)
		beforeUp := bondsUp(tr)
		p, err := h.Plan(ctx, pf, fc.spec)
		if err != nil {
			t.Fatalf("%s %s: %v", fc.tree, fc.pf, err)
		}
		if p.Empty() {
			t.Fatalf("%s %s: empty plan, nothing to fail", fc.tree, fc.pf)
		}
		// Planning read the devlink and ethtool state the fakes fill in
		// on first use; the raw snapshot is taken after it.
		raw, err := tr.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		steps := p.Steps
		for i, s := range steps {
			for _, fk := range faultKinds {
				for _, fp := range faultPoints(tr, steps, i, fk) {
					name := fmt.Sprintf("%s/%s/step%02d-%s%s/%s", fc.tree, fc.pf, i+1, s.Kind, fp.name, fk)
					t.Run(name, func(t *testing.T) {
						ok, sysfsWrite := fp.arm()
						if !ok {
							skipped++
							t.Skipf("the fakes cannot fail a %s step", s.Kind)
						}
						p, err := h.Plan(ctx, pf, fc.spec)
						if err != nil {
							t.Fatal(err)
						}
						if d := cmp.Diff(steps, p.Steps, cmp.Comparer(func(a, b switchdev.Step) bool { return a.String() == b.String() && a.Command == b.Command })); d != "" {
							t.Fatalf("plan changed after the previous rollback (-first +now):\n%s", d)
						}
						if fk == offloadtest.FaultLate && sysfsWrite {
							// The write is to land after the step's
							// deadline: give the step a short one.
							p.Steps[i].Timeout = lateStepTimeout
						}
						err = p.Apply(ctx)
						var ae *switchdev.ApplyError
						if !errors.As(err, &ae) {
							t.Fatalf("apply with step %d failing: %v", i+1, err)
						}
						if ae.Step != i+1 {
							t.Errorf("failed at step %d, injected at %d: %v", ae.Step, i+1, err)
						}
						if fp.want != "" && !strings.Contains(err.Error(), fp.want) {
							t.Errorf("error does not say %q failed: %v", fp.want, err)
						}
						if ae.RollbackErr != nil || len(ae.InFlight) != 0 {
							t.Errorf("rollback incomplete: %v", ae.RollbackErr)
						}
						if !strings.Contains(err.Error(), fmt.Sprintf("step %d (", ae.Step)) || !strings.Contains(err.Error(), "rolled back") && ae.Step > 1 {
							t.Errorf("error does not say which step failed and what was rolled back: %v", err)
						}
						// Every step that ran has an outcome; the failed
						// one was never applied, or was undone.
						if len(ae.Outcomes) != i+1 {
							t.Errorf("%d step outcomes for %d steps run: %+v", len(ae.Outcomes), i+1, ae.Outcomes)
						}
						for _, o := range ae.Outcomes {
							if o.Outcome == switchdev.OutcomeUnknown {
								t.Errorf("step %d outcome unknown: %s", o.N, o.Why)
							}
						}
						if fk != offloadtest.FaultRefused && len(ae.Outcomes) > 0 && ae.Outcomes[0].Outcome != switchdev.OutcomeUndone && s.Kind != switchdev.StepSetBondMode {
							// An applied fault changed the host: the
							// failed step must have been undone, not
							// taken as never applied.
							t.Errorf("step %d was applied by a %s fault but its outcome is %s", i+1, fk, ae.Outcomes[0].Outcome)
						}
						if d := cmp.Diff(before, hostState(t, h)); d != "" {
							t.Errorf("host state after rollback differs from before (-before +after):\n%s\nerror: %v", d, err)
						}
						if d := cmp.Diff(beforeUp, bondsUp(tr)); d != "" {
							t.Errorf("bond admin state after rollback differs from before (-before +after):\n%s\nerror: %v", d, err)
						}
						now, serr := tr.Snapshot()
						if serr != nil {
							t.Fatal(serr)
						}
						if d := cmp.Diff(raw, now); d != "" {
							t.Errorf("raw tree and kernel state after rollback differ from before (-before +after):\n%s\nerror: %v", d, err)
						}
						covered++
						kinds[s.Kind]++
						byFault[fk]++
					})
				}
			}
		}
		// With the faults spent, the plan applies.
		if err := p.Apply(ctx); err != nil {
			t.Errorf("%s %s: apply without faults: %v", fc.tree, fc.pf, err)
		}
	}
	t.Logf("fault injection: %d failure points covered, %d skipped; by step kind: %v; by fault kind: %v", covered, skipped, kinds, byFault)
	if covered == 0 {
		t.Error("no failure point covered")
	}
}

// TestApplyTimeout: a sriov_numvfs write that blocks (some drivers do)
// ends when the caller's context does, and the host is rolled back even
// though that context is gone.
func TestApplyTimeout(t *testing.T) {
	t.Parallel()
	tr, h := openTree(t, "cx5-legacy")
	pf := offload.MustParsePCIAddress("0000:84:00.1")
	before := hostState(t, h)
	p, err := h.Plan(context.Background(), pf, switchdev.Spec{NumVFs: 2, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev})
	if err != nil {
		t.Fatal(err)
	}
	numvfs := "sys/bus/pci/devices/0000:84:00.1/sriov_numvfs"
	tr.HangWrite(numvfs)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the write hangs: the test does not depend on timing.
		// Stop too when Apply returned without reaching the write, so the
		// goroutine does not outlive the test.
		for ctx.Err() == nil {
			for _, w := range tr.Writes() {
				if strings.HasPrefix(w, numvfs+"=") {
					cancel()
					return
				}
			}
			time.Sleep(time.Millisecond)
		}
	}()
	err = p.Apply(ctx)
	cancel()
	if !errors.Is(err, errs.ErrTimeout) {
		t.Fatalf("want errs.ErrTimeout, got %v", err)
	}
	var ae *switchdev.ApplyError
	if !errors.As(err, &ae) || ae.Failed.Kind != switchdev.StepSetNumVFs || ae.RollbackErr != nil {
		t.Fatalf("want a rolled back numvfs failure, got %v", err)
	}
	if d := cmp.Diff(before, hostState(t, h)); d != "" {
		t.Errorf("state differs after timeout rollback (-before +after):\n%s", d)
	}
}

// TestConcurrentApply runs two agents' Applies on one PF at once: the file
// lock serialises them, so the writes of one never interleave with the
// other's, and the second, finding the host changed, plans again.
func TestConcurrentApply(t *testing.T) {
	t.Parallel()
	tr, h1 := openTree(t, "cx5-legacy")
	// A second Host on the same tree: another agent.
	h2 := newTestHost(tr.Host(t))
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.1")
	specs := []switchdev.Spec{{NumVFs: 3, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev}, {NumVFs: 2, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev}}
	plans := make([]*switchdev.Plan, 2)
	for i, h := range []testHost{h1, h2} {
		p, err := h.Plan(ctx, pf, specs[i])
		if err != nil {
			t.Fatal(err)
		}
		plans[i] = p
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = plans[i].Apply(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("apply %d: %v", i, err)
		}
	}
	st, err := h1.State(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode != offload.ESwitchModeSwitchdev || (st.NumVFs != 2 && st.NumVFs != 3) {
		t.Fatalf("state after both: %s", st.Summary())
	}
	// Serialised: the sriov_numvfs writes form whole runs, one agent's
	// "0 then N" never split by the other's.
	var seq []string
	for _, w := range tr.Writes() {
		if strings.Contains(w, "0000:84:00.1/sriov_numvfs=") {
			seq = append(seq, w[strings.LastIndex(w, "=")+1:])
		}
	}
	// The first agent creates its VFs from 0; the second resets to 0 and
	// creates its own: 3 (or 2), 0, 2 (or 3).
	if len(seq) != 3 || seq[1] != "0" || seq[0] == seq[2] {
		t.Errorf("sriov_numvfs writes %v: not two serialised applies", seq)
	}
}

// TestLockPF: a held lock makes a second locker wait until its context
// ends; after Unlock it succeeds.
func TestLockPF(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	l, err := switchdev.LockPF(context.Background(), dir, pf)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := switchdev.LockPF(ctx, dir, pf); !errors.Is(err, errs.ErrTimeout) {
		t.Fatalf("second lock while held: %v, want errs.ErrTimeout", err)
	}
	other, err := switchdev.LockPF(context.Background(), dir, offload.MustParsePCIAddress("0000:84:00.1"))
	if err != nil {
		t.Fatalf("another PF's lock: %v", err)
	}
	other.Unlock()
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := switchdev.LockPF(context.Background(), dir, pf)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	l2.Unlock()
	if _, err := os.Stat(filepath.Join(dir, "switchdev-0000:84:00.0.lock")); err != nil {
		t.Error(err)
	}
}

// TestPlanRefusals: invalid specs touch nothing; a bond under the default
// policy, too many VFs and a mode the firmware fixes are refused with the
// matching sentinel.
func TestPlanRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		tree, pf string
		spec     switchdev.Spec
		want     error
		text     string
	}{
		{"cx5-bond", "0000:84:00.0", switchdev.Spec{NumVFs: 4, Mode: offload.ESwitchModeSwitchdev}, errs.ErrBusy, "bond1"},
		{"cx5-legacy", "0000:84:00.0", switchdev.Spec{NumVFs: 128, Mode: offload.ESwitchModeSwitchdev}, errs.ErrInvalidArgument, "sriov_totalvfs is 127"},
		{"cx5-legacy", "0000:84:00.0", switchdev.Spec{NumVFs: -2, Mode: offload.ESwitchModeSwitchdev}, errs.ErrInvalidArgument, "VF count"},
		{"cx5-legacy", "0000:84:00.0", switchdev.Spec{NumVFs: 1, FlowSteering: "fast", Mode: offload.ESwitchModeSwitchdev}, errs.ErrInvalidArgument, "flow steering"},
		{"cx5-legacy", "0000:84:00.0", switchdev.Spec{NumVFs: 1, Mode: offload.ESwitchModeSwitchdevInactive}, errs.ErrInvalidArgument, "eswitch mode"},
		{"cx5-bond", "0000:84:00.0", switchdev.Spec{NumVFs: 1, Bond: switchdev.BondVFLAG, BondMode: offload.BondModeBalanceRR, Mode: offload.ESwitchModeSwitchdev}, errs.ErrInvalidArgument, "bond mode"},
		{"agilio-flower", "0000:af:00.0", switchdev.Spec{NumVFs: 1, Mode: offload.ESwitchModeLegacy}, errs.ErrNotSupported, "firmware"},
		{"e810-ice", "0000:3b:00.0", switchdev.Spec{NumVFs: 1, Bond: switchdev.BondVFLAG, FlowSteering: offload.FlowSteeringSMFS, Mode: offload.ESwitchModeSwitchdev}, nil, ""},
		{"cx5-legacy", "0000:84:00.2", switchdev.Spec{NumVFs: 1, Mode: offload.ESwitchModeSwitchdev}, errs.ErrNotSupported, "not an SR-IOV physical function"},
	}
	for _, c := range cases {
		tr, h := openTree(t, c.tree)
		_, err := h.Plan(ctx, offload.MustParsePCIAddress(c.pf), c.spec)
		if c.want == nil {
			if err != nil {
				t.Errorf("%s %s %+v: %v", c.tree, c.pf, c.spec, err)
			}
			continue
		}
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s %s %+v: got %v, want %v mentioning %q", c.tree, c.pf, c.spec, err, c.want, c.text)
		}
		if w := tr.Writes(); len(w) != 0 {
			t.Errorf("%s: planning wrote %v", c.tree, w)
		}
	}
}

// TestApplyStalePlan: a plan made before another agent changed the host is
// recomputed under the lock; when the host is already in the wanted state
// Apply does nothing.
func TestApplyStalePlan(t *testing.T) {
	t.Parallel()
	tr, h := openTree(t, "cx5-legacy")
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.1")
	spec := switchdev.Spec{NumVFs: 2, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev}
	stale, err := h.Plan(ctx, pf, spec)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := h.Plan(ctx, pf, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	n := len(tr.Writes())
	if err := stale.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if w := tr.Writes()[n:]; len(w) != 0 {
		t.Errorf("stale plan wrote %v to a host already in the wanted state", w)
	}
}

// TestApplyWaitsForLock: while another agent holds the PF's lock, Apply
// writes nothing; it gives up with errs.ErrTimeout when its context ends.
func TestApplyWaitsForLock(t *testing.T) {
	t.Parallel()
	tr, h := openTree(t, "cx5-legacy")
	pf := offload.MustParsePCIAddress("0000:84:00.1")
	runDir := t.TempDir()
	p, err := h.Plan(context.Background(), pf, switchdev.Spec{NumVFs: 2, RunDir: runDir, Mode: offload.ESwitchModeSwitchdev})
	if err != nil {
		t.Fatal(err)
	}
	l, err := switchdev.LockPF(context.Background(), runDir, pf)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Apply(ctx); !errors.Is(err, errs.ErrTimeout) {
		t.Fatalf("apply while locked: %v", err)
	}
	if w := tr.Writes(); len(w) != 0 {
		t.Errorf("apply wrote while another agent held the lock: %v", w)
	}
	l.Unlock()
	if err := p.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkPlanSwitchdev measures planning a ConnectX-5 PF already in
// switchdev (the call an agent makes on every start to confirm the host),
// with the sysfs reads it costs.
func BenchmarkPlanSwitchdev(b *testing.B) {
	_, h := openTree(b, "cx5-switchdev")
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	spec := switchdev.Spec{NumVFs: 4, Mode: offload.ESwitchModeSwitchdev}
	reads := h.FS().Reads()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.Plan(ctx, pf, spec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(h.FS().Reads()-reads)/float64(b.N), "sysfs-reads/op")
}

// TestPlanZeroSpecKeeps: Spec{} keeps every part of the host as it is. On
// every bundled tree (and the extra ones), the plan of every PF has no
// step that removes VFs, changes the eswitch mode, unbinds a VF, turns
// something off or takes a netdev out of a bond: it is empty, or it only
// adds (rebinding VFs an interrupted manual run left unbound).
func TestPlanZeroSpecKeeps(t *testing.T) {
	t.Parallel()
	names := append(offloadtest.Names(), "cx5-switchdev-bond")
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if name == "large" && testing.Short() {
				t.Skip("building the 16x256 tree writes ~60000 files (about a minute); -short skips it")
			}
			tr, h := openTree(t, name)
			ctx := context.Background()
			pfs, err := h.Discover(ctx)
			if err != nil {
				t.Fatal(err)
			}
			planned := 0
			for _, pf := range pfs {
				p, err := h.Plan(ctx, pf.Address, switchdev.Spec{})
				if err != nil {
					// A refusal (a failed prerequisite) changes nothing
					// either; it must not be a bond refusal, which
					// only a change would trigger.
					if errors.Is(err, errs.ErrBusy) {
						t.Errorf("%s: Spec{} refused as if it changed something: %v", pf.Address, err)
					}
					continue
				}
				planned++
				for _, s := range p.Steps {
					bad := ""
					switch s.Kind {
					case switchdev.StepSetNumVFs:
						if s.After.NumVFs < s.Before.NumVFs {
							bad = "removes VFs"
						}
					case switchdev.StepSetESwitchMode:
						bad = "changes the eswitch mode"
					case switchdev.StepUnbindVF, switchdev.StepReleaseSlave, switchdev.StepSetBondMode, switchdev.StepSetParam, switchdev.StepSetCompat:
						bad = "changes a setting nobody asked for"
					case switchdev.StepSetHWTCOffload, switchdev.StepSetAutoprobe:
						if !s.After.On {
							bad = "turns something off"
						}
					}
					if bad != "" {
						t.Errorf("%s: Spec{} plans %q, which %s", pf.Address, s, bad)
					}
				}
			}
			if planned == 0 && len(pfs) > 0 {
				t.Errorf("no PF of %s could be planned with Spec{}", name)
			}
			if w := tr.Writes(); len(w) != 0 {
				t.Errorf("planning wrote %v", w)
			}
		})
	}
}

// slowWriteCase applies, on cx5-legacy's second port (legacy, no VFs), a
// plan whose sriov_numvfs write takes 1.5 s while every step has 300 ms,
// with maxWait as the engine's Config.MaxInFlightWait. It checks the PF
// lock while the write is in flight and returns the raw state from
// before, the run directory and Apply's error.
func slowWriteCase(t *testing.T, maxWait time.Duration) (*offloadtest.Tree, testHost, offloadtest.Snapshot, string, error) {
	t.Helper()
	tr, h := openTree(t, "cx5-legacy")
	h.Engine = switchdev.New(h.Host, switchdev.Config{Backends: testBackends(), MaxInFlightWait: maxWait})
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.1")
	runDir := t.TempDir()
	spec := switchdev.Spec{NumVFs: 2, Mode: offload.ESwitchModeSwitchdev, HWTCOffload: true, StepTimeout: 300 * time.Millisecond, RunDir: runDir}
	p, err := h.Plan(ctx, pf, spec)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := tr.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	numvfs := "sys/bus/pci/devices/0000:84:00.1/sriov_numvfs"
	tr.SlowWriteNth(numvfs, 1, 1500*time.Millisecond)
	lockErr := make(chan error, 1)
	go func() {
		// Once the write has started, and after the step's deadline has
		// passed, another agent tries the PF lock.
		for !slices.ContainsFunc(tr.Writes(), func(w string) bool { return w == numvfs+"=2" }) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(600 * time.Millisecond)
		lctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		l, err := switchdev.LockPF(lctx, runDir, pf)
		if err == nil {
			l.Unlock()
			err = errors.New("the PF lock was free while the sriov_numvfs write was in flight")
		} else if errors.Is(err, errs.ErrTimeout) {
			err = nil
		}
		lockErr <- err
	}()
	applyErr := p.Apply(ctx)
	if err := <-lockErr; err != nil {
		t.Error(err)
	}
	return tr, h, raw, runDir, applyErr
}

// TestApplySlowWrite is issue 16's late write: sriov_numvfs takes 1.5 s,
// the step's deadline is 300 ms. Apply keeps the PF locked while the
// write is in flight, waits for it, undoes the VFs it created, and says
// so; 2 s later the host is as before.
func TestApplySlowWrite(t *testing.T) {
	t.Parallel()
	tr, h, raw, _, err := slowWriteCase(t, 0)
	t.Logf("apply: %v", err)
	var ae *switchdev.ApplyError
	if !errors.As(err, &ae) || ae.Failed.Kind != switchdev.StepSetNumVFs || !errors.Is(err, errs.ErrTimeout) {
		t.Fatalf("want a timed-out numvfs step, got %v", err)
	}
	if ae.RollbackErr != nil || len(ae.InFlight) != 0 {
		t.Fatalf("rollback incomplete: %v", err)
	}
	o := ae.Outcomes[0]
	if o.N != ae.Step || o.Outcome != switchdev.OutcomeUndone || !strings.Contains(err.Error(), "waited") || !strings.Contains(err.Error(), "undone") {
		t.Errorf("the error does not say it waited for the write and undid it: outcome %+v: %v", o, err)
	}
	time.Sleep(2 * time.Second)
	now, serr := tr.Snapshot()
	if serr != nil {
		t.Fatal(serr)
	}
	if d := cmp.Diff(raw, now); d != "" {
		t.Errorf("2 s after Apply the host is not as before (-before +after):\n%s\nerror: %v", d, err)
	}
	if n, _ := h.NumVFs(context.Background(), offload.MustParsePCIAddress("0000:84:00.1")); n != 0 {
		t.Errorf("%d VFs 2 s after Apply, want 0", n)
	}
}

// TestApplySlowWriteGivesUp: with MaxInFlightWait shorter than the write,
// Apply stops waiting, says the outcome is unknown and that the host might
// not be as before, and keeps the PF lock until the write returns.
func TestApplySlowWriteGivesUp(t *testing.T) {
	t.Parallel()
	tr, h, raw, runDir, err := slowWriteCase(t, 200*time.Millisecond)
	t.Logf("apply: %v", err)
	pf := offload.MustParsePCIAddress("0000:84:00.1")
	var ae *switchdev.ApplyError
	if !errors.As(err, &ae) || ae.Failed.Kind != switchdev.StepSetNumVFs {
		t.Fatalf("want a failed numvfs step, got %v", err)
	}
	if len(ae.InFlight) != 1 || ae.RollbackErr == nil || !strings.Contains(err.Error(), "might not be as before") {
		t.Fatalf("the error does not say the outcome is unknown: %v", err)
	}
	if ae.Outcomes[0].Outcome != switchdev.OutcomeUnknown {
		t.Errorf("failed step outcome %s, want unknown", ae.Outcomes[0].Outcome)
	}
	lctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	if l, lerr := switchdev.LockPF(lctx, runDir, pf); lerr == nil {
		l.Unlock()
		t.Error("the PF lock was free after Apply returned with its write in flight")
	}
	cancel()
	time.Sleep(2 * time.Second)
	// The write has landed: the host is not as before, which the error
	// said it might not be, and the lock is free again.
	lctx, cancel = context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l, lerr := switchdev.LockPF(lctx, runDir, pf)
	if lerr != nil {
		t.Fatalf("the PF lock is still held 2 s after the write returned: %v", lerr)
	}
	l.Unlock()
	now, serr := tr.Snapshot()
	if serr != nil {
		t.Fatal(serr)
	}
	if cmp.Equal(raw, now) {
		t.Log("the host is as before after all")
	} else if n, _ := h.NumVFs(context.Background(), pf); n != 2 {
		t.Errorf("%d VFs after the late write, want the 2 it wrote", n)
	}
}

// strayBackend adds a step for a PF that cannot be read (an address with
// no device), without reading its State first.
type strayBackend struct{ switchdev.GenericBackend }

func (strayBackend) Name() string { return "stray" }

func (strayBackend) Plan(ctx context.Context, b *switchdev.PlanBuilder) error {
	b.SetNumVFs(offload.MustParsePCIAddress("0000:99:00.0"), 2, "")
	return nil
}

// TestPlanBuilderLoadError: a step added for a PF whose state cannot be
// read makes Plan fail with that error, instead of a step computed from a
// state nobody read (mustLoad used to swallow the error).
func TestPlanBuilderLoadError(t *testing.T) {
	t.Parallel()
	tr, _ := openTree(t, "e810-ice")
	e := switchdev.New(tr.Host(t), switchdev.Config{Backends: []switchdev.Backend{strayBackend{}}})
	p, err := e.Plan(context.Background(), offload.MustParsePCIAddress("0000:3b:00.0"), switchdev.Spec{})
	if err == nil || !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "0000:99:00.0") {
		t.Fatalf("plan with a step for an unreadable PF: %v, %v; want the PF's read error", p, err)
	}
}
