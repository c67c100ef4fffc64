package switchdev_test

import (
	"context"
	"testing"

	"github.com/offloadkit/offloadkit/offload/switchdev"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	corigine "github.com/offloadkit/offloadkit/vendor_corigine"
	mellanox "github.com/offloadkit/offloadkit/vendor_mellanox"
	yusur "github.com/offloadkit/offloadkit/vendor_yusur"
)

// extraTrees are variants of the bundled trees for cases they lack.
var extraTrees = map[string]offloadtest.Spec{
	// Both ConnectX-5 ports already in switchdev with bound VFs, bonded
	// active-backup: a VF LAG must unbind every VF while the bond forms.
	"cx5-switchdev-bond": func() offloadtest.Spec {
		s := offloadtest.CX5Switchdev()
		s.Name = "cx5-switchdev-bond"
		s.Bonds = []offloadtest.BondSpec{{Name: "bond1", Mode: "active-backup 1", Slaves: []string{"enp132s0f0np0", "enp132s0f1np1"}}}
		return s
	}(),
}

// testBackends are the vendor backends every test engine gets.
func testBackends() []switchdev.Backend {
	return []switchdev.Backend{mellanox.New(), corigine.New(), yusur.New(yusur.Config{})}
}

// testHost is a Host with its Engine, so a test calls h.Discover and
// h.Plan alike (the two method sets do not overlap).
type testHost struct {
	*offload.Host
	*switchdev.Engine
}

// newTestHost gives h an Engine with the test backends.
func newTestHost(h *offload.Host) testHost {
	return testHost{h, switchdev.New(h, switchdev.Config{Backends: testBackends()})}
}

// openTree builds the bundled tree name (or one of extraTrees) with the
// vendor backends, and returns the tree and its host. The tree's own fake
// kernel answers bonding writes and carries the one-shot faults.
func openTree(t testing.TB, name string) (*offloadtest.Tree, testHost) {
	t.Helper()
	spec, ok := offloadtest.ByName(name)
	if !ok {
		spec, ok = extraTrees[name]
	}
	if !ok {
		t.Fatalf("no tree %q", name)
	}
	tr := offloadtest.New(t, spec)
	return tr, newTestHost(tr.Host(t))
}

// goldenSpec is the spec the golden plans of each tree are made with: the
// guides' target (switchdev, VFs, hw-tc-offload), a VF LAG for the bonded
// pair, smfs on the legacy ConnectX-5 (the newer Kube-OVN guide's
// setting), and the current VF count on the 16x256 benchmark host.
func goldenSpec(tree string) switchdev.Spec {
	s := switchdev.Spec{NumVFs: 4, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev}
	switch tree {
	case "cx5-bond":
		s.Bond = switchdev.BondVFLAG
	case "cx5-legacy":
		s.FlowSteering = offload.FlowSteeringSMFS
	case "yusur-2200e":
		s.NumVFs = 7
	case "large":
		s.NumVFs = switchdev.KeepNumVFs
	}
	return s
}

// hostState reads the switchdev state of every SR-IOV PF of h.
func hostState(t testing.TB, h testHost) []switchdev.PFState {
	t.Helper()
	ctx := context.Background()
	pfs, err := h.Discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []switchdev.PFState
	for _, pf := range pfs {
		st, err := h.State(ctx, pf.Address)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *st)
	}
	return out
}
