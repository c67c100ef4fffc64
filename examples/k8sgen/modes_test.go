package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// modeGolden compares out with testdata/name (go test -update rewrites it).
func modeGolden(t *testing.T, name string, out []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if d := cmp.Diff(string(want), string(out)); d != "" {
		t.Errorf("%s (-want +got):\n%s", p, d)
	}
}

func underlayDefaults(tree string) options {
	o := defaults()
	o.tree, o.logicalSwitch = tree, ""
	o.underlay = guideUnderlayOptions(0)
	return o
}

// TestUnderlayGolden: -underlay 0 with guide 003's values on the bundled
// ConnectX-5, which has no bond1: the objects are printed and the missing
// interface is a warning.
func TestUnderlayGolden(t *testing.T) {
	t.Parallel()
	var out, warn bytes.Buffer
	if err := run(&out, &warn, underlayDefaults("cx5-switchdev")); err != nil {
		t.Fatal(err)
	}
	modeGolden(t, "k8sgen-underlay-cx5-switchdev.yaml", out.Bytes())
	if !strings.Contains(warn.String(), "bond1") || !strings.Contains(warn.String(), "warning") {
		t.Errorf("no warning about bond1: %q", warn.String())
	}
	s := out.String()
	for _, want := range []string{"kind: ProviderNetwork\n", "kind: Vlan\n", "kind: Subnet\n", "kind: NetworkAttachmentDefinition\n",
		"name: nginx-underlay\n", "name: nginx-underlay-novf\n", `\"default-route\":[\"10.10.204.254\"]`,
		"sriov.default.ovn.kubernetes.io/logical_switch: vlan0\n", "    ovn.kubernetes.io/logical_switch: vlan0\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(s, "kind: ConfigMap") {
		t.Error("underlay mode printed the device plugin ConfigMap")
	}
	// The install settings: IFACE "" as the guide's underlay section, not
	// the PF uplink the overlay default would take.
	for _, want := range []string{"#   HW_OFFLOAD=${HW_OFFLOAD:-true}\n", "#   ENABLE_LB=${ENABLE_LB:-false}\n", "#   IFACE=\"\"\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	o := underlayDefaults("cx5-switchdev")
	o.install.install = false
	out.Reset()
	if err := run(&out, &warn, o); err != nil || strings.Contains(out.String(), "#") || !strings.HasPrefix(out.String(), "apiVersion: kubeovn.io/v1\n") {
		t.Errorf("-install=false: %v\n%s", err, out.String())
	}
	o.install.install, o.install.iface = true, "eno1"
	out.Reset()
	if err := run(&out, &warn, o); err != nil || !strings.Contains(out.String(), "#   IFACE=\"eno1\"\n") {
		t.Errorf("-iface eno1: %v\n%s", err, out.String())
	}
}

// TestUnderlayOnVFLAGBond: with the VF LAG bond in place, bond1 passes the
// check silently; a PF as IFACE is refused.
func TestUnderlayOnVFLAGBond(t *testing.T) {
	t.Parallel()
	spec := offloadtest.CX5Switchdev()
	spec.Bonds = []offloadtest.BondSpec{{Name: "bond1", Mode: "802.3ad 4", Slaves: []string{"enp132s0f0np0", "enp132s0f1np1"}}}
	dir := t.TempDir()
	if _, err := offloadtest.Build(dir, spec); err != nil {
		t.Fatal(err)
	}
	o := underlayDefaults("")
	o.root = dir
	o.underlay.vlanID = new(int)
	*o.underlay.vlanID = 204
	var out, warn bytes.Buffer
	if err := run(&out, &warn, o); err != nil {
		t.Fatal(err)
	}
	if warn.Len() != 0 || !strings.Contains(out.String(), "  id: 204\n") {
		t.Errorf("warn %q, output:\n%s", warn.String(), out.String())
	}
	o.install.iface = "enp132s0f1np1"
	if err := run(&out, &warn, o); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("PF as IFACE: %v", err)
	}
}

func TestUnderlayRefuses(t *testing.T) {
	t.Parallel()
	for name, mod := range map[string]func(*options){
		"antrea":         func(o *options) { o.cni = "antrea" },
		"cidr":           func(o *options) { o.underlay.cidr = "10.10.204.0" },
		"gateway":        func(o *options) { o.underlay.gateway = "10.10.205.1" },
		"exclude":        func(o *options) { o.underlay.exclude = "10.10.204.1..x" },
		"network name":   func(o *options) { o.underlay.network = "underlay-offload" },
		"provider name":  func(o *options) { o.underlay.provider = "bond 1" },
		"legacy PF":      func(o *options) { o.tree, o.underlay.provider = "cx5-legacy", "enp132s0f0np0" },
		"no VFs":         func(o *options) { o.tree = "cx5-bond" },
		"two modes":      func(o *options) { o.operator = guideOperatorOptions() },
		"pod name":       func(o *options) { o.podName = "Nginx" },
		"nad namespace":  func(o *options) { o.nadNamespace = "a_b" },
		"cluster is PF":  func(o *options) { o.install.iface = "enp132s0f1np1" },
		"cluster is odd": func(o *options) { o.install.iface = "a/b" },
	} {
		o := underlayDefaults("cx5-switchdev")
		mod(&o)
		var out, warn bytes.Buffer
		if err := run(&out, &warn, o); err == nil {
			t.Errorf("%s: accepted:\n%s", name, out.String())
		} else if out.Len() != 0 {
			t.Errorf("%s: error %v but printed:\n%s", name, err, out.String())
		}
	}
}

func TestOperatorGolden(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.tree, o.operator = "cx5-switchdev", guideOperatorOptions()
	var out, warn bytes.Buffer
	if err := run(&out, &warn, o); err != nil {
		t.Fatal(err)
	}
	modeGolden(t, "k8sgen-operator-cx5-switchdev.yaml", out.Bytes())
	if warn.Len() != 0 {
		t.Errorf("warnings: %q", warn.String())
	}
	// Options reach the policy; an impossible VF count does not print.
	o.operator.rdma, o.operator.priority, o.operator.numVfs = true, 5, 8
	out.Reset()
	if err := run(&out, &warn, o); err != nil || !strings.Contains(out.String(), "isRdma: true\n") ||
		!strings.Contains(out.String(), "priority: 5\n") || !strings.Contains(out.String(), "numVfs: 8\n") {
		t.Errorf("%v:\n%s", err, out.String())
	}
	for name, mod := range map[string]func(*options){
		"numvfs":   func(o *options) { o.operator.numVfs = 128 },
		"priority": func(o *options) { o.operator.priority = 100 },
		"negative": func(o *options) { o.operator.priority = -2 },
		"name":     func(o *options) { o.operator.name = "Policy" },
	} {
		o := defaults()
		o.tree, o.operator = "cx5-switchdev", guideOperatorOptions()
		mod(&o)
		out.Reset()
		if err := run(&out, &warn, o); !errors.Is(err, errs.ErrInvalidArgument) || out.Len() != 0 {
			t.Errorf("%s: %v\n%s", name, err, out.String())
		}
	}
	// No PF the operator handles: nothing printed, and why on stderr.
	o = defaults()
	o.tree, o.operator = "yusur-2200e", guideOperatorOptions()
	out.Reset()
	warn.Reset()
	if err := run(&out, &warn, o); err != nil || out.Len() != 0 || !strings.Contains(warn.String(), "left out") {
		t.Errorf("%v, out %q, warn %q", err, out.String(), warn.String())
	}
}

// TestNodeState: a node state that says what the bundled cx5 host has
// agrees; one changed field is one difference and exit status 1; the
// guide's node differs from the bundled host in every PF.
func TestNodeState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "state.yaml")
	// What the operator's config daemon would report for cx5-switchdev.
	state := `apiVersion: sriovnetwork.openshift.io/v1
kind: SriovNetworkNodeState
metadata: {name: node1, namespace: kube-system}
status:
  interfaces:
  - {name: enp132s0f0np0, pciAddress: "0000:84:00.0", driver: mlx5_core, vendor: "15b3", deviceID: "1017", numVfs: 4, totalvfs: 127, eSwitchMode: switchdev,
     Vfs: [{pciAddress: "0000:84:00.2", vfID: 0}, {pciAddress: "0000:84:00.3", vfID: 1}, {pciAddress: "0000:84:00.4", vfID: 2}, {pciAddress: "0000:84:00.5", vfID: 3}]}
  - {name: enp132s0f1np1, pciAddress: "0000:84:00.1", driver: mlx5_core, vendor: "15b3", deviceID: "1017", numVfs: 4, totalvfs: 127, eSwitchMode: switchdev,
     Vfs: [{pciAddress: "0000:84:00.6", vfID: 0}, {pciAddress: "0000:84:00.7", vfID: 1}, {pciAddress: "0000:84:01.0", vfID: 2}, {pciAddress: "0000:84:01.1", vfID: 3}]}
`
	o := defaults()
	o.tree, o.operator.nodeState = "cx5-switchdev", file
	for _, c := range []struct {
		name, from, to string
		want           string // the output's one line, or "" for agreement
	}{
		{"agrees", "", "", "node state node1 agrees with this host (2 PFs)\n"},
		{"numVfs", `"0000:84:00.1", driver: mlx5_core, vendor: "15b3", deviceID: "1017", numVfs: 4`, `"0000:84:00.1", driver: mlx5_core, vendor: "15b3", deviceID: "1017", numVfs: 3`,
			"0000:84:00.1 numVfs: state \"3\", host \"4\" (mismatch)\n"},
		{"mode", "totalvfs: 127, eSwitchMode: switchdev,\n     Vfs: [{pciAddress: \"0000:84:00.2\"", "totalvfs: 127, eSwitchMode: legacy,\n     Vfs: [{pciAddress: \"0000:84:00.2\"",
			"0000:84:00.0 eSwitchMode: state \"legacy\", host \"switchdev\" (mismatch)\n"},
	} {
		st := strings.Replace(state, c.from, c.to, 1)
		if c.from != "" && st == state {
			t.Fatalf("%s: replacement did not apply", c.name)
		}
		if err := os.WriteFile(file, []byte(st), 0o644); err != nil {
			t.Fatal(err)
		}
		var out, warn bytes.Buffer
		err := run(&out, &warn, o)
		var n errDiffers
		switch {
		case c.name == "agrees" && err != nil:
			t.Errorf("%s: %v\n%s", c.name, err, out.String())
		case c.name != "agrees" && (!errors.As(err, &n) || n != 1):
			t.Errorf("%s: %v, want one difference", c.name, err)
		}
		if out.String() != c.want {
			t.Errorf("%s: output %q, want %q", c.name, out.String(), c.want)
		}
	}
	var out, warn bytes.Buffer
	o.operator.nodeState = "../../offload/kube/testdata/nodestate-guide003.yaml"
	var n errDiffers
	if err := run(&out, &warn, o); !errors.As(err, &n) || n != 4 {
		t.Errorf("guide's node: %v\n%s", err, out.String())
	}
	o.operator.nodeState = filepath.Join(dir, "missing.yaml")
	if err := run(&out, &warn, o); err == nil {
		t.Error("missing file accepted")
	}
	if err := os.WriteFile(file, []byte("kind: Pod\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o.operator.nodeState = file
	if err := run(&out, &warn, o); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("a Pod as node state: %v", err)
	}
}

// TestModeFlags: the flags parse into the modes, with guide 003's
// defaults; existing flags are untouched.
func TestModeFlags(t *testing.T) {
	t.Parallel()
	var u underlayOptions
	var p operatorOptions
	fs := flag.NewFlagSet("k8sgen", flag.ContinueOnError)
	addUnderlayFlags(fs, &u)
	addOperatorFlags(fs, &p)
	if u.vlanID != nil || p.enabled {
		t.Fatal("a mode is on before any flag")
	}
	if err := fs.Parse([]string{"-underlay", "0", "-underlay-exclude", ""}); err != nil {
		t.Fatal(err)
	}
	want := guideUnderlayOptions(0)
	want.exclude = ""
	if u.vlanID == nil || *u.vlanID != 0 || u.network != want.network || u.provider != "bond1" || u.cidr != "10.10.204.0/24" ||
		u.gateway != "10.10.204.254" || u.exclude != "" || u.vlan != "vlan0" || u.subnet != "vlan0" {
		t.Errorf("underlay flags: %+v", u)
	}
	for _, bad := range []string{"-1", "4096", "x"} {
		fs := flag.NewFlagSet("k8sgen", flag.ContinueOnError)
		fs.SetOutput(&bytes.Buffer{})
		addUnderlayFlags(fs, &u)
		if err := fs.Parse([]string{"-underlay", bad}); err == nil {
			t.Errorf("-underlay %s accepted", bad)
		}
	}
	if err := fs.Parse([]string{"-operator", "-operator-numvfs", "5"}); err != nil {
		t.Fatal(err)
	}
	if !p.enabled || p.numVfs != 5 || p.name != "policy" || p.namespace != "kube-system" || p.priority != -1 {
		t.Errorf("operator flags: %+v", p)
	}
}
