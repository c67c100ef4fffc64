package switchdev_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	"github.com/offloadkit/offloadkit/offload/switchdev"
)

// vflagSpec forms a VF LAG in bond1 (802.3ad, the guide's example) from
// both ports of the ConnectX-5, with 2 VFs each.
func vflagSpec() switchdev.Spec {
	return switchdev.Spec{NumVFs: 2, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev,
		Bond: switchdev.BondVFLAG, BondName: "bond1", BondMode: offload.BondMode8023AD}
}

// readRaw reads a file of the fake tree directly, not through the library.
func readRaw(t *testing.T, tr *offloadtest.Tree, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tr.Root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestVFLAGCreateOrder: from two PFs in no bond (legacy, and already in
// switchdev), the plan forms the VF LAG in mlx5's order: every eswitch and
// VF-count step first, with the VFs unbound; then both uplinks down; the
// bond created with its mode (while down); both uplinks enslaved; the bond
// up; and only then are the VFs rebound. Applied on the fake kernel it
// leaves what the guide's commands leave (read from the raw tree), and
// planning again, from either PF, gives an empty plan.
func TestVFLAGCreateOrder(t *testing.T) {
	t.Parallel()
	for _, tree := range []string{"cx5-legacy", "cx5-switchdev"} {
		t.Run(tree, func(t *testing.T) {
			t.Parallel()
			tr, h := openTree(t, tree)
			ctx := context.Background()
			pf := offload.MustParsePCIAddress("0000:84:00.0")
			p, err := h.Plan(ctx, pf, vflagSpec())
			if err != nil {
				t.Fatal(err)
			}
			if len(p.PFs) != 2 {
				t.Errorf("plan locks %v, want both PFs", p.PFs)
			}
			// The index of the first and last step of each kind.
			first, last := map[switchdev.StepKind]int{}, map[switchdev.StepKind]int{}
			var downs []string
			for i, s := range p.Steps {
				if _, ok := first[s.Kind]; !ok {
					first[s.Kind] = i
				}
				last[s.Kind] = i
				if s.Kind == switchdev.StepSetLinkUp && !s.After.On {
					downs = append(downs, s.Target)
				}
			}
			create, ok := first[switchdev.StepCreateBond]
			if !ok || last[switchdev.StepCreateBond] != create {
				t.Fatalf("want one create-bond step:\n%s", p)
			}
			if c := p.Steps[create]; c.Target != "bond1" || c.After.BondMode != offload.BondMode8023AD || c.Before.Bond != "" {
				t.Errorf("create step %+v", c)
			}
			if d := cmp.Diff([]string{"enp132s0f0np0", "enp132s0f1np1"}, downs); d != "" {
				t.Errorf("uplinks taken down (-want +got):\n%s", d)
			}
			order := []struct {
				before, after switchdev.StepKind
				why           string
			}{
				{switchdev.StepSetNumVFs, switchdev.StepSetLinkUp, "VFs are set before the uplinks go down"},
				{switchdev.StepUnbindVF, switchdev.StepCreateBond, "VFs are unbound before the bond forms"},
				{switchdev.StepCreateBond, switchdev.StepEnslave, "the bond exists before enslaving"},
				{switchdev.StepEnslave, switchdev.StepBindVF, "VFs are rebound only after both PFs are enslaved"},
			}
			if _, ok := first[switchdev.StepSetESwitchMode]; ok {
				order = append(order, struct {
					before, after switchdev.StepKind
					why           string
				}{switchdev.StepSetESwitchMode, switchdev.StepSetLinkUp, "both PFs are in switchdev before the uplinks go down"})
			}
			for _, o := range order {
				if last[o.before] > first[o.after] {
					t.Errorf("%s: last %s is step %d, first %s is step %d", o.why, o.before, last[o.before]+1, o.after, first[o.after]+1)
				}
			}
			for i, s := range p.Steps {
				if s.Kind == switchdev.StepSetLinkUp && !s.After.On && i > create {
					t.Errorf("uplink %s taken down at step %d, after the bond was created at %d", s.Target, i+1, create+1)
				}
			}
			bondUp := -1
			for i, s := range p.Steps {
				if s.Kind == switchdev.StepSetLinkUp && s.Target == "bond1" && s.After.On {
					bondUp = i
				}
			}
			if bondUp < last[switchdev.StepEnslave] || bondUp > first[switchdev.StepBindVF] {
				t.Errorf("bond up at step %d: want after the enslaves and before the binds:\n%s", bondUp+1, p)
			}
			if err := p.Apply(ctx); err != nil {
				t.Fatal(err)
			}
			if got := readRaw(t, tr, "sys/class/net/bond1/bonding/mode"); got != "802.3ad 4" {
				t.Errorf("bonding/mode = %q", got)
			}
			if got := readRaw(t, tr, "sys/class/net/bond1/bonding/slaves"); got != "enp132s0f0np0 enp132s0f1np1" {
				t.Errorf("bonding/slaves = %q", got)
			}
			for _, n := range []string{"bond1", "enp132s0f0np0", "enp132s0f1np1"} {
				if !tr.LinkUp(n) {
					t.Errorf("%s is down after apply", n)
				}
			}
			for _, a := range []string{"0000:84:00.0", "0000:84:00.1"} {
				again, err := h.Plan(ctx, offload.MustParsePCIAddress(a), vflagSpec())
				if err != nil {
					t.Fatal(err)
				}
				if !again.Empty() {
					t.Errorf("second plan from %s is not empty:\n%s", a, again)
				}
			}
			// Idempotence includes the admin state: a bond someone took
			// down is brought up again, and nothing else is planned.
			if err := h.SetLinkUp(ctx, "bond1", false); err != nil {
				t.Fatal(err)
			}
			again, err := h.Plan(ctx, pf, vflagSpec())
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Steps) != 1 || again.Steps[0].Kind != switchdev.StepSetLinkUp || again.Steps[0].Target != "bond1" {
				t.Errorf("plan with bond1 down, want only bond1 up:\n%s", again)
			}
		})
	}
}

// TestVFLAGCreateRefusals: bad input and a host the plan must not touch
// give typed errors and leave the raw tree as it was.
func TestVFLAGCreateRefusals(t *testing.T) {
	t.Parallel()
	tr, h := openTree(t, "cx5-switchdev")
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	with := func(f func(*switchdev.Spec)) switchdev.Spec { s := vflagSpec(); f(&s); return s }
	raw, err := tr.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		spec switchdev.Spec
		want error
		says string
	}{
		{"bad name", with(func(s *switchdev.Spec) { s.BondName = "bond/1" }), errs.ErrInvalidArgument, "bond/1"},
		{"long name", with(func(s *switchdev.Spec) { s.BondName = "bond0123456789abc" }), errs.ErrInvalidArgument, ""},
		{"not vf-lag", with(func(s *switchdev.Spec) { s.Bond = switchdev.BondRelease }), errs.ErrInvalidArgument, "vf-lag"},
		{"balance-rr", with(func(s *switchdev.Spec) { s.BondMode = offload.BondModeBalanceRR }), errs.ErrInvalidArgument, "balance-rr"},
		{"broadcast", with(func(s *switchdev.Spec) { s.BondMode = offload.BondModeBroadcast }), errs.ErrInvalidArgument, "802.3ad"},
		{"no mode", with(func(s *switchdev.Spec) { s.BondMode = offload.BondModeUnknown }), errs.ErrInvalidArgument, "BondMode"},
		{"name of a NIC", with(func(s *switchdev.Spec) { s.BondName = "eno1" }), errs.ErrExists, "eno1"},
		{"legacy", with(func(s *switchdev.Spec) { s.Mode = offload.ESwitchModeLegacy }), errs.ErrInvalidArgument, "switchdev"},
	} {
		_, err := h.Plan(ctx, pf, c.spec)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: Plan = %v, want %v saying %q", c.name, err, c.want, c.says)
		}
	}
	// A bond1 that holds something else is not taken over.
	if _, err := tr.WriteFile(ctx, "sys/class/net/bond1/bonding/slaves", []byte("+eno1")); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("fake has a bond1 already: %v", err)
	}
	now, err := tr.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(raw, now); d != "" {
		t.Errorf("refused plans changed the raw tree (-before +after):\n%s", d)
	}
}

// TestVFLAGCreateForeignSlave: a bond of the asked name that already
// holds a netdev other than the NIC's ports is refused with ErrBusy.
func TestVFLAGCreateForeignSlave(t *testing.T) {
	t.Parallel()
	tr, h := openTree(t, "cx5-switchdev")
	ctx := context.Background()
	if err := h.CreateBond(ctx, "bond1", offload.BondMode8023AD); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.WriteFile(ctx, "sys/class/net/bond1/bonding/slaves", []byte("+eno1")); err != nil {
		t.Fatal(err)
	}
	_, err := h.Plan(ctx, offload.MustParsePCIAddress("0000:84:00.1"), vflagSpec())
	if !errors.Is(err, errs.ErrBusy) || !strings.Contains(err.Error(), "eno1") {
		t.Errorf("Plan with eno1 in bond1 = %v, want ErrBusy naming eno1", err)
	}
}

// rtnlStep returns the rtnetlink request a netlink bond step sends and
// the netdev the fake counts it on; ok is false for other steps.
func rtnlStep(s switchdev.Step) (op offloadtest.RtnlOp, dev string, ok bool) {
	switch s.Kind {
	case switchdev.StepCreateBond:
		return offloadtest.RtnlNewLink, s.Target, true
	case switchdev.StepSetLinkUp:
		return offloadtest.RtnlSetUp, s.Target, true
	case switchdev.StepSetBondMode:
		return offloadtest.RtnlChangeLink, s.Target, true
	}
	return "", "", false
}

// injectRtnlFault fails step i of steps, an rtnetlink bond step, the kind
// way, counting the earlier requests of the same op on the same netdev
// (a set-bond-mode step sends two set-up requests on its bond).
func injectRtnlFault(tr *offloadtest.Tree, steps []switchdev.Step, i int, kind offloadtest.FaultKind) bool {
	op, dev, ok := rtnlStep(steps[i])
	if !ok {
		return false
	}
	before := 0
	for _, s := range steps[:i] {
		if o, d, ok := rtnlStep(s); ok && o == op && d == dev {
			before++
		}
		if op == offloadtest.RtnlSetUp && s.Kind == switchdev.StepSetBondMode && s.Target == dev {
			before += 2
		}
	}
	tr.RtnlFaultNth(dev, op, before+1, kind, syscall.EIO)
	return true
}

// TestVFLAGNamedExistingBond: naming the bond both PFs are already in
// (cx5-bond: bond1, 802.3ad, legacy PFs) re-forms it in mlx5's order as
// the policy alone does, and planning again is empty; naming another
// bond is refused with ErrBusy, since the uplinks are in bond1.
func TestVFLAGNamedExistingBond(t *testing.T) {
	t.Parallel()
	tr, h := openTree(t, "cx5-bond")
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.1")
	other := vflagSpec()
	other.BondName = "bond2"
	if _, err := h.Plan(ctx, pf, other); !errors.Is(err, errs.ErrBusy) || !strings.Contains(err.Error(), "bond1") {
		t.Errorf("Plan naming bond2 for PFs in bond1 = %v, want ErrBusy naming bond1", err)
	}
	p, err := h.Plan(ctx, pf, vflagSpec())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Steps {
		if s.Kind == switchdev.StepCreateBond {
			t.Errorf("plan creates a bond that exists: %s", s)
		}
	}
	if err := p.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readRaw(t, tr, "sys/class/net/bond1/bonding/slaves"); got != "enp132s0f0np0 enp132s0f1np1" {
		t.Errorf("bonding/slaves = %q", got)
	}
	again, err := h.Plan(ctx, pf, vflagSpec())
	if err != nil {
		t.Fatal(err)
	}
	if !again.Empty() {
		t.Errorf("second plan is not empty:\n%s", again)
	}
}
