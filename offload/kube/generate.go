package kube

import (
	"fmt"
	"sort"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/offloadkit/offloadkit/offload"
)

// DefaultResource returns the resource name the guides use for a vendor's
// offload VFs: mellanox.com/cx5_sriov_switchdev (every ConnectX, as the
// Kube-OVN and Antrea guides name it), corigine.com/agilio_sriov (both the
// Netronome and the Corigine vendor ID), yusur.tech/sriov_dpu, and
// intel.com/ice_sriov_switchdev. ok is false for other vendors.
func DefaultResource(v offload.VendorID) (ResourceName, bool) {
	switch v {
	case offload.VendorMellanox:
		return ResourceName{Prefix: "mellanox.com", Name: "cx5_sriov_switchdev"}, true
	case offload.VendorNetronome, offload.VendorCorigine:
		return ResourceName{Prefix: "corigine.com", Name: "agilio_sriov"}, true
	case offload.VendorYUSUR:
		return ResourceName{Prefix: "yusur.tech", Name: "sriov_dpu"}, true
	case offload.VendorIntel:
		return ResourceName{Prefix: "intel.com", Name: "ice_sriov_switchdev"}, true
	}
	return ResourceName{}, false
}

// offloadPF reports whether the PF's VFs are offload VFs: its eswitch is in
// switchdev mode, or its mode is unknown (no devlink on this root) but it
// has VF representors, which exist only in switchdev mode; or it is a
// YUSUR DPU, whose representors live in OVS-DPDK and whose eswitch mode the
// kernel does not report.
func offloadPF(pf *offload.PF) bool {
	switch {
	case pf.ESwitchMode == offload.ESwitchModeSwitchdev || pf.ID.Vendor == offload.VendorYUSUR:
		return true
	case pf.ESwitchMode == offload.ESwitchModeUnknown:
		for _, r := range pf.Representors {
			if r.PortName.Flavour == offload.PortFlavourPCIVF {
				return true
			}
		}
	}
	return false
}

// ResourcesFromPFs builds one device plugin resource per vendor holding
// every VF of the offload PFs in pfs (switchdev PFs, and YUSUR DPUs), as
// Host.Discover returns them. PFs in legacy mode and PFs without VFs are
// left out; so that their VFs stay out of the pool even when they share a
// device ID, the selectors name the PFs: pfNames with the VF range
// ("enp132s0f0np0#0-3") when every PF has a netdev, else rootDevices.
// The resources are sorted by resource name.
func ResourcesFromPFs(pfs []offload.PF) ([]ResourceConfig, error) {
	type group struct {
		name    ResourceName
		vendor  offload.VendorID
		devices map[string]bool
		drivers map[string]bool
		pfNames []PFName
		roots   []string
		noName  bool
	}
	groups := map[string]*group{}
	for i := range pfs {
		pf := &pfs[i]
		if !offloadPF(pf) || len(pf.VFs) == 0 {
			continue
		}
		rn, ok := DefaultResource(pf.ID.Vendor)
		if !ok {
			return nil, fmt.Errorf("PF %s: no resource name for vendor %s: %w", pf.Address, pf.ID.Vendor, errs.ErrNotSupported)
		}
		g := groups[rn.String()]
		if g == nil {
			g = &group{name: rn, vendor: pf.ID.Vendor, devices: map[string]bool{}, drivers: map[string]bool{}}
			groups[rn.String()] = g
		}
		lo, hi := -1, -1
		for _, vf := range pf.VFs {
			g.devices[vf.ID.Device.String()] = true
			if vf.Driver != "" {
				g.drivers[vf.Driver] = true
			}
			if lo < 0 || vf.Index < lo {
				lo = vf.Index
			}
			if vf.Index > hi {
				hi = vf.Index
			}
		}
		g.roots = append(g.roots, pf.Address.String())
		if up, ok := pf.Uplink(); ok {
			g.pfNames = append(g.pfNames, PFName{Netdev: up.Name, VFs: []VFRange{{First: lo, Last: hi}}})
		} else {
			g.noName = true
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]ResourceConfig, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		r := ResourceConfig{ResourceName: g.name.Name, ResourcePrefix: g.name.Prefix}
		r.Selectors.Vendors = []string{g.vendor.String()}
		r.Selectors.Devices = sortedKeys(g.devices)
		r.Selectors.Drivers = sortedKeys(g.drivers)
		if g.noName {
			r.Selectors.RootDevices = g.roots
		} else {
			r.Selectors.PFNames = g.pfNames
		}
		if err := r.Validate(); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
