package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// guide000InstallSh is the block of install.sh the YUSUR guide (000) shows
// after its edit; the Corigine and Mellanox guides show the same with
// their own IFACE.
const guide000InstallSh = `ENABLE_MIRROR=${ENABLE_MIRROR:-false}
HW_OFFLOAD=${HW_OFFLOAD:-true}
ENABLE_LB=${ENABLE_LB:-false}
IFACE="p0"
`

func TestKubeOVNInstallSh(t *testing.T) {
	t.Parallel()
	k, err := KubeOVNOffloadInstall("p0")
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.InstallSh()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(guide000InstallSh, got); d != "" {
		t.Errorf("guide 000's lines (-want +got):\n%s", d)
	}
	// The Mellanox guide's underlay section: IFACE="" (the default
	// route's NIC).
	k, err = KubeOVNOffloadInstall("")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := k.InstallSh(); !strings.HasSuffix(got, "\nIFACE=\"\"\n") {
		t.Errorf("empty IFACE:\n%s", got)
	}
	// The zero value states every variable too, off.
	if got, _ := (KubeOVNInstall{}).InstallSh(); !strings.Contains(got, "HW_OFFLOAD=${HW_OFFLOAD:-false}\n") || !strings.Contains(got, "ENABLE_LB=${ENABLE_LB:-false}\n") {
		t.Errorf("zero value:\n%s", got)
	}
	if got, _ := (KubeOVNInstall{EnableLB: true, EnableMirror: true}).InstallSh(); !strings.Contains(got, "ENABLE_LB=${ENABLE_LB:-true}\n") || !strings.Contains(got, "ENABLE_MIRROR=${ENABLE_MIRROR:-true}\n") {
		t.Errorf("EnableLB, EnableMirror:\n%s", got)
	}
}

// TestKubeOVNInstallShQuoting runs the rendered lines in a real shell:
// IFACE comes back as the name whatever the name holds ($, backquotes,
// quotes are all allowed in interface names), the booleans as written,
// and an environment variable still overrides HW_OFFLOAD as in
// install.sh.
func TestKubeOVNInstallShQuoting(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run the lines:", err)
	}
	for _, name := range []string{"p0", "bond1", "ens47np0", "a$b", "a`id`", `q"x`, "it's", "x\\y", "v@1.2-3+4", "$(id)"} {
		k, err := KubeOVNOffloadInstall(name)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		lines, err := k.InstallSh()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(sh, "-c", lines+`printf '%s|%s|%s|%s' "$IFACE" "$HW_OFFLOAD" "$ENABLE_LB" "$ENABLE_MIRROR"`)
		cmd.Env = []string{"PATH=/usr/bin:/bin", "ENABLE_MIRROR=yes"}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%q: %v\n%s", name, err, lines)
		}
		if want := name + "|true|false|yes"; string(out) != want {
			t.Errorf("%q: the shell read %q, want %q\n%s", name, out, want, lines)
		}
	}
}

func TestKubeOVNInstallInvalid(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a/b", "a b", "a:b", "averyveryverylongname", ".", "a\tb"} {
		if _, err := KubeOVNOffloadInstall(name); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("KubeOVNOffloadInstall(%q) = %v", name, err)
		}
		k := KubeOVNInstall{HWOffload: true, Iface: name}
		if s, err := k.InstallSh(); !errors.Is(err, errs.ErrInvalidArgument) || s != "" {
			t.Errorf("InstallSh with IFACE %q = %q, %v", name, s, err)
		}
		if v, err := k.HelmValues(); !errors.Is(err, errs.ErrInvalidArgument) || v != (KubeOVNValues{}) {
			t.Errorf("HelmValues with IFACE %q = %+v, %v", name, v, err)
		}
	}
}

// TestKubeOVNHelmValues writes testdata/k8s/kube-ovn-values.yaml, which
// upstreamcheck holds against the chart's key paths, and checks the keys
// and types here against the same names.
func TestKubeOVNHelmValues(t *testing.T) {
	t.Parallel()
	k, err := KubeOVNOffloadInstall("enp132s0f0np0")
	if err != nil {
		t.Fatal(err)
	}
	v, err := k.HelmValues()
	if err != nil {
		t.Fatal(err)
	}
	y, err := YAML(v)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "kube-ovn-values.yaml", y)
	js, _ := json.Marshal(v)
	var got struct {
		Networking struct {
			IFACE string
		} `json:"networking"`
		Func struct {
			HWOffload bool `json:"HW_OFFLOAD"`
			EnableLB  bool `json:"ENABLE_LB"`
		} `json:"func"`
		Debug struct {
			EnableMirror bool `json:"ENABLE_MIRROR"`
		} `json:"debug"`
	}
	strict(t, js, &got)
	if got.Networking.IFACE != "enp132s0f0np0" || !got.Func.HWOffload || got.Func.EnableLB || got.Debug.EnableMirror {
		t.Errorf("values %s", js)
	}
	if !bytes.Contains(js, []byte(`"IFACE":"enp132s0f0np0"`)) {
		t.Errorf("IFACE key not spelt as the chart spells it: %s", js)
	}
}

// TestAntreaInstall pins the guide's start_ovs command, the patch and the
// Helm values, and writes the patch and values to testdata/k8s for
// upstreamcheck.
func TestAntreaInstall(t *testing.T) {
	t.Parallel()
	a := AntreaOffloadInstall()
	if d := cmp.Diff([]string{"start_ovs", "--hw-offload"}, a.OVSCommand()); d != "" {
		t.Errorf("command (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"start_ovs"}, AntreaInstall{}.OVSCommand()); d != "" {
		t.Errorf("offload off (-want +got):\n%s", d)
	}
	p := a.AgentPatch()
	p.Spec.Template.Spec.Containers[0].Command[0] = "changed"
	if a.OVSCommand()[0] != "start_ovs" || a.AgentPatch().Spec.Template.Spec.Containers[0].Command[0] != "start_ovs" {
		t.Error("the patch shares its command with the next one")
	}
	py, err := YAML(a.AgentPatch())
	if err != nil {
		t.Fatal(err)
	}
	want := `spec:
  template:
    spec:
      containers:
      - name: antrea-ovs
        command:
        - start_ovs
        - "--hw-offload"
`
	if d := cmp.Diff(want, string(py)); d != "" {
		t.Errorf("patch (-want +got):\n%s", d)
	}
	golden(t, "antrea-agent-hw-offload-patch.yaml", py)
	vy, err := YAML(a.HelmValues())
	if err != nil {
		t.Fatal(err)
	}
	if string(vy) != "ovs:\n  hwOffload: true\n" {
		t.Errorf("values:\n%s", vy)
	}
	golden(t, "antrea-values.yaml", vy)
}

// TestOffloadIface: the uplink of the first offload PF with VFs, the bond
// when the PFs are enslaved (VF LAG, IFACE="bond1" in the Mellanox
// guide), nothing for legacy PFs.
func TestOffloadIface(t *testing.T) {
	t.Parallel()
	bonded := offloadtest.CX5Switchdev()
	bonded.Bonds = []offloadtest.BondSpec{{Name: "bond1", Mode: "802.3ad 4", Slaves: []string{"enp132s0f0np0", "enp132s0f1np1"}}}
	for _, tc := range []struct {
		spec offloadtest.Spec
		want string
	}{
		{offloadtest.CX5Switchdev(), "enp132s0f0np0"},
		{bonded, "bond1"},
		{offloadtest.Yusur2200E(), "p0"},         // guide 000: IFACE="p0"
		{offloadtest.AgilioFlower(), "ens47np0"}, // the physical port, not the PF vNIC ens47
		{offloadtest.CX5Legacy(), ""},
		{offloadtest.E810(), ""},
	} {
		t.Run(tc.spec.Name, func(t *testing.T) {
			t.Parallel()
			pfs, err := offloadtest.New(t, tc.spec).Host(t).Discover(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got, ok := OffloadIface(pfs)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("OffloadIface = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
	if got, ok := OffloadIface(nil); got != "" || ok {
		t.Errorf("no PFs: %q, %v", got, ok)
	}
}
