package corigine

import (
	"context"
	"fmt"

	"github.com/offloadkit/offloadkit/offload/switchdev"

	"github.com/offloadkit/offloadkit/offload"
)

// Backend is the Agilio switchdev.Backend.
type Backend struct {
	// Defaults gives the generic plan (bond policy, VF count; the mode is
	// checked in Profile's OrderModeFixed, since the firmware fixes it;
	// hw-tc-offload on the physical port) and kernel-netdev representors
	// (pf0vfN): Agilio needs nothing else.
	switchdev.Defaults
	// Firmware configures the firmware check of the Doctor and of
	// Engine.Plan (directory, app, assembly override, board.id source),
	// and whether Plan plans the firmware change (Firmware.Select).
	Firmware FirmwareOptions
}

// New returns the Agilio backend with default firmware options.
func New() *Backend { return &Backend{} }

// Name returns "corigine".
func (*Backend) Name() string { return "corigine" }

// Matches reports whether id is an Agilio function of vendor 19ee or
// 1da8, or a function of those vendors bound to nfp or nfp_netvf.
func (*Backend) Matches(id offload.PCIID, driver string) bool {
	if id.Vendor != offload.VendorNetronome && id.Vendor != offload.VendorCorigine {
		return false
	}
	if _, ok := Lookup(id); ok {
		return true
	}
	return driver == PFDriver || driver == VFDriver
}

// Profile: the admin PF is the PF vNIC, which has no phys_port_name; the
// uplink is the physical port representor ("p0"); VFs bind to nfp_netvf;
// the firmware fixes the mode.
func (*Backend) Profile(pf *offload.PF) switchdev.Profile {
	p := switchdev.Profile{VFDriver: VFDriver, Order: switchdev.OrderModeFixed, Representors: switchdev.RepresentorNetdev, HWTCOffload: true}
	for _, nd := range pf.Netdevs {
		if nd.PortName.Raw == "" && p.Admin == "" {
			p.Admin = nd.Name
		}
		if nd.PortName.Flavour == offload.PortFlavourPhysical && p.Uplink == "" {
			p.Uplink = nd.Name
		}
	}
	if up, ok := pf.Uplink(); ok {
		if p.Uplink == "" {
			p.Uplink = up.Name
		}
		if p.Admin == "" {
			p.Admin = up.Name
		}
	}
	return p
}

// Check reports whether the flower firmware runs, and if not, the
// firmware selection that would load it.
func (be *Backend) Check(ctx context.Context, h switchdev.HostView, pf *offload.PF) []switchdev.Check {
	c := switchdev.Check{Name: "corigine-firmware", Subject: pf.Address.String()}
	if m, ok := Lookup(pf.ID); ok && m.VF {
		c.Status, c.Detail, c.Fix = switchdev.CheckFail, m.Name+" is a virtual function, not a PF", "plan the PF the VF belongs to"
		return []switchdev.Check{c}
	}
	if pf.ESwitchMode == offload.ESwitchModeSwitchdev {
		c.Status, c.Detail = switchdev.CheckOK, "flower firmware running (eswitch switchdev)"
		return []switchdev.Check{c}
	}
	c.Status = switchdev.CheckFail
	c.Detail = "the flower firmware is not running: the eswitch is not switchdev, and only the firmware can change it"
	sel, serr := PlanFirmware(ctx, h, pf.Address, be.Firmware)
	if serr != nil {
		c.Fix = fmt.Sprintf("select the flower firmware (agilio-tc-fw-select.sh <dev> scan) and reload nfp (rmmod nfp; modprobe nfp); %v", serr)
		return []switchdev.Check{c}
	}
	c.Fix = fmt.Sprintf("link %s -> %s (corigine.PlanFirmware + Selection.Apply), then reload the driver: rmmod nfp; modprobe nfp", sel.Link.Path, sel.Link.Target)
	if !sel.ImageExists {
		c.Fix = "install the Agilio firmware package (" + sel.Image + " is missing), then " + c.Fix
	} else if be.Firmware.Select {
		// Plan adds the link and the manual steps; the failure stands
		// until they have run.
		c.Planned = true
		c.Fix = fmt.Sprintf("the plan links %s -> %s, then asks the operator to rebuild the initramfs if nfp loads from it and to reload nfp (rmmod nfp; modprobe nfp)", sel.Link.Path, sel.Link.Target)
	}
	return []switchdev.Check{c}
}

var _ switchdev.Backend = (*Backend)(nil)
