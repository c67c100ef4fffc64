package main

import (
	"context"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/offloadkit/offloadkit/offload"
)

// NodeConfig is the declarative node config of plan, apply and agent (see
// the package doc for an example).
type NodeConfig struct {
	// PFs say what each PF (or group of PFs) should look like.
	PFs []PFConfig `json:"pfs"`
	// OVS, when set, says what OVS should have.
	OVS *OVSWanted `json:"ovs,omitempty"`
}

// PFConfig selects PFs by PCI address or by selector and says what they
// should be. Absent fields keep what the host has, except eswitchMode
// (switchdev) and hwTCOffload (true), the point of the config.
type PFConfig struct {
	PCI      string    `json:"pci,omitempty"`
	Selector *Selector `json:"selector,omitempty"`
	// VFs is the VF count; absent keeps the current count.
	VFs *int `json:"vfs,omitempty"`
	// ESwitchMode is legacy or switchdev (default).
	ESwitchMode string `json:"eswitchMode,omitempty"`
	// FlowSteering is the mlx5 flow_steering_mode (smfs, dmfs, hmfs).
	FlowSteering string `json:"flowSteering,omitempty"`
	// HWTCOffload turns hw-tc-offload on on the uplink; default true.
	HWTCOffload *bool `json:"hwTCOffload,omitempty"`
	// Bond is refuse (default), release or vf-lag.
	Bond string `json:"bond,omitempty"`
	// BondMode, with vf-lag, is the bond mode to set (active-backup,
	// balance-xor, 802.3ad); absent keeps it.
	BondMode string `json:"bondMode,omitempty"`
}

// Selector matches PFs by PCI vendor and device ID (hex, as lspci -n
// prints them) and driver; empty fields match anything.
type Selector struct {
	Vendor string `json:"vendor,omitempty"`
	Device string `json:"device,omitempty"`
	Driver string `json:"driver,omitempty"`
}

// OVSWanted is the OVS part of the config.
type OVSWanted struct {
	// HWOffload is other_config:hw-offload; absent leaves it alone.
	HWOffload *bool `json:"hwOffload,omitempty"`
}

// loadConfig reads and checks a node config; every problem is a usage
// error (exit 2) naming the file.
func loadConfig(path string) (*NodeConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("node config: %w", err)
	}
	return parseConfig(path, b)
}

func parseConfig(name string, b []byte) (*NodeConfig, error) {
	var c NodeConfig
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return nil, usagef("node config %s: %w", name, err)
	}
	if err := c.check(name); err != nil {
		return nil, err
	}
	return &c, nil
}

// check validates every entry before anything is read or planned.
func (c *NodeConfig) check(name string) error {
	for i, p := range c.PFs {
		if (p.PCI == "") == (p.Selector == nil) {
			return usagef("node config %s: pfs[%d]: give exactly one of pci and selector", name, i)
		}
		if p.PCI != "" {
			if _, err := offload.ParsePCIAddress(p.PCI); err != nil {
				return usagef("node config %s: pfs[%d]: %w", name, i, err)
			}
		}
		if p.Selector != nil {
			if _, err := p.Selector.filter(); err != nil {
				return usagef("node config %s: pfs[%d]: %w", name, i, err)
			}
		}
		if p.VFs != nil && *p.VFs < 0 {
			return usagef("node config %s: pfs[%d]: vfs %d is negative", name, i, *p.VFs)
		}
		if _, err := specOf(p); err != nil {
			return usagef("node config %s: pfs[%d]: %w", name, i, err)
		}
	}
	return nil
}

func (s *Selector) filter() (offload.Filter, error) {
	var f offload.Filter
	if s.Vendor != "" || s.Device != "" {
		v, d := s.Vendor, s.Device
		if v == "" {
			v = "0"
		}
		if d == "" {
			d = "0"
		}
		id, err := offload.ParsePCIID(v + ":" + d)
		if err != nil {
			return f, err
		}
		f.Vendor, f.Device = id.Vendor, id.Device
	}
	f.Driver = s.Driver
	return f, nil
}

// target is one PF and the config entry that selected it.
type target struct {
	PF  offload.PCIAddress
	Cfg PFConfig
}

// resolve maps the config's entries to the host's PFs. A PCI address the
// host lacks, or a PF two entries select, is an error; a selector that
// matches nothing selects nothing.
func (c *NodeConfig) resolve(ctx context.Context, h *offload.Host) ([]target, error) {
	pfs, err := h.Discover(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[offload.PCIAddress]int{}
	var out []target
	add := func(i int, a offload.PCIAddress, p PFConfig) error {
		if j, dup := seen[a]; dup {
			return usagef("node config: PF %s is selected by pfs[%d] and pfs[%d]", a, j, i)
		}
		seen[a] = i
		out = append(out, target{PF: a, Cfg: p})
		return nil
	}
	for i, p := range c.PFs {
		if p.PCI != "" {
			a, _ := offload.ParsePCIAddress(p.PCI)
			found := false
			for _, pf := range pfs {
				found = found || pf.Address == a
			}
			if !found {
				return nil, fmt.Errorf("node config pfs[%d]: no SR-IOV PF %s on this host", i, a)
			}
			if err := add(i, a, p); err != nil {
				return nil, err
			}
			continue
		}
		f, _ := p.Selector.filter()
		for _, pf := range pfs {
			if (f.Vendor == 0 || f.Vendor == pf.ID.Vendor) && (f.Device == 0 || f.Device == pf.ID.Device) && (f.Driver == "" || f.Driver == pf.Driver) {
				if err := add(i, pf.Address, p); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}
