package kube

import (
	"fmt"
	"sort"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// Names the sriov-network-operator objects carry (guide 003, "使用
// sriov-network-operator 配置 SR-IOV 和 Device Plugin").
const (
	// SriovNetworkAPIVersion is the operator's API group and version.
	SriovNetworkAPIVersion = "sriovnetwork.openshift.io/v1"
	// LabelSriovCapable is the node label node-feature-discovery sets (or
	// kubectl label, by hand) on nodes with SR-IOV NICs; the guide's policy
	// selects nodes by it.
	LabelSriovCapable = "feature.node.kubernetes.io/network-sriov.capable"
	// OperatorDeviceTypeNetdevice is the operator's deviceType for VFs
	// bound to their kernel driver (its default; "vfio-pci" is the other).
	OperatorDeviceTypeNetdevice = "netdevice"
)

// SriovNetworkNodePolicy is a sriovnetwork.openshift.io/v1
// SriovNetworkNodePolicy with the fields offload needs.
type SriovNetworkNodePolicy struct {
	APIVersion string                     `json:"apiVersion"`
	Kind       string                     `json:"kind"`
	Metadata   ObjectMeta                 `json:"metadata"`
	Spec       SriovNetworkNodePolicySpec `json:"spec"`
}

// SriovNetworkNodePolicySpec is what the operator's config daemon applies
// to the selected PFs of the selected nodes.
type SriovNetworkNodePolicySpec struct {
	NodeSelector map[string]string `json:"nodeSelector"`
	// Priority is 0 (highest) to 99; nil leaves the operator's default
	// (99), as guide 003's policy does.
	Priority    *int   `json:"priority,omitempty"`
	ESwitchMode string `json:"eSwitchMode"`
	// NumVfs is the number of VFs on each selected PF.
	NumVfs       int                     `json:"numVfs"`
	NicSelector  SriovNetworkNicSelector `json:"nicSelector"`
	DeviceType   string                  `json:"deviceType,omitempty"`
	IsRdma       bool                    `json:"isRdma,omitempty"`
	ResourceName string                  `json:"resourceName"`
}

// SriovNetworkNicSelector selects PFs; guide 003 names them by netdev.
type SriovNetworkNicSelector struct {
	PfNames []string `json:"pfNames"`
}

// PolicyConfig says what PoliciesFromPFs generates. GuidePolicy returns
// guide 003's values.
type PolicyConfig struct {
	// Name is the policy's name ("policy"); with more than one vendor
	// each policy gets "-" and the resource name (underscores as '-').
	Name string
	// Namespace is the operator's namespace ("kube-system" in the guide).
	Namespace string
	// NumVfs is the VF count for every selected PF, 1 up to each PF's
	// sriov_totalvfs (3 in the guide).
	NumVfs int
	// ResourceName is the device plugin resource name without prefix,
	// letters, digits and '_'; "" takes OperatorResource's name for each
	// vendor (cx_sriov_switchdev for Mellanox, as the guide). A name
	// given here is refused when the PFs are of several vendors: one
	// resource would pool different NICs.
	ResourceName string
	// IsRdma asks the operator for RDMA-capable VFs; guide 003 leaves it
	// off (false, omitted).
	IsRdma bool
	// Priority is written when not nil (0 to 99).
	Priority *int
}

// GuidePolicy returns guide 003's policy: "policy" in kube-system, 3 VFs
// per PF, the vendor's OperatorResource (cx_sriov_switchdev on the guide's
// ConnectX-5), no RDMA, the operator's priority.
func GuidePolicy() PolicyConfig {
	return PolicyConfig{Name: "policy", Namespace: "kube-system", NumVfs: 3}
}

// OperatorResource returns the resource name a policy gives a vendor's
// VFs: cx_sriov_switchdev for Mellanox, as guide 003's policy names it
// (its device plugin ConfigMap says cx5_sriov_switchdev; the operator path
// is a separate setup), and ice_sriov_switchdev for Intel. ok is false
// for vendors the operator does not put in switchdev mode.
func OperatorResource(v offload.VendorID) (name string, ok bool) {
	switch v {
	case offload.VendorMellanox:
		return "cx_sriov_switchdev", true
	case offload.VendorIntel:
		return "ice_sriov_switchdev", true
	}
	return "", false
}

// SkippedPF is a PF PoliciesFromPFs left out, and why.
type SkippedPF struct {
	PF     offload.PCIAddress
	Reason string
}

// operatorSwitchdevVendor reports whether the sriov-network-operator puts
// this vendor's NICs in switchdev mode: its supported NIC list and its
// policy schema name Mellanox and Intel (E810); Agilio and YUSUR are
// configured through their vendors' own steps (guides 000 and 002).
func operatorSwitchdevVendor(v offload.VendorID) bool {
	_, ok := OperatorResource(v)
	return ok
}

// PoliciesFromPFs builds one SriovNetworkNodePolicy per vendor from the
// PFs Host.Discover returned: eSwitchMode switchdev, cfg.NumVfs VFs on each
// PF, nicSelector.pfNames with the PFs' uplink netdevs (sorted),
// deviceType netdevice, the nodeSelector
// feature.node.kubernetes.io/network-sriov.capable: "true". PFs are
// selected whatever their present mode and VF count, since the operator
// sets both. PFs of vendors the operator does not put in switchdev mode,
// PFs without a netdev, PFs in a bond (the operator's switchdev
// configuration needs them out of it, as guide 003 says) are left out
// and listed in skipped. A NumVfs above a PF's sriov_totalvfs is an
// error (errs.ErrInvalidArgument) naming the PF.
func PoliciesFromPFs(pfs []offload.PF, cfg PolicyConfig) (policies []*SriovNetworkNodePolicy, skipped []SkippedPF, err error) {
	if err := ValidateDNS1123Subdomain("SriovNetworkNodePolicy name", cfg.Name); err != nil {
		return nil, nil, err
	}
	if err := ValidateDNS1123Label("SriovNetworkNodePolicy namespace", cfg.Namespace); err != nil {
		return nil, nil, err
	}
	if cfg.NumVfs < 1 {
		return nil, nil, errs.Invalid("numVfs", fmt.Sprint(cfg.NumVfs), "want at least 1")
	}
	if cfg.ResourceName != "" {
		if err := (ResourceName{Prefix: "openshift.io", Name: cfg.ResourceName}).Validate(); err != nil {
			return nil, nil, err
		}
	}
	if cfg.Priority != nil && (*cfg.Priority < 0 || *cfg.Priority > 99) {
		return nil, nil, errs.Invalid("priority", fmt.Sprint(*cfg.Priority), "want 0 to 99")
	}
	type group struct {
		resource string
		pfNames  []string
	}
	groups := map[offload.VendorID]*group{}
	for i := range pfs {
		pf := &pfs[i]
		up, hasNetdev := pf.Uplink()
		switch {
		case !operatorSwitchdevVendor(pf.ID.Vendor):
			skipped = append(skipped, SkippedPF{pf.Address, fmt.Sprintf("vendor %s: the operator does not put it in switchdev mode", pf.ID.Vendor)})
			continue
		case !hasNetdev:
			skipped = append(skipped, SkippedPF{pf.Address, "no netdev to name in pfNames"})
			continue
		case pf.Bond != nil:
			skipped = append(skipped, SkippedPF{pf.Address, fmt.Sprintf("%s is in %s: remove it from the bond first (guide 003)", up.Name, pf.Bond.Name)})
			continue
		}
		if err := errs.ValidateIfName(up.Name); err != nil {
			return nil, nil, err
		}
		if pf.TotalVFs > 0 && cfg.NumVfs > pf.TotalVFs {
			return nil, nil, errs.Invalid("numVfs", fmt.Sprint(cfg.NumVfs), fmt.Sprintf("PF %s (%s) has sriov_totalvfs %d", pf.Address, up.Name, pf.TotalVFs))
		}
		g := groups[pf.ID.Vendor]
		if g == nil {
			g = &group{resource: cfg.ResourceName}
			if g.resource == "" {
				g.resource, _ = OperatorResource(pf.ID.Vendor)
			}
			groups[pf.ID.Vendor] = g
		}
		g.pfNames = append(g.pfNames, up.Name)
	}
	if cfg.ResourceName != "" && len(groups) > 1 {
		return nil, nil, errs.Invalid("resource name", cfg.ResourceName, fmt.Sprintf("the PFs are of %d vendors: one resource would pool different NICs; leave it empty for one per vendor", len(groups)))
	}
	vendors := make([]offload.VendorID, 0, len(groups))
	for v := range groups {
		vendors = append(vendors, v)
	}
	sort.Slice(vendors, func(i, j int) bool { return vendors[i] < vendors[j] })
	for _, v := range vendors {
		g := groups[v]
		sort.Strings(g.pfNames)
		name := cfg.Name
		if len(groups) > 1 {
			name += "-" + dashes(g.resource)
		}
		p := &SriovNetworkNodePolicy{APIVersion: SriovNetworkAPIVersion, Kind: "SriovNetworkNodePolicy",
			Metadata: ObjectMeta{Name: name, Namespace: cfg.Namespace},
			Spec: SriovNetworkNodePolicySpec{
				NodeSelector: map[string]string{LabelSriovCapable: "true"},
				Priority:     cfg.Priority, ESwitchMode: "switchdev", NumVfs: cfg.NumVfs,
				NicSelector: SriovNetworkNicSelector{PfNames: g.pfNames},
				DeviceType:  OperatorDeviceTypeNetdevice, IsRdma: cfg.IsRdma, ResourceName: g.resource,
			}}
		if err := p.Metadata.validate("SriovNetworkNodePolicy"); err != nil {
			return nil, nil, err
		}
		policies = append(policies, p)
	}
	return policies, skipped, nil
}

// dashes turns a resource name into a name part: lower case, '_' as '-'.
func dashes(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c == '_':
			b[i] = '-'
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
