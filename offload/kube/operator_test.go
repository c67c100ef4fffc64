package kube

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// TestPoliciesGuide: the guide's policy from the cx5 card, compared whole,
// whatever the card's present mode and VF count (the operator sets both).
func TestPoliciesGuide(t *testing.T) {
	t.Parallel()
	want := []*SriovNetworkNodePolicy{{APIVersion: "sriovnetwork.openshift.io/v1", Kind: "SriovNetworkNodePolicy",
		Metadata: ObjectMeta{Name: "policy", Namespace: "kube-system"},
		Spec: SriovNetworkNodePolicySpec{
			NodeSelector: map[string]string{"feature.node.kubernetes.io/network-sriov.capable": "true"},
			ESwitchMode:  "switchdev", NumVfs: 3,
			NicSelector: SriovNetworkNicSelector{PfNames: []string{"enp132s0f0np0", "enp132s0f1np1"}},
			DeviceType:  "netdevice", ResourceName: "cx_sriov_switchdev",
		}}}
	for _, tree := range []string{"cx5-switchdev", "cx5-legacy"} {
		pfs := discover(t, mustSpec(t, tree))
		got, skipped, err := PoliciesFromPFs(pfs, GuidePolicy())
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tree, d)
		}
		if len(skipped) != 0 {
			t.Errorf("%s: skipped %v", tree, skipped)
		}
	}
	y, err := YAML(want[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"    feature.node.kubernetes.io/network-sriov.capable: \"true\"\n", "  eSwitchMode: switchdev\n", "  numVfs: 3\n", "    - enp132s0f0np0\n"} {
		if !strings.Contains(string(y), line) {
			t.Errorf("YAML lacks %q:\n%s", line, y)
		}
	}
	if strings.Contains(string(y), "priority") || strings.Contains(string(y), "isRdma") {
		t.Errorf("unset priority or isRdma written:\n%s", y)
	}
}

func mustSpec(t *testing.T, name string) offloadtest.Spec {
	t.Helper()
	s, ok := offloadtest.ByName(name)
	if !ok {
		t.Fatalf("no tree %s", name)
	}
	return s
}

func TestPoliciesOptionsAndSkips(t *testing.T) {
	t.Parallel()
	spec := offloadtest.CX5Switchdev()
	spec.PFs = append(spec.PFs, offloadtest.AgilioFlower().PFs...)
	spec.PFs = append(spec.PFs, offloadtest.E810().PFs...)
	pfs := discover(t, spec)
	prio := 10
	cfg := PolicyConfig{Name: "offload", Namespace: "sriov-network-operator", NumVfs: 4, IsRdma: true, Priority: &prio}
	got, skipped, err := PoliciesFromPFs(pfs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var names, resources []string
	for _, p := range got {
		names = append(names, p.Metadata.Name)
		resources = append(resources, p.Spec.ResourceName)
		if !p.Spec.IsRdma || p.Spec.Priority == nil || *p.Spec.Priority != 10 || p.Spec.NumVfs != 4 {
			t.Errorf("%s: options not applied: %+v", p.Metadata.Name, p.Spec)
		}
	}
	// Mellanox (15b3) before Intel (8086); the vendor's default resources.
	if d := cmp.Diff([]string{"offload-cx-sriov-switchdev", "offload-ice-sriov-switchdev"}, names); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"cx_sriov_switchdev", "ice_sriov_switchdev"}, resources); d != "" {
		t.Errorf("resources (-want +got):\n%s", d)
	}
	if len(skipped) != len(offloadtest.AgilioFlower().PFs) || !strings.Contains(skipped[0].Reason, "19ee") {
		t.Errorf("skipped %+v, want the Agilio PF", skipped)
	}

	// One resource name for two vendors would pool different NICs.
	cfg.ResourceName = "sriov_switchdev"
	if p, _, err := PoliciesFromPFs(pfs, cfg); !errors.Is(err, errs.ErrInvalidArgument) || p != nil {
		t.Errorf("one resource for two vendors: %v, %v", p, err)
	}
	cfg.ResourceName = "mine"
	if p, _, err := PoliciesFromPFs(discover(t, offloadtest.CX5Legacy()), cfg); err != nil || len(p) != 1 || p[0].Spec.ResourceName != "mine" || p[0].Metadata.Name != "offload" {
		t.Errorf("one vendor, resource given: %v, %v", p, err)
	}

	// A PF in a bond is left out: the operator needs it out of the bond.
	bond := discover(t, offloadtest.CX5Bond())
	got, skipped, err = PoliciesFromPFs(bond, GuidePolicy())
	if err != nil || len(got) != 0 || len(skipped) != 2 || !strings.Contains(skipped[0].Reason, "bond1") {
		t.Errorf("bonded PFs: %v, %+v, %v", got, skipped, err)
	}
}

func TestPoliciesRefuse(t *testing.T) {
	t.Parallel()
	pfs := discover(t, offloadtest.CX5Switchdev()) // sriov_totalvfs 127
	bad := -1
	for name, mod := range map[string]func(*PolicyConfig){
		"numVfs over totalvfs": func(c *PolicyConfig) { c.NumVfs = 128 },
		"numVfs zero":          func(c *PolicyConfig) { c.NumVfs = 0 },
		"name":                 func(c *PolicyConfig) { c.Name = "Policy" },
		"namespace":            func(c *PolicyConfig) { c.Namespace = "kube.system" },
		"resource":             func(c *PolicyConfig) { c.ResourceName = "cx-sriov" },
		"priority":             func(c *PolicyConfig) { c.Priority = &bad },
	} {
		cfg := GuidePolicy()
		mod(&cfg)
		if p, _, err := PoliciesFromPFs(pfs, cfg); !errors.Is(err, errs.ErrInvalidArgument) || p != nil {
			t.Errorf("%s: %v, %v; want ErrInvalidArgument", name, p, err)
		}
	}
	cfg := GuidePolicy()
	cfg.NumVfs = 127
	if _, _, err := PoliciesFromPFs(pfs, cfg); err != nil {
		t.Errorf("numVfs = sriov_totalvfs refused: %v", err)
	}
	// A netdev name no kernel makes is refused rather than written.
	odd := []offload.PF{{ID: offload.PCIID{Vendor: offload.VendorMellanox}, Netdevs: []offload.Netdev{{Name: "a b"}}}}
	if _, _, err := PoliciesFromPFs(odd, GuidePolicy()); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad netdev name: %v", err)
	}
}

// TestPolicyAllFields writes a policy with every field this package sets
// (testdata/policy-all-fields.yaml), which upstreamcheck holds to the
// operator's CRD.
func TestPolicyAllFields(t *testing.T) {
	t.Parallel()
	prio := 10
	cfg := GuidePolicy()
	cfg.IsRdma, cfg.Priority = true, &prio
	p, _, err := PoliciesFromPFs(discover(t, offloadtest.CX5Switchdev()), cfg)
	if err != nil || len(p) != 1 {
		t.Fatal(p, err)
	}
	y, err := YAML(p[0])
	if err != nil {
		t.Fatal(err)
	}
	localGolden(t, "policy-all-fields.yaml", y)
}
