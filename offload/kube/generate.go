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

// ResourcesOptions are the choices ResourcesFromPFsWith makes that the
// hardware does not decide. The zero value is the Kube-OVN guides' form.
type ResourcesOptions struct {
	// VFRanges limits each pfNames entry to the VF indexes that exist at
	// generation time ("enp132s0f0np0#0-3"). Default false: the PF name
	// alone, as sriov-network-operator's pfNames in the Mellanox guide
	// writes it, so the pool still holds every VF after sriov_numvfs
	// changes; a range would leave new VFs out (and name VFs that are
	// gone) until the ConfigMap is generated again.
	VFRanges bool
	// RDMA sets the isRdma selector on the resources of mlx5 PFs, as the
	// Antrea guide's ConfigMap has it (guide 001, for
	// mellanox.com/cx5_sriov_switchdev): the device plugin then only
	// pools VFs that have an RDMA device and mounts it into the pod.
	// Default false, as the Kube-OVN guides. The guide writes isRdma next
	// to resourceName, where device plugin v2 read it; v3, which every
	// guide deploys, reads it among the selectors, which is where
	// NetDeviceSelectors.IsRdma puts it. Other vendors' resources are not
	// changed: no guide asks for RDMA there.
	RDMA bool
}

// ResourcesFromPFs is ResourcesFromPFsWith(pfs, ResourcesOptions{}): the
// Kube-OVN guides' form, kept as the plain call for existing callers.
func ResourcesFromPFs(pfs []offload.PF) ([]ResourceConfig, error) {
	return ResourcesFromPFsWith(pfs, ResourcesOptions{})
}

// ResourcesFromPFsWith builds one device plugin resource per vendor holding
// every VF of the offload PFs in pfs (switchdev PFs, and YUSUR DPUs), as
// Host.Discover returns them. PFs in legacy mode and PFs without VFs are
// left out; so that their VFs stay out of the pool even when they share a
// device ID, the selectors name the PFs: pfNames ("enp132s0f0np0", with
// the VF range only when o.VFRanges asks) when every PF has a netdev,
// else rootDevices. Vendors, devices and drivers are the VFs' own, except
// that YUSUR resources get no drivers entry: the YUSUR guide (000)
// selects by vendor 1f47 and device 110f alone, and its VF driver is out
// of tree with a name the guide does not give. The resources are sorted
// by resource name.
func ResourcesFromPFsWith(pfs []offload.PF, o ResourcesOptions) ([]ResourceConfig, error) {
	type group struct {
		name    ResourceName
		vendor  offload.VendorID
		devices map[string]bool
		drivers map[string]bool
		pfNames []PFName
		roots   []string
		noName  bool
		notMlx5 bool // some PF of the group is not on mlx5_core
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
		if pf.Driver != "mlx5_core" {
			g.notMlx5 = true
		}
		if up, ok := pf.Uplink(); ok {
			p := PFName{Netdev: up.Name}
			if o.VFRanges {
				p.VFs = []VFRange{{First: lo, Last: hi}}
			}
			g.pfNames = append(g.pfNames, p)
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
		if g.vendor != offload.VendorYUSUR {
			r.Selectors.Drivers = sortedKeys(g.drivers)
		}
		r.Selectors.IsRdma = o.RDMA && g.vendor == offload.VendorMellanox && !g.notMlx5
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
