package kube

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// TestUnderlayGuideObjects: the guide's values give the guide's objects,
// compared whole (the ProviderNetwork renamed, see GuideUnderlay).
func TestUnderlayGuideObjects(t *testing.T) {
	t.Parallel()
	got, err := Underlay(GuideUnderlay())
	if err != nil {
		t.Fatal(err)
	}
	want := &UnderlayObjects{
		ProviderNetwork: &ProviderNetwork{APIVersion: "kubeovn.io/v1", Kind: "ProviderNetwork",
			Metadata: ObjectMeta{Name: "underlay"}, Spec: ProviderNetworkSpec{DefaultInterface: "bond1"}},
		Vlan: &Vlan{APIVersion: "kubeovn.io/v1", Kind: "Vlan", Metadata: ObjectMeta{Name: "vlan0"},
			Spec: VlanSpec{ID: 0, Provider: "underlay"}},
		Subnet: &Subnet{APIVersion: "kubeovn.io/v1", Kind: "Subnet", Metadata: ObjectMeta{Name: "vlan0"},
			Spec: SubnetSpec{Protocol: "IPv4", Provider: "ovn", CIDRBlock: "10.10.204.0/24", Gateway: "10.10.204.254",
				Vlan: "vlan0", ExcludeIPs: []string{"10.10.204.1..10.10.204.100"}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	y, err := YAML(got.Vlan)
	if err != nil {
		t.Fatal(err)
	}
	// id 0 is written: it is the guide's untagged VLAN, not an absent one.
	if !strings.Contains(string(y), "  id: 0\n") {
		t.Errorf("Vlan id 0 omitted:\n%s", y)
	}
	s := GuideUnderlay()
	s.CIDR, s.Gateway, s.Exclude = netip.MustParsePrefix("fd00:10::/64"), netip.MustParseAddr("fd00:10::1"), nil
	v6, err := Underlay(s)
	if err != nil || v6.Subnet.Spec.Protocol != "IPv6" || v6.Subnet.Spec.ExcludeIPs != nil {
		t.Errorf("IPv6 subnet: %+v, %v", v6, err)
	}
}

func TestUnderlayValidation(t *testing.T) {
	t.Parallel()
	for name, mod := range map[string]func(*UnderlaySpec){
		"guide's provider name (16 characters)": func(s *UnderlaySpec) { s.ProviderNetwork = "underlay-offload" },
		"provider int":                          func(s *UnderlaySpec) { s.ProviderNetwork = "int" },
		"provider upper case":                   func(s *UnderlaySpec) { s.ProviderNetwork = "Underlay" },
		"vlan name":                             func(s *UnderlaySpec) { s.Vlan = "vlan_0" },
		"subnet name":                           func(s *UnderlaySpec) { s.Subnet = "" },
		"interface slash":                       func(s *UnderlaySpec) { s.Interface = "bond/1" },
		"interface too long":                    func(s *UnderlaySpec) { s.Interface = "bond0123456789ab" },
		"vlan id negative":                      func(s *UnderlaySpec) { s.VlanID = -1 },
		"vlan id 4096":                          func(s *UnderlaySpec) { s.VlanID = 4096 },
		"cidr host bits":                        func(s *UnderlaySpec) { s.CIDR = netip.MustParsePrefix("10.10.204.1/24") },
		"cidr zero":                             func(s *UnderlaySpec) { s.CIDR = netip.Prefix{} },
		"cidr mapped":                           func(s *UnderlaySpec) { s.CIDR = netip.MustParsePrefix("::ffff:10.10.204.0/120") },
		"gateway outside":                       func(s *UnderlaySpec) { s.Gateway = netip.MustParseAddr("10.10.205.1") },
		"gateway network address":               func(s *UnderlaySpec) { s.Gateway = netip.MustParseAddr("10.10.204.0") },
		"gateway zero":                          func(s *UnderlaySpec) { s.Gateway = netip.Addr{} },
		"exclude outside": func(s *UnderlaySpec) {
			s.Exclude = []IPRange{{netip.MustParseAddr("10.10.204.1"), netip.MustParseAddr("10.10.205.1")}}
		},
		"exclude reversed": func(s *UnderlaySpec) {
			s.Exclude = []IPRange{{netip.MustParseAddr("10.10.204.9"), netip.MustParseAddr("10.10.204.1")}}
		},
		"exclude zero": func(s *UnderlaySpec) { s.Exclude = []IPRange{{}} },
	} {
		t.Run(name, func(t *testing.T) {
			s := GuideUnderlay()
			mod(&s)
			if objs, err := Underlay(s); !errors.Is(err, errs.ErrInvalidArgument) || objs != nil {
				t.Errorf("Underlay = %v, %v; want ErrInvalidArgument", objs, err)
			}
		})
	}
}

func TestParseIPRange(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"10.10.204.1..10.10.204.100": "10.10.204.1..10.10.204.100",
		"10.10.204.7":                "10.10.204.7",
		"10.0.0.1..10.0.0.1":         "10.0.0.1",
		"fd00::1..fd00::ff":          "fd00::1..fd00::ff",
		"::ffff:10.0.0.1":            "10.0.0.1",
	} {
		r, err := ParseIPRange(in)
		if err != nil || r.String() != want {
			t.Errorf("ParseIPRange(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	for _, in := range []string{"", "..", "10.0.0.2..10.0.0.1", "10.0.0.1..fd00::1", "fe80::1%eth0", "10.0.0.1...10.0.0.2", "10.0.0.0/24"} {
		if _, err := ParseIPRange(in); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("ParseIPRange(%q) = %v, want ErrInvalidArgument", in, err)
		}
	}
}

func guideNAD(t *testing.T) *NetworkAttachmentDefinition {
	t.Helper()
	nad, err := KubeOVNNAD("sriov", "default", ResourceName{Prefix: "mellanox.com", Name: "cx5_sriov_switchdev"})
	if err != nil {
		t.Fatal(err)
	}
	return nad
}

// TestSecondaryVFPod: guide 003's nginx-underlay, compared whole; the
// networks annotation decodes to the guide's list.
func TestSecondaryVFPod(t *testing.T) {
	t.Parallel()
	vfName, _ := GuidePodNames()
	pod, err := SecondaryVFPod(SecondaryVFPodSpec{Name: vfName, Image: "docker.io/library/nginx:alpine", NAD: guideNAD(t),
		DefaultRoute: []netip.Addr{netip.MustParseAddr("10.10.204.254")}, LogicalSwitch: "vlan0"})
	if err != nil {
		t.Fatal(err)
	}
	one := map[string]string{"mellanox.com/cx5_sriov_switchdev": "1"}
	want := &Pod{APIVersion: "v1", Kind: "Pod", Metadata: ObjectMeta{Name: "nginx-underlay", Annotations: map[string]string{
		"k8s.v1.cni.cncf.io/networks":                    `[{"name":"sriov","namespace":"default","default-route":["10.10.204.254"]}]`,
		"sriov.default.ovn.kubernetes.io/logical_switch": "vlan0",
	}}, Spec: PodSpec{Containers: []Container{{Name: "nginx-underlay", Image: "docker.io/library/nginx:alpine",
		Resources: ResourceRequirements{Requests: one, Limits: one}}}}}
	if d := cmp.Diff(want, pod); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// The same list the guide writes by hand, decoded.
	guide := `[{
      "name": "sriov",
      "namespace": "default",
      "default-route": ["10.10.204.254"]
    }]`
	var a, b []NetworkSelectionElement
	if err := json.Unmarshal([]byte(guide), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(pod.Metadata.Annotations[AnnotationNetworks]), &b); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("networks annotation differs from the guide's (-guide +got):\n%s", d)
	}
}

func TestSecondaryVFPodRefuses(t *testing.T) {
	t.Parallel()
	antrea, err := AntreaNAD("sriov", "default", ResourceName{Prefix: "mellanox.com", Name: "cx5_sriov_switchdev"})
	if err != nil {
		t.Fatal(err)
	}
	noNS := guideNAD(t)
	noNS.Metadata.Namespace = ""
	badRes := guideNAD(t)
	badRes.Metadata.Annotations[AnnotationResourceName] = "nope"
	base := func() SecondaryVFPodSpec {
		return SecondaryVFPodSpec{Name: "p", Image: "i", NAD: guideNAD(t), LogicalSwitch: "vlan0"}
	}
	for name, mod := range map[string]func(*SecondaryVFPodSpec){
		"no NAD":         func(s *SecondaryVFPodSpec) { s.NAD = nil },
		"antrea NAD":     func(s *SecondaryVFPodSpec) { s.NAD = antrea },
		"NAD namespace":  func(s *SecondaryVFPodSpec) { s.NAD = noNS },
		"NAD resource":   func(s *SecondaryVFPodSpec) { s.NAD = badRes },
		"no switch":      func(s *SecondaryVFPodSpec) { s.LogicalSwitch = "" },
		"bad switch":     func(s *SecondaryVFPodSpec) { s.LogicalSwitch = "Vlan0" },
		"guide noVF":     func(s *SecondaryVFPodSpec) { s.Name = "nginx-underlay-noVF" },
		"bad image":      func(s *SecondaryVFPodSpec) { s.Image = "a b" },
		"bad command":    func(s *SecondaryVFPodSpec) { s.Command = []string{"a\x00b"} },
		"zero gateway":   func(s *SecondaryVFPodSpec) { s.DefaultRoute = []netip.Addr{{}} },
		"zoned gateway":  func(s *SecondaryVFPodSpec) { s.DefaultRoute = []netip.Addr{netip.MustParseAddr("fe80::1%eth0")} },
		"bad namespace":  func(s *SecondaryVFPodSpec) { s.Namespace = "a.b" },
		"long pod name":  func(s *SecondaryVFPodSpec) { s.Name = strings.Repeat("a", 64) },
		"hostile switch": func(s *SecondaryVFPodSpec) { s.LogicalSwitch = "vlan0\nhostNetwork: true" },
	} {
		t.Run(name, func(t *testing.T) {
			s := base()
			mod(&s)
			if pod, err := SecondaryVFPod(s); !errors.Is(err, errs.ErrInvalidArgument) || pod != nil {
				t.Errorf("= %v, %v; want ErrInvalidArgument", pod, err)
			}
		})
	}
}

func TestNoVFPod(t *testing.T) {
	t.Parallel()
	_, name := GuidePodNames()
	pod, err := NoVFPod(NoVFPodSpec{Name: name, Image: "docker.io/library/nginx:alpine", LogicalSwitch: "vlan0"})
	if err != nil {
		t.Fatal(err)
	}
	want := &Pod{APIVersion: "v1", Kind: "Pod", Metadata: ObjectMeta{Name: "nginx-underlay-novf",
		Annotations: map[string]string{"ovn.kubernetes.io/logical_switch": "vlan0"}},
		Spec: PodSpec{Containers: []Container{{Name: "nginx-underlay-novf", Image: "docker.io/library/nginx:alpine"}}}}
	if d := cmp.Diff(want, pod); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// The guide's own name is refused: Kubernetes names are lower case.
	if _, err := NoVFPod(NoVFPodSpec{Name: "nginx-underlay-noVF", Image: "i", LogicalSwitch: "vlan0"}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("nginx-underlay-noVF: %v", err)
	}
	if _, err := NoVFPod(NoVFPodSpec{Name: "p", Image: "i"}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("no logical switch: %v", err)
	}
}

// discover builds spec and returns what Host.Discover finds there.
func discover(t *testing.T, spec offloadtest.Spec) []offload.PF {
	t.Helper()
	pfs, err := offloadtest.New(t, spec).Host(t).Discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return pfs
}

// cx5SwitchdevBond is the cx5-switchdev card with both uplinks in bond1,
// as guide 003 leaves it after its VF LAG step.
func cx5SwitchdevBond(mode string) offloadtest.Spec {
	s := offloadtest.CX5Switchdev()
	s.Bonds = []offloadtest.BondSpec{{Name: "bond1", Mode: mode, Slaves: []string{"enp132s0f0np0", "enp132s0f1np1"}}}
	return s
}

func TestCheckUnderlayNICs(t *testing.T) {
	t.Parallel()
	switchdev := discover(t, offloadtest.CX5Switchdev())
	legacy := discover(t, offloadtest.CX5Legacy())
	lag := discover(t, cx5SwitchdevBond("802.3ad 4"))
	rr := discover(t, cx5SwitchdevBond("balance-rr 0"))
	legacyBond := discover(t, offloadtest.CX5Bond())
	if lag[0].Bond == nil || lag[0].Bond.Name != "bond1" {
		t.Fatalf("the bond tree has no bond1 on its first PF: %+v", lag[0].Bond)
	}
	// A bond one of whose slaves is not a PF: built by hand, since the
	// fake tree enslaves only netdevs it has.
	foreign := discover(t, cx5SwitchdevBond("active-backup 1"))
	for i := range foreign {
		b := *foreign[i].Bond
		b.Slaves = []string{"enp132s0f0np0", "eno1"}
		foreign[i].Bond = &b
	}
	foreign = foreign[:1]
	// Mode unknown (no devlink): VF representors are the evidence.
	unknownReps := discover(t, offloadtest.CX5Switchdev())
	unknownNoReps := discover(t, offloadtest.CX5Switchdev())
	for i := range unknownReps {
		unknownReps[i].ESwitchMode = offload.ESwitchModeUnknown
		unknownNoReps[i].ESwitchMode = offload.ESwitchModeUnknown
		unknownNoReps[i].Representors = nil
	}
	for _, c := range []struct {
		name string
		pfs  []offload.PF
		nics UnderlayNICs
		want error // nil, or the sentinel the error must match
	}{
		{"PF uplink as provider, IFACE empty (the guide's default)", switchdev, UnderlayNICs{Provider: "enp132s0f0np0"}, nil},
		{"PF uplink as provider, another NIC as IFACE", switchdev, UnderlayNICs{Provider: "enp132s0f1np1", Cluster: "eno1"}, nil},
		{"VF LAG bond as provider (guide 003)", lag, UnderlayNICs{Provider: "bond1", Cluster: "eno1"}, nil},
		{"IFACE is a PF, provider bond not created yet", switchdev, UnderlayNICs{Provider: "bond1", Cluster: "enp132s0f0np0"}, errs.ErrInvalidArgument},
		{"IFACE is a PF", switchdev, UnderlayNICs{Provider: "enp132s0f1np1", Cluster: "enp132s0f0np0"}, errs.ErrInvalidArgument},
		{"IFACE is the provider PF", switchdev, UnderlayNICs{Provider: "enp132s0f0np0", Cluster: "enp132s0f0np0"}, errs.ErrInvalidArgument},
		{"IFACE is the PFs' bond", lag, UnderlayNICs{Provider: "enp132s0f0np0", Cluster: "bond1"}, errs.ErrInvalidArgument},
		{"IFACE is the provider bond", lag, UnderlayNICs{Provider: "bond1", Cluster: "bond1"}, errs.ErrInvalidArgument},
		{"provider is a bond slave", lag, UnderlayNICs{Provider: "enp132s0f0np0"}, errs.ErrInvalidArgument},
		{"provider PF, mode unknown, VF representors", unknownReps, UnderlayNICs{Provider: "enp132s0f0np0"}, nil},
		{"provider PF, mode unknown, no representors", unknownNoReps, UnderlayNICs{Provider: "enp132s0f0np0"}, errs.ErrNotSwitchdev},
		{"provider PF in legacy mode", legacy, UnderlayNICs{Provider: "enp132s0f0np0"}, errs.ErrNotSwitchdev},
		{"provider bond over legacy PFs", legacyBond, UnderlayNICs{Provider: "bond1"}, errs.ErrNotSwitchdev},
		{"provider bond in balance-rr", rr, UnderlayNICs{Provider: "bond1"}, errs.ErrNotSupported},
		{"provider bond with a non-PF slave", foreign, UnderlayNICs{Provider: "bond1"}, errs.ErrNotSupported},
		{"provider bond not created yet", switchdev, UnderlayNICs{Provider: "bond1"}, errs.ErrNotFound},
		{"provider is another NIC", switchdev, UnderlayNICs{Provider: "eno1"}, errs.ErrNotFound},
		{"provider is a VF representor", switchdev, UnderlayNICs{Provider: "enp132s0f0r0"}, errs.ErrNotFound},
		{"provider name empty", switchdev, UnderlayNICs{}, errs.ErrInvalidArgument},
		{"provider name with slash", switchdev, UnderlayNICs{Provider: "a/b"}, errs.ErrInvalidArgument},
		{"IFACE name too long", switchdev, UnderlayNICs{Provider: "enp132s0f0np0", Cluster: "eno1234567890123"}, errs.ErrInvalidArgument},
		{"no PFs at all", nil, UnderlayNICs{Provider: "bond1"}, errs.ErrNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckUnderlayNICs(c.pfs, c.nics)
			switch {
			case c.want == nil && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.want != nil && !errors.Is(err, c.want):
				t.Errorf("error %v, want one matching %v", err, c.want)
			case err != nil && !strings.Contains(err.Error(), "interface"):
				t.Errorf("error does not say which interface: %v", err)
			}
			var e *errs.Error
			if c.want != nil && c.want != errs.ErrInvalidArgument && (!errors.As(err, &e) || e.Device != c.nics.Provider) {
				t.Errorf("error %v is not an *errs.Error naming %s", err, c.nics.Provider)
			}
		})
	}
}
