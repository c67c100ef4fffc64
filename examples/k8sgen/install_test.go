package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// TestGoldenCNI: -cni kube-ovn on the YUSUR card prints guide 000's
// install.sh lines exactly (IFACE="p0") and its ConfigMap selectors
// (vendors 1f47, devices 110f, no drivers); -cni antrea on the
// ConnectX-5 prints start_ovs --hw-offload and the ConfigMap with isRdma
// (guide 001). The golden files sit with the other k8sgen outputs in
// testdata/k8s, where upstreamcheck decodes them into k8s.io/api.
func TestGoldenCNI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tree, cni   string
		want, avoid []string
	}{
		{"yusur-2200e", "kube-ovn",
			[]string{"#   ENABLE_MIRROR=${ENABLE_MIRROR:-false}\n#   HW_OFFLOAD=${HW_OFFLOAD:-true}\n#   ENABLE_LB=${ENABLE_LB:-false}\n#   IFACE=\"p0\"\n",
				"#   func:\n#     ENABLE_LB: false\n#     HW_OFFLOAD: true\n", "#     IFACE: p0\n",
				"\"vendors\": [\n              \"1f47\"\n            ],\n            \"devices\": [\n              \"110f\"\n            ],\n            \"pfNames\": [\n              \"p0\"\n            ]\n"},
			[]string{"drivers", "isRdma", "#0-", "antrea", "start_ovs"}},
		{"cx5-switchdev", "antrea",
			[]string{"#   spec:\n#     template:\n#       spec:\n#         containers:\n#         - name: antrea-ovs\n#           command:\n#           - start_ovs\n#           - \"--hw-offload\"\n",
				"#   ovs:\n#     hwOffload: true\n", "\"isRdma\": true", "\"drivers\": [\n              \"mlx5_core\"\n            ]"},
			[]string{"HW_OFFLOAD", "kube-ovn", "#0-"}},
	} {
		t.Run(tc.tree+"-"+tc.cni, func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.tree, o.cni = tc.tree, tc.cni
			if tc.cni != "kube-ovn" {
				o.logicalSwitch = ""
			}
			var out, warn bytes.Buffer
			if err := run(&out, &warn, o); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join("..", "..", "testdata", "k8s", "k8sgen-"+tc.tree+"-cni-"+tc.cni+".yaml")
			if *update {
				if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				want, err := os.ReadFile(p)
				if err != nil {
					t.Fatalf("%v (go test -update creates it)", err)
				}
				if d := cmp.Diff(string(want), out.String()); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
			}
			s := out.String()
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, a := range tc.avoid {
				if strings.Contains(s, a) {
					t.Errorf("output has %q", a)
				}
			}
			// The settings are comments before the first object: the
			// stream is still what kubectl apply reads.
			head, _, ok := strings.Cut(s, "apiVersion: v1\nkind: ConfigMap\n")
			if !ok || head == "" {
				t.Fatalf("no settings before the ConfigMap:\n%s", s)
			}
			for _, l := range strings.Split(strings.TrimSuffix(head, "\n"), "\n") {
				if !strings.HasPrefix(l, "#") {
					t.Errorf("settings line is not a comment: %q", l)
				}
			}
		})
	}
}

// TestCNIBoth: -cni both prints both CNIs' settings, and leaves isRdma out
// of the one Mellanox pool, saying so on stderr; the YUSUR card gets no
// such note.
func TestCNIBoth(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.tree = "cx5-switchdev"
	var out, warn bytes.Buffer
	if err := run(&out, &warn, o); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, w := range []string{"#   HW_OFFLOAD=${HW_OFFLOAD:-true}\n", "#   IFACE=\"enp132s0f0np0\"\n", "#           - \"--hw-offload\"\n", "#     hwOffload: true\n"} {
		if !strings.Contains(s, w) {
			t.Errorf("output lacks %q", w)
		}
	}
	if strings.Contains(s, "isRdma") || !strings.Contains(warn.String(), "isRdma") {
		t.Errorf("isRdma with -cni both: output has it %v, stderr %q", strings.Contains(s, "isRdma"), warn.String())
	}
	o.tree = "yusur-2200e"
	warn.Reset()
	if err := run(&out, &warn, o); err != nil || warn.Len() != 0 {
		t.Errorf("yusur, -cni both: %v, stderr %q", err, warn.String())
	}
}

func TestInstallFlags(t *testing.T) {
	t.Parallel()
	run1 := func(t *testing.T, o options) (string, string, error) {
		t.Helper()
		var out, warn bytes.Buffer
		err := run(&out, &warn, o)
		return out.String(), warn.String(), err
	}
	// -install=false: exactly the objects, as before the settings.
	o := defaults()
	o.tree, o.install.install = "cx5-switchdev", false
	s, _, err := run1(t, o)
	if err != nil || !strings.HasPrefix(s, "apiVersion: v1\nkind: ConfigMap\n") || strings.Contains(s, "HW_OFFLOAD") {
		t.Errorf("-install=false: %v\n%s", err, s)
	}
	// -iface overrides the discovered uplink.
	o = defaults()
	o.tree, o.cni, o.install.iface = "cx5-switchdev", "kube-ovn", "ensp01"
	if s, _, err := run1(t, o); err != nil || !strings.Contains(s, "#   IFACE=\"ensp01\"\n") || !strings.Contains(s, "#     IFACE: ensp01\n") || !strings.Contains(s, "(IFACE ensp01: -iface)") {
		t.Errorf("-iface ensp01: %v\n%s", err, s)
	}
	for _, bad := range []string{"a/b", "a b", "sixteen-chars-xx"} {
		o.install.iface = bad
		if s, _, err := run1(t, o); !errors.Is(err, errs.ErrInvalidArgument) || s != "" {
			t.Errorf("-iface %q: %v, printed %q", bad, err, s)
		}
	}
	o = defaults()
	o.tree, o.cni, o.logicalSwitch, o.install.iface = "cx5-switchdev", "antrea", "", "p0"
	if _, _, err := run1(t, o); err == nil {
		t.Error("-iface with -cni antrea accepted")
	}
	// -pf-vf-ranges asks for the ranges the default leaves out.
	o = defaults()
	o.tree, o.install.vfRanges = "cx5-switchdev", true
	if s, _, err := run1(t, o); err != nil || !strings.Contains(s, "\"enp132s0f0np0#0-3\"") {
		t.Errorf("-pf-vf-ranges: %v\n%s", err, s)
	}
	// No offload PF and no -iface: no Kube-OVN settings, and a note.
	o = defaults()
	o.tree = "cx5-legacy"
	s, w, err := run1(t, o)
	if err != nil || strings.Contains(s, "HW_OFFLOAD") || !strings.Contains(w, "no -iface") || !strings.Contains(s, "hwOffload: true") {
		t.Errorf("legacy: %v, stderr %q\n%s", err, w, s)
	}
}

// TestInstallBond: PFs in a bond (VF LAG) make the bond Kube-OVN's IFACE,
// as the Mellanox guide's IFACE="bond1".
func TestInstallBond(t *testing.T) {
	t.Parallel()
	spec := offloadtest.CX5Switchdev()
	spec.Bonds = []offloadtest.BondSpec{{Name: "bond1", Mode: "802.3ad 4", Slaves: []string{"enp132s0f0np0", "enp132s0f1np1"}}}
	dir := t.TempDir()
	if _, err := offloadtest.Build(dir, spec); err != nil {
		t.Fatal(err)
	}
	o := defaults()
	o.root, o.cni = dir, "kube-ovn"
	var out, warn bytes.Buffer
	if err := run(&out, &warn, o); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "#   IFACE=\"bond1\"\n") || !strings.Contains(s, "the bond of the first offload PF") {
		t.Errorf("output:\n%s", s)
	}
}
