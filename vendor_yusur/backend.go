package yusur

import (
	"context"
	"fmt"
	"strings"

	"github.com/offloadkit/offloadkit/offload/switchdev"

	"github.com/offloadkit/offloadkit/offload"
)

// Device IDs seen in the Kube-OVN YUSUR guide. Other 1f47 IDs are matched
// too: the vendor is what identifies the card.
const (
	PF2200E offload.DeviceID = 0x1001
	VF2200E offload.DeviceID = 0x110f
)

// DefaultHadosPaths returns where a hados installation is looked for when
// Config.HadosPaths is empty (a fresh slice each call). The guide only
// says "ensure hados installed", so these are conventional install
// locations; set HadosPaths to what your installation uses.
func DefaultHadosPaths() []string { return []string{"/opt/hados", "/usr/local/hados", "/etc/hados"} }

// Config configures the backend. The zero Config is valid: the guide's
// hados locations and process name.
type Config struct {
	// HadosPaths are files or directories whose presence shows hados is
	// installed; default DefaultHadosPaths.
	HadosPaths []string
	// HadosProcess is the prefix of the hados daemon's process name;
	// default "hados".
	HadosProcess string
}

// Backend is the YUSUR switchdev.Backend.
type Backend struct {
	opts Config
}

// New returns the YUSUR backend.
func New(opts Config) *Backend {
	if len(opts.HadosPaths) == 0 {
		opts.HadosPaths = DefaultHadosPaths()
	}
	if opts.HadosProcess == "" {
		opts.HadosProcess = "hados"
	}
	return &Backend{opts: opts}
}

// Name returns "yusur".
func (*Backend) Name() string { return "yusur" }

// Matches reports whether id is of vendor 1f47, whatever the device ID.
func (*Backend) Matches(id offload.PCIID, _ string) bool { return id.Vendor == offload.VendorYUSUR }

// Profile: the PF netdev is admin and uplink; no kernel eswitch;
// representors are DPDK devargs; hw-tc-offload does not apply (OVS-DPDK).
// The VF driver is out of tree and left to autoprobe.
func (*Backend) Profile(pf *offload.PF) switchdev.Profile {
	p := switchdev.Profile{Order: switchdev.OrderNoESwitch, Representors: switchdev.RepresentorDPDK}
	if up, ok := pf.Uplink(); ok {
		p.Admin, p.Uplink = up.Name, up.Name
	}
	return p
}

// Check reports whether the card is recognised as a SmartNIC (hw/plat_name)
// and whether hados is there.
func (be *Backend) Check(ctx context.Context, h switchdev.HostView, pf *offload.PF) []switchdev.Check {
	subj := pf.Address.String()
	card := switchdev.Check{Name: "yusur-card", Subject: subj}
	if pn, err := h.PCIAttr(pf.Address, "hw/plat_name"); err == nil && strings.HasSuffix(pn, "smart-nic") {
		card.Status, card.Detail = switchdev.CheckOK, fmt.Sprintf("%s, hw/plat_name %s", pf.ID, pn)
	} else if err == nil {
		card.Status, card.Detail = switchdev.CheckFail, fmt.Sprintf("%s hw/plat_name is %q, not a *smart-nic platform: offload is not expected to work", pf.ID, pn)
		card.Fix = "use a CONFLUX-2200E SmartNIC and its hados software"
	} else {
		card.Status, card.Detail = switchdev.CheckUnknown, fmt.Sprintf("%s has no readable hw/plat_name (%v): the YUSUR driver and hados may not be loaded", pf.ID, err)
		card.Fix = "install hados and load the YUSUR driver"
	}
	return []switchdev.Check{card, be.checkHados(h)}
}

func (be *Backend) checkHados(h switchdev.HostView) switchdev.Check {
	c := switchdev.Check{Name: "yusur-hados", Subject: "host"}
	if h.ProcessRunning(func(comm string) bool { return strings.HasPrefix(comm, be.opts.HadosProcess) }) {
		c.Status, c.Detail = switchdev.CheckOK, "a "+be.opts.HadosProcess+"* process is running"
		return c
	}
	for _, p := range be.opts.HadosPaths {
		if h.FileExists(p) {
			c.Status, c.Detail = switchdev.CheckOK, "hados is installed ("+p+")"
			return c
		}
	}
	c.Fix = "install YUSUR hados (Heterogeneous Agile Developing & Operating System) as the guide requires; if it lives elsewhere, set yusur.Config.HadosPaths"
	if !h.FileExists("/proc/self") && !h.FileExists("/proc/1") {
		c.Status, c.Detail = switchdev.CheckUnknown, "no /proc below the root to look for a hados process, and none of "+strings.Join(be.opts.HadosPaths, ", ")+" exists"
		return c
	}
	c.Status, c.Detail = switchdev.CheckFail, "no hados process and none of "+strings.Join(be.opts.HadosPaths, ", ")+" exists"
	return c
}

// Plan sets the VF count; there is no eswitch mode to change.
func (*Backend) Plan(ctx context.Context, b *switchdev.PlanBuilder) error {
	pf := b.PF().Address
	if err := b.HandleBond(ctx, pf, false); err != nil {
		return err
	}
	if b.Spec().Mode != offload.ESwitchModeLegacy {
		b.Note("no kernel eswitch on YUSUR: hados switches, and OVS-DPDK reaches VF representors as dpdk-devargs=%s,representor=[N]", pf)
	}
	p, err := b.Switchdev(ctx, pf)
	if err != nil {
		return err
	}
	b.Finish(p)
	return nil
}

// Representor returns the OVS-DPDK devargs of VF vf: the PF's PCI address
// (from the VF's physfn link) and the VF index (the PF's virtfn link that
// points back at the VF).
func (*Backend) Representor(ctx context.Context, h switchdev.HostView, vf offload.PCIAddress) (switchdev.PortRef, error) {
	pf, err := h.PFOfVF(vf)
	if err != nil {
		return switchdev.PortRef{}, err
	}
	idx, err := h.VFIndex(ctx, vf)
	if err != nil {
		return switchdev.PortRef{}, err
	}
	return switchdev.PortRef{Kind: switchdev.RepresentorDPDK, PF: pf, VF: idx, DevArgs: DevArgs(pf, idx)}, nil
}

// DevArgs returns the OVS-DPDK devargs of VF index vf of pf.
func DevArgs(pf offload.PCIAddress, vf int) string { return fmt.Sprintf("%s,representor=[%d]", pf, vf) }

var _ switchdev.Backend = (*Backend)(nil)
