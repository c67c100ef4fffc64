package switchdev

import (
	"context"
	"fmt"

	"github.com/offloadkit/offloadkit/offload"
)

// Backend is one vendor's knowledge of its SmartNICs: which PCI functions it
// drives, which of a PF's netdevs is the admin PF and which the uplink, the
// order in which the driver wants VFs and the eswitch mode changed, the
// prerequisites the vendor's guide lists, and how OVS reaches a VF's
// representor. Backends are handed to New explicitly in Config.Backends;
// there is no global registry, so two Engines may use different sets. A PF
// no backend matches is driven by the generic kernel path (GenericBackend),
// and its plan says so.
//
// The engine (Plan, Plan.Apply) owns execution, verification,
// rollback and locking; a backend only decides which typed steps to plan,
// through the PlanBuilder it is given.
type Backend interface {
	// Name names the backend in plans and reports, e.g. "mellanox".
	Name() string
	// Matches reports whether the backend drives a PCI function with this
	// vendor:device ID bound to driver (driver may be empty when unbound).
	Matches(id offload.PCIID, driver string) bool
	// Profile describes how the backend drives pf: admin and uplink
	// netdevs, VF driver, ordering, representor kind. It reads nothing.
	Profile(pf *offload.PF) Profile
	// Check returns the vendor's prerequisites and pitfalls for pf (the
	// Doctor prints them; Plan refuses on a CheckFail).
	Check(ctx context.Context, h HostView, pf *offload.PF) []Check
	// Plan adds to b, in the vendor's order, the steps that bring b.PF()
	// to b.Spec(), starting from the state b reports.
	Plan(ctx context.Context, b *PlanBuilder) error
	// Representor says how a switch reaches the representor of VF vf: a
	// kernel netdev (mlx5, nfp, ice) or OVS-DPDK devargs (YUSUR).
	Representor(ctx context.Context, h HostView, vf offload.PCIAddress) (PortRef, error)
}

// StateChecker is implemented by backends with checks of state a plan
// brings about rather than of prerequisites (mlx5: is the VF LAG active
// in hardware). Doctor runs them after Check; Plan does not, because a
// failing one is what a plan may be about to fix.
type StateChecker interface {
	StateChecks(ctx context.Context, h HostView, pf *offload.PF) []Check
}

// Order is the sequence in which a driver accepts VF creation and the
// eswitch mode change.
type Order uint8

// Orders.
const (
	// OrderVFsFirst (mlx5): create the VFs in legacy mode, wait for them,
	// unbind them, switch to switchdev, rebind. Switching before every VF
	// has appeared fails with EINVAL.
	OrderVFsFirst Order = iota + 1
	// OrderModeFirst (ice): switch to switchdev with no VFs, then create
	// them; ice refuses the mode change while VFs exist.
	OrderModeFirst
	// OrderModeFixed (nfp): the loaded firmware decides the mode (flower
	// firmware is switchdev); the mode is checked, never set.
	OrderModeFixed
	// OrderNoESwitch (YUSUR): no kernel eswitch to switch; the card is
	// driven by its own software (hados, OVS-DPDK). Only VFs are created.
	OrderNoESwitch
)

// String names the order.
func (o Order) String() string {
	switch o {
	case OrderVFsFirst:
		return "vfs-first"
	case OrderModeFirst:
		return "mode-first"
	case OrderModeFixed:
		return "mode-fixed-by-firmware"
	case OrderNoESwitch:
		return "no-kernel-eswitch"
	}
	return fmt.Sprintf("order(%d)", uint8(o))
}

// MarshalText renders the order name.
func (o Order) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// RepresentorKind says what a VF representor is to the switch.
type RepresentorKind uint8

// Representor kinds.
const (
	// RepresentorNetdev: a kernel netdev (mlx5, nfp, ice) that OVS adds as
	// a system port.
	RepresentorNetdev RepresentorKind = iota + 1
	// RepresentorDPDK: an OVS-DPDK port given by devargs
	// ("<pf-pci>,representor=[N]"), no kernel netdev (YUSUR).
	RepresentorDPDK
)

// String names the kind.
func (k RepresentorKind) String() string {
	switch k {
	case RepresentorNetdev:
		return "netdev"
	case RepresentorDPDK:
		return "dpdk"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText renders the kind name.
func (k RepresentorKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Profile is how a backend drives one PF. Fields that do not apply are
// zero.
type Profile struct {
	// Admin is the PF netdev that carries the PF's own settings (ethtool,
	// `ip link show` of the VFs). On nfp it is the PF vNIC, which has no
	// phys_port_name; elsewhere it is the uplink.
	Admin string `json:"admin,omitempty"`
	// Uplink is the netdev OVS attaches to reach the wire and the one
	// hw-tc-offload is enabled on ("p0" flavour).
	Uplink string `json:"uplink,omitempty"`
	// VFDriver is the kernel driver VFs bind to ("mlx5_core",
	// "nfp_netvf", "iavf"); "" when unknown.
	VFDriver string `json:"vf_driver,omitempty"`
	// Order is how VF creation and the mode change are sequenced.
	Order Order `json:"order"`
	// Representors is what a VF representor is to the switch.
	Representors RepresentorKind `json:"representors"`
	// HWTCOffload is true when the uplink needs hw-tc-offload for OVS TC
	// offload (false on OVS-DPDK cards).
	HWTCOffload bool `json:"hw_tc_offload"`
	// Params are the devlink parameters the backend may change; PFState
	// tracks them so rollback can be checked.
	Params []string `json:"params,omitempty"`
}

// PortRef is how a switch reaches one VF's representor.
type PortRef struct {
	Kind RepresentorKind    `json:"kind"`
	PF   offload.PCIAddress `json:"pf"`
	VF   int                `json:"vf"`
	// Netdev is the representor netdev (RepresentorNetdev).
	Netdev string `json:"netdev,omitempty"`
	// DevArgs are the OVS-DPDK devargs (RepresentorDPDK), for
	// `options:dpdk-devargs=`.
	DevArgs string `json:"devargs,omitempty"`
}

// Backends returns the backends the Engine was configured with.
func (e *Engine) Backends() []Backend { return append([]Backend(nil), e.backends...) }

// BackendFor returns the first backend that matches id and driver, or nil.
func (e *Engine) BackendFor(id offload.PCIID, driver string) Backend {
	for _, b := range e.backends {
		if b.Matches(id, driver) {
			return b
		}
	}
	return nil
}

// backendForPF returns the matching backend, or the generic one.
func (e *Engine) backendForPF(pf *offload.PF) Backend {
	if b := e.BackendFor(pf.ID, pf.Driver); b != nil {
		return b
	}
	return GenericBackend{}
}

// GenericBackend drives switchdev PFs through the generic kernel path
// (devlink eswitch mode, sriov_numvfs, ethtool), for drivers no vendor
// backend claims, such as ice. It uses OrderModeFirst, which ice requires
// and which the devlink model allows for any driver that creates
// representors as VFs appear. It matches any PF with a bound driver.
type GenericBackend struct{ Defaults }

// Name returns "generic".
func (GenericBackend) Name() string { return "generic" }

// Matches reports whether a driver is bound: without one there is no
// devlink instance to talk to.
func (GenericBackend) Matches(_ offload.PCIID, driver string) bool { return driver != "" }

// genericVFDriver returns the VF driver of a PF driver the generic path
// knows ("" otherwise). A switch rather than a package-level map: the house
// rules allow package-level vars only for sentinel errors.
func genericVFDriver(pfDriver string) string {
	switch pfDriver {
	case "ice", "i40e":
		return "iavf"
	case "bnxt_en":
		return "bnxt_en"
	}
	return ""
}

// Profile returns the generic profile: uplink from phys_port_name,
// mode-first ordering, kernel representors.
func (GenericBackend) Profile(pf *offload.PF) Profile {
	p := Profile{Order: OrderModeFirst, Representors: RepresentorNetdev, HWTCOffload: true, VFDriver: genericVFDriver(pf.Driver)}
	if up, ok := pf.Uplink(); ok {
		p.Admin, p.Uplink = up.Name, up.Name
	}
	return p
}

// Defaults is the generic behaviour of a Backend: no vendor
// prerequisites, the generic plan (handle the bond policy, then the eswitch
// mode and VFs in the order the Profile gives, then rebind and restore) and
// kernel-netdev representors. A vendor backend embeds it and defines only
// the methods where the vendor differs.
type Defaults struct{}

// Check has no vendor prerequisites beyond the Doctor's common ones.
func (Defaults) Check(ctx context.Context, h HostView, pf *offload.PF) []Check { return nil }

// Plan handles the bond policy, then brings the eswitch mode and the VF
// count to the Spec in the Profile's order.
func (Defaults) Plan(ctx context.Context, b *PlanBuilder) error {
	if err := b.HandleBond(ctx, b.PF().Address, false); err != nil {
		return err
	}
	p, err := b.Switchdev(ctx, b.PF().Address)
	if err != nil {
		return err
	}
	b.Finish(p)
	return nil
}

// Representor returns the VF's representor netdev.
func (Defaults) Representor(ctx context.Context, h HostView, vf offload.PCIAddress) (PortRef, error) {
	return NetdevRepresentor(ctx, h, vf)
}

// NetdevRepresentor is the Representor of backends whose representors are
// kernel netdevs: it looks the netdev up with VFRepresentor.
func NetdevRepresentor(ctx context.Context, h HostView, vf offload.PCIAddress) (PortRef, error) {
	r, err := h.VFRepresentor(ctx, vf)
	if err != nil {
		return PortRef{}, err
	}
	return PortRef{Kind: RepresentorNetdev, PF: r.PF, VF: r.PortName.VF, Netdev: r.Netdev}, nil
}

// VFPortRef returns how a switch reaches VF vf's representor, asking the
// backend that drives its PF.
func (e *Engine) VFPortRef(ctx context.Context, vf offload.PCIAddress) (PortRef, error) {
	pfAddr, err := e.h.PFOfVF(vf)
	if err != nil {
		return PortRef{}, err
	}
	pf, err := e.h.PF(ctx, pfAddr)
	if err != nil {
		return PortRef{}, err
	}
	b := e.backendForPF(pf)
	return b.Representor(ctx, e.view(), vf)
}
