package kube

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// DevicePluginConfig is the SR-IOV network device plugin's config.json
// (k8snetworkplumbingwg/sriov-network-device-plugin, ResourceConfList).
type DevicePluginConfig struct {
	ResourceList []ResourceConfig `json:"resourceList"`
}

// DeviceType is the device plugin's deviceType: which kind of device a
// resource pool holds.
type DeviceType string

// Device types the device plugin knows. The empty value means netDevice.
const (
	DeviceTypeNetDevice    DeviceType = "netDevice"
	DeviceTypeAccelerator  DeviceType = "accelerator"
	DeviceTypeAuxNetDevice DeviceType = "auxNetDevice"
)

// ResourceConfig is one resource pool of the device plugin.
type ResourceConfig struct {
	// ResourceName is the name part of the extended resource
	// ("cx5_sriov_switchdev"); ResourcePrefix its domain ("mellanox.com").
	ResourceName   string     `json:"resourceName"`
	ResourcePrefix string     `json:"resourcePrefix,omitempty"`
	DeviceType     DeviceType `json:"deviceType,omitempty"`
	// Selectors pick the devices of the pool; all non-empty fields must
	// match (AND), each list matches any of its entries (OR).
	Selectors NetDeviceSelectors `json:"selectors"`
}

// Resource returns the full extended resource name, prefix/name.
func (r ResourceConfig) Resource() ResourceName {
	return ResourceName{Prefix: r.ResourcePrefix, Name: r.ResourceName}
}

// NetDeviceSelectors are the device plugin's selectors for netDevice pools.
// isRdma and needVhostNet belong here, in the selectors: the Antrea guide
// puts isRdma next to resourceName, where the plugin ignores it.
type NetDeviceSelectors struct {
	Vendors      []string `json:"vendors,omitempty"`      // "15b3"
	Devices      []string `json:"devices,omitempty"`      // VF device IDs, "1018"
	Drivers      []string `json:"drivers,omitempty"`      // "mlx5_core"
	PCIAddresses []string `json:"pciAddresses,omitempty"` // "0000:84:00.2"
	PFNames      []PFName `json:"pfNames,omitempty"`      // "enp132s0f0np0#0-3"
	RootDevices  []string `json:"rootDevices,omitempty"`  // PF PCI addresses
	LinkTypes    []string `json:"linkTypes,omitempty"`    // "ether"
	AcpiIndexes  []string `json:"acpiIndexes,omitempty"`  // "101"
	IsRdma       bool     `json:"isRdma,omitempty"`
	NeedVhostNet bool     `json:"needVhostNet,omitempty"`
}

// PFName is a pfNames selector entry: a PF netdev name, optionally limited
// to some of its VFs ("enp132s0f0np0#0-3", "p0#0,2-4").
type PFName struct {
	Netdev string
	VFs    []VFRange
}

// VFRange is an inclusive range of VF indexes.
type VFRange struct{ First, Last int }

// String renders "netdev" or "netdev#a-b,c".
func (p PFName) String() string {
	if len(p.VFs) == 0 {
		return p.Netdev
	}
	parts := make([]string, len(p.VFs))
	for i, r := range p.VFs {
		if r.First == r.Last {
			parts[i] = strconv.Itoa(r.First)
		} else {
			parts[i] = fmt.Sprintf("%d-%d", r.First, r.Last)
		}
	}
	return p.Netdev + "#" + strings.Join(parts, ",")
}

// ParsePFName parses a pfNames entry.
func ParsePFName(s string) (PFName, error) {
	name, ranges, hasRanges := strings.Cut(s, "#")
	p := PFName{Netdev: name}
	if err := errs.ValidateIfName(name); err != nil {
		return PFName{}, err
	}
	if !hasRanges {
		return p, nil
	}
	for _, part := range strings.Split(ranges, ",") {
		a, b, isRange := strings.Cut(part, "-")
		first, err1 := strconv.Atoi(a)
		last := first
		var err2 error
		if isRange {
			last, err2 = strconv.Atoi(b)
		}
		if err1 != nil || err2 != nil || first < 0 || last < first || validateDigits("VF index", a) != nil || (isRange && validateDigits("VF index", b) != nil) {
			return PFName{}, errs.Invalid("pfNames entry", s, "want netdev, netdev#N or netdev#N-M with N <= M (comma-separated)")
		}
		p.VFs = append(p.VFs, VFRange{First: first, Last: last})
	}
	return p, nil
}

// MarshalText renders the entry.
func (p PFName) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText parses the entry.
func (p *PFName) UnmarshalText(b []byte) error {
	v, err := ParsePFName(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Validate checks every resource: the name and prefix, the device type,
// and every selector value, so that a config that validates is one the
// device plugin accepts. Resource names must be unique.
func (c DevicePluginConfig) Validate() error {
	seen := map[string]bool{}
	for _, r := range c.ResourceList {
		if err := r.Validate(); err != nil {
			return err
		}
		k := r.Resource().String()
		if seen[k] {
			return errs.Invalid("resource", k, "listed twice")
		}
		seen[k] = true
	}
	return nil
}

// Validate checks one resource pool.
func (r ResourceConfig) Validate() error {
	prefix := r.ResourcePrefix
	if prefix == "" {
		prefix = "intel.com" // the device plugin's default -resource-prefix
	}
	if err := (ResourceName{Prefix: prefix, Name: r.ResourceName}).Validate(); err != nil {
		return err
	}
	switch r.DeviceType {
	case "", DeviceTypeNetDevice, DeviceTypeAccelerator, DeviceTypeAuxNetDevice:
	default:
		return errs.Invalid("deviceType", string(r.DeviceType), "want netDevice, accelerator or auxNetDevice")
	}
	return r.Selectors.Validate()
}

// Validate checks every selector value.
func (s NetDeviceSelectors) Validate() error {
	for _, v := range s.Vendors {
		if err := validateHex4("vendor selector", v); err != nil {
			return err
		}
	}
	for _, v := range s.Devices {
		if err := validateHex4("device selector", v); err != nil {
			return err
		}
	}
	for _, v := range s.Drivers {
		if err := validateWord("driver selector", v); err != nil {
			return err
		}
	}
	for _, list := range [][]string{s.PCIAddresses, s.RootDevices} {
		for _, v := range list {
			if _, err := offload.ParsePCIAddress(v); err != nil {
				return err
			}
		}
	}
	for _, p := range s.PFNames {
		if _, err := ParsePFName(p.String()); err != nil {
			return err
		}
	}
	for _, v := range s.LinkTypes {
		if err := validateWord("link type selector", v); err != nil {
			return err
		}
	}
	for _, v := range s.AcpiIndexes {
		if err := validateDigits("acpiIndexes selector", v); err != nil {
			return err
		}
	}
	return nil
}
