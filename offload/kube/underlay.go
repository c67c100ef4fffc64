package kube

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Names of the Kube-OVN underlay objects and annotations (guide 003,
// "Underlay 卸载").
const (
	// KubeOVNAPIVersion is the API group and version of Kube-OVN's
	// ProviderNetwork, Vlan and Subnet.
	KubeOVNAPIVersion = "kubeovn.io/v1"
	// AnnotationNetworks on a Pod attaches secondary networks (Multus):
	// a JSON list of NetworkSelectionElement.
	AnnotationNetworks = "k8s.v1.cni.cncf.io/networks"
	// AnnotationLogicalSwitch puts a pod's cluster network interface in a
	// Kube-OVN subnet; a NAD's interface takes the same key prefixed with
	// its provider ("sriov.default.ovn.kubernetes.io/logical_switch").
	AnnotationLogicalSwitch = "ovn.kubernetes.io/logical_switch"
	// KubeOVNSubnetProvider is the provider of a subnet of Kube-OVN's own
	// network, as the guide's underlay Subnet names it.
	KubeOVNSubnetProvider = "ovn"
)

// ProviderNetwork is a kubeovn.io/v1 ProviderNetwork: the node NIC that an
// underlay network's OVS bridge takes.
type ProviderNetwork struct {
	APIVersion string              `json:"apiVersion"`
	Kind       string              `json:"kind"`
	Metadata   ObjectMeta          `json:"metadata"`
	Spec       ProviderNetworkSpec `json:"spec"`
}

// ProviderNetworkSpec names the NIC, the same on every node.
type ProviderNetworkSpec struct {
	// DefaultInterface is the node NIC put in the provider bridge
	// (bond1 in guide 003).
	DefaultInterface string `json:"defaultInterface"`
}

// Vlan is a kubeovn.io/v1 Vlan: a VLAN tag on a provider network.
type Vlan struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   ObjectMeta `json:"metadata"`
	Spec       VlanSpec   `json:"spec"`
}

// VlanSpec is the tag and the provider network it is on. ID 0 is
// untagged, and is written (the guide's Vlan has "id: 0").
type VlanSpec struct {
	ID       int    `json:"id"`
	Provider string `json:"provider"`
}

// Subnet is a kubeovn.io/v1 Subnet with the fields of the guide's
// underlay subnet.
type Subnet struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   ObjectMeta `json:"metadata"`
	Spec       SubnetSpec `json:"spec"`
}

// SubnetSpec is the address plan of the subnet and the Vlan it is on.
type SubnetSpec struct {
	Protocol   string   `json:"protocol"` // "IPv4" or "IPv6", from CIDRBlock
	Provider   string   `json:"provider"`
	CIDRBlock  string   `json:"cidrBlock"`
	Gateway    string   `json:"gateway"`
	Vlan       string   `json:"vlan"`
	ExcludeIPs []string `json:"excludeIps,omitempty"`
}

// IPRange is an inclusive range of addresses, written as Kube-OVN's
// excludeIps entries are: "a..b", or "a" when First equals Last.
type IPRange struct{ First, Last netip.Addr }

// String renders "a..b" or "a".
func (r IPRange) String() string {
	if r.First == r.Last {
		return r.First.String()
	}
	return r.First.String() + ".." + r.Last.String()
}

// ParseIPRange parses "a..b" or "a" (addresses without zones, both of
// one family, a <= b).
func ParseIPRange(s string) (IPRange, error) {
	a, b, isRange := strings.Cut(s, "..")
	if !isRange {
		b = a
	}
	first, err1 := netip.ParseAddr(a)
	last, err2 := netip.ParseAddr(b)
	if err1 != nil || err2 != nil || first.Zone() != "" || last.Zone() != "" {
		return IPRange{}, errs.Invalid("IP range", s, "want an address or first..last")
	}
	first, last = first.Unmap(), last.Unmap()
	if first.Is4() != last.Is4() || last.Less(first) {
		return IPRange{}, errs.Invalid("IP range", s, "first and last must be of one family, first <= last")
	}
	return IPRange{First: first, Last: last}, nil
}

// UnderlaySpec describes the Kube-OVN underlay network of guide 003: a
// provider network on a node NIC, a Vlan on it and a Subnet in the Vlan.
// GuideUnderlay returns the guide's values.
type UnderlaySpec struct {
	// ProviderNetwork is the ProviderNetwork's name, at most 12
	// characters ("underlay");
	// Interface its defaultInterface ("bond1"). CheckUnderlayNICs says
	// whether the interface suits offload on a discovered host.
	ProviderNetwork string
	Interface       string
	// Vlan is the Vlan's name ("vlan0") and VlanID its tag, 0 to 4095
	// (0: untagged, as in the guide).
	Vlan   string
	VlanID int
	// Subnet is the Subnet's name ("vlan0"), also the logical switch pods
	// name in their annotation.
	Subnet string
	// CIDR is the subnet's prefix, with no host bits set
	// (10.10.204.0/24); Gateway an address in it other than the network
	// address (10.10.204.254).
	CIDR    netip.Prefix
	Gateway netip.Addr
	// Exclude are ranges in CIDR that Kube-OVN must not hand to pods
	// (10.10.204.1..10.10.204.100); nil excludes nothing.
	Exclude []IPRange
}

// GuideUnderlay returns guide 003's underlay values: ProviderNetwork on
// bond1 (named "underlay": the guide's "underlay-offload" is longer than
// the 12 characters Kube-OVN's CRD allows), Vlan vlan0 with id 0, Subnet vlan0 with
// 10.10.204.0/24, gateway 10.10.204.254, 10.10.204.1..10.10.204.100
// excluded.
func GuideUnderlay() UnderlaySpec {
	return UnderlaySpec{
		ProviderNetwork: "underlay", Interface: "bond1",
		Vlan: "vlan0", VlanID: 0, Subnet: "vlan0",
		CIDR:    netip.MustParsePrefix("10.10.204.0/24"),
		Gateway: netip.MustParseAddr("10.10.204.254"),
		Exclude: []IPRange{{First: netip.MustParseAddr("10.10.204.1"), Last: netip.MustParseAddr("10.10.204.100")}},
	}
}

// Validate checks every name and address of the spec: object names as
// DNS-1123 subdomains, the interface with the kernel's rule, the VLAN tag,
// a canonical prefix, a gateway and excluded ranges inside it.
func (s UnderlaySpec) Validate() error {
	for _, n := range []struct{ what, v string }{
		{"ProviderNetwork name", s.ProviderNetwork}, {"Vlan name", s.Vlan}, {"Subnet name", s.Subnet},
	} {
		if err := ValidateDNS1123Subdomain(n.what, n.v); err != nil {
			return err
		}
	}
	// Kube-OVN's CRD caps ProviderNetwork names at 12 characters (and
	// refuses "int"): the node bridge is br-<name>, a netdev name of at
	// most 15. Guide 003's "underlay-offload" (16) is refused by it.
	if len(s.ProviderNetwork) > 12 || s.ProviderNetwork == "int" {
		return errs.Invalid("ProviderNetwork name", s.ProviderNetwork, "Kube-OVN allows at most 12 characters, not \"int\" (its bridge is br-<name>)")
	}
	if err := errs.ValidateIfName(s.Interface); err != nil {
		return fmt.Errorf("ProviderNetwork defaultInterface: %w", err)
	}
	if s.VlanID < 0 || s.VlanID > 4095 {
		return errs.Invalid("VLAN id", fmt.Sprint(s.VlanID), "want 0 (untagged) to 4095")
	}
	if !s.CIDR.IsValid() || s.CIDR.Addr().Zone() != "" {
		return errs.Invalid("subnet CIDR", s.CIDR.String(), "want a prefix such as 10.10.204.0/24")
	}
	if s.CIDR.Masked() != s.CIDR {
		return errs.Invalid("subnet CIDR", s.CIDR.String(), "host bits set: want "+s.CIDR.Masked().String())
	}
	if s.CIDR.Addr().Is4In6() {
		return errs.Invalid("subnet CIDR", s.CIDR.String(), "an IPv4-mapped IPv6 prefix: write the IPv4 prefix")
	}
	if !s.Gateway.IsValid() || s.Gateway.Zone() != "" || !s.CIDR.Contains(s.Gateway) || s.Gateway == s.CIDR.Addr() {
		return errs.Invalid("subnet gateway", s.Gateway.String(), "want an address inside "+s.CIDR.String()+" other than the network address")
	}
	for _, r := range s.Exclude {
		if _, err := ParseIPRange(r.String()); err != nil || !r.First.IsValid() {
			return errs.Invalid("excluded range", r.String(), "not an address range")
		}
		if !s.CIDR.Contains(r.First) || !s.CIDR.Contains(r.Last) {
			return errs.Invalid("excluded range", r.String(), "not inside "+s.CIDR.String())
		}
	}
	return nil
}

// UnderlayObjects are the three Kube-OVN objects of an underlay network,
// in the order `kubectl apply` needs them.
type UnderlayObjects struct {
	ProviderNetwork *ProviderNetwork
	Vlan            *Vlan
	Subnet          *Subnet
}

// Underlay validates s and returns guide 003's ProviderNetwork, Vlan and
// Subnet for it. The Subnet's provider is "ovn" and its protocol follows
// the CIDR's family. Nothing is read from or changed on the host; call
// CheckUnderlayNICs with the discovered PFs to check the interface.
func Underlay(s UnderlaySpec) (*UnderlayObjects, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	proto := "IPv4"
	if s.CIDR.Addr().Is6() {
		proto = "IPv6"
	}
	var exclude []string
	for _, r := range s.Exclude {
		exclude = append(exclude, r.String())
	}
	return &UnderlayObjects{
		ProviderNetwork: &ProviderNetwork{APIVersion: KubeOVNAPIVersion, Kind: "ProviderNetwork",
			Metadata: ObjectMeta{Name: s.ProviderNetwork}, Spec: ProviderNetworkSpec{DefaultInterface: s.Interface}},
		Vlan: &Vlan{APIVersion: KubeOVNAPIVersion, Kind: "Vlan",
			Metadata: ObjectMeta{Name: s.Vlan}, Spec: VlanSpec{ID: s.VlanID, Provider: s.ProviderNetwork}},
		Subnet: &Subnet{APIVersion: KubeOVNAPIVersion, Kind: "Subnet", Metadata: ObjectMeta{Name: s.Subnet},
			Spec: SubnetSpec{Protocol: proto, Provider: KubeOVNSubnetProvider, CIDRBlock: s.CIDR.String(),
				Gateway: s.Gateway.String(), Vlan: s.Vlan, ExcludeIPs: exclude}},
	}, nil
}

// NetworkSelectionElement is one entry of a pod's
// k8s.v1.cni.cncf.io/networks annotation (Multus), with the fields the
// guide uses.
type NetworkSelectionElement struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	// DefaultRoute are the gateways of the pod's default route through
	// this network; the pod's cluster network then keeps none.
	DefaultRoute []string `json:"default-route,omitempty"`
}

// SecondaryVFPodSpec describes a pod that keeps its cluster network and
// gets one VF on a secondary network, as guide 003's nginx-underlay.
type SecondaryVFPodSpec struct {
	Name, Namespace string // the pod; Namespace "" leaves it to kubectl
	Image           string
	Command         []string
	// NAD is the NetworkAttachmentDefinition of the secondary network;
	// it must be a Kube-OVN NAD (with a provider) and have a namespace.
	NAD *NetworkAttachmentDefinition
	// DefaultRoute are the gateways the pod's default route takes through
	// the VF (the underlay subnet's gateway); nil keeps the cluster
	// network's default route.
	DefaultRoute []netip.Addr
	// LogicalSwitch is the Kube-OVN subnet of the VF interface
	// ("vlan0"), required: the underlay subnet is not the default one.
	LogicalSwitch string
}

// SecondaryVFPod returns guide 003's underlay pod: the networks annotation
// naming the NAD with its default-route, the logical switch under the
// NAD's provider ("sriov.default.ovn.kubernetes.io/logical_switch") and
// one unit of the NAD's resource in requests and limits.
func SecondaryVFPod(s SecondaryVFPodSpec) (*Pod, error) {
	if err := validatePodNAD(s.NAD); err != nil {
		return nil, err
	}
	if s.LogicalSwitch == "" {
		return nil, errs.Invalid("logical switch", "", "empty: name the underlay subnet")
	}
	if err := ValidateDNS1123Subdomain("logical switch", s.LogicalSwitch); err != nil {
		return nil, err
	}
	key, err := providerSwitchKey(s.NAD)
	if err != nil {
		return nil, err
	}
	sel := NetworkSelectionElement{Name: s.NAD.Metadata.Name, Namespace: s.NAD.Metadata.Namespace}
	for _, gw := range s.DefaultRoute {
		if !gw.IsValid() || gw.Zone() != "" {
			return nil, errs.Invalid("default route gateway", gw.String(), "want an address without zone")
		}
		sel.DefaultRoute = append(sel.DefaultRoute, gw.Unmap().String())
	}
	nets, err := json.Marshal([]NetworkSelectionElement{sel})
	if err != nil {
		return nil, err
	}
	res, err := ParseResourceName(s.NAD.Metadata.Annotations[AnnotationResourceName])
	if err != nil {
		return nil, err
	}
	pod, err := newPod(s.Name, s.Namespace, s.Image, s.Command, map[string]string{
		AnnotationNetworks: string(nets),
		key:                s.LogicalSwitch,
	})
	if err != nil {
		return nil, err
	}
	pod.Spec.Containers[0].Resources = ResourceRequirements{
		Requests: map[string]string{res.String(): "1"}, Limits: map[string]string{res.String(): "1"},
	}
	return pod, nil
}

// NoVFPodSpec describes a pod in a Kube-OVN subnet without a VF: its flows
// stay in the kernel datapath, not the eswitch.
type NoVFPodSpec struct {
	Name, Namespace string
	Image           string
	Command         []string
	// LogicalSwitch is the subnet of the pod's cluster interface ("vlan0").
	LogicalSwitch string
}

// NoVFPod returns guide 003's pod without a VF: only the
// ovn.kubernetes.io/logical_switch annotation and no resources. Guide 003
// names it nginx-underlay-noVF, which the API server refuses (pod and
// container names are lower case); GuidePodNames gives the name used here.
func NoVFPod(s NoVFPodSpec) (*Pod, error) {
	if err := ValidateDNS1123Subdomain("logical switch", s.LogicalSwitch); err != nil {
		return nil, err
	}
	return newPod(s.Name, s.Namespace, s.Image, s.Command, map[string]string{AnnotationLogicalSwitch: s.LogicalSwitch})
}

// GuidePodNames returns the names of guide 003's underlay pods:
// nginx-underlay, and nginx-underlay-novf for the guide's
// nginx-underlay-noVF, lower-cased because Kubernetes names are.
func GuidePodNames() (vf, noVF string) { return "nginx-underlay", "nginx-underlay-novf" }

// newPod validates and builds a one-container pod whose container is
// named after it.
func newPod(name, namespace, image string, cmd []string, annotations map[string]string) (*Pod, error) {
	meta := ObjectMeta{Name: name, Namespace: namespace, Annotations: annotations}
	if err := meta.validate("Pod"); err != nil {
		return nil, err
	}
	if err := ValidateDNS1123Label("Pod name", name); err != nil { // also the container's name
		return nil, err
	}
	if err := ValidateCommand("container command", cmd); err != nil {
		return nil, err
	}
	if err := validateImage(image); err != nil {
		return nil, err
	}
	return &Pod{APIVersion: "v1", Kind: "Pod", Metadata: meta, Spec: PodSpec{Containers: []Container{{
		Name: name, Image: image, Command: slices.Clone(cmd),
	}}}}, nil
}

// providerSwitchKey returns "<provider>.kubernetes.io/logical_switch" for
// a Kube-OVN NAD, reading the provider from its config.
func providerSwitchKey(nad *NetworkAttachmentDefinition) (string, error) {
	var conf CNIConfList
	if err := json.Unmarshal([]byte(nad.Spec.Config), &conf); err != nil {
		return "", errs.Invalid("NetworkAttachmentDefinition config", nad.Metadata.Name, err.Error())
	}
	provider := ""
	for _, p := range conf.Plugins {
		if p.Type == "kube-ovn" {
			provider = p.Provider
		}
	}
	if provider == "" {
		return "", errs.Invalid("NetworkAttachmentDefinition", nad.Metadata.Name, "not a Kube-OVN NAD (no kube-ovn plugin with a provider): only those take a logical switch")
	}
	key := provider + ".kubernetes.io/logical_switch"
	if err := ValidateQualifiedName("Kube-OVN provider annotation key", key); err != nil {
		return "", err
	}
	return key, nil
}
