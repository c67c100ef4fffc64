package mellanox

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/offloadkit/offloadkit/offload/switchdev"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/offloadkit/offloadkit/offload"
)

// Driver is the kernel driver of Mellanox PFs and VFs.
const Driver = "mlx5_core"

// steeringParam is the devlink parameter; steeringCompat the MLNX_OFED
// sysfs file that stands for it.
const (
	steeringParam  = "flow_steering_mode"
	steeringCompat = "steering_mode"
)

// Backend is the mlx5 switchdev.Backend. The zero value is ready to use.
type Backend struct {
	// Defaults gives kernel-netdev representors (pf0vfN); the plan and
	// the checks are mlx5's own.
	switchdev.Defaults
}

// New returns the mlx5 backend.
func New() Backend { return Backend{} }

// Name returns "mellanox".
func (Backend) Name() string { return "mellanox" }

// Matches reports whether id is a known Mellanox function, or any 15b3
// function bound to mlx5_core.
func (Backend) Matches(id offload.PCIID, driver string) bool {
	if id.Vendor != offload.VendorMellanox {
		return false
	}
	if _, ok := Lookup(id.Device); ok {
		return true
	}
	return driver == Driver
}

// Profile: the uplink (phys_port_name p<N>) is also the admin PF; VFs
// bind to mlx5_core; VFs first; representors are netdevs.
func (Backend) Profile(pf *offload.PF) switchdev.Profile {
	p := switchdev.Profile{VFDriver: Driver, Order: switchdev.OrderVFsFirst, Representors: switchdev.RepresentorNetdev,
		HWTCOffload: true, Params: []string{steeringParam}}
	if up, ok := pf.Uplink(); ok {
		p.Admin, p.Uplink = up.Name, up.Name
	}
	return p
}

// Check reports models the guides do not list for ASAP² offload: a model
// with partial offload is unknown (it offloads some flows), a VF fails.
func (Backend) Check(ctx context.Context, h switchdev.HostView, pf *offload.PF) []switchdev.Check {
	c := switchdev.Check{Name: "mellanox-model", Subject: pf.Address.String()}
	m, ok := Lookup(pf.ID.Device)
	switch {
	case !ok:
		c.Status, c.Detail = switchdev.CheckUnknown, fmt.Sprintf("%s is not in the model table; driven as a generic mlx5 device", pf.ID)
	case m.VF:
		c.Status, c.Detail = switchdev.CheckFail, m.Name+" is a virtual function, not a PF"
		c.Fix = "plan the PF the VF belongs to"
	case !m.ASAP2:
		c.Status, c.Detail = switchdev.CheckUnknown, m.Name+" has switchdev but not the full ASAP² offload the guides rely on (ConnectX-5 and later): which flows it offloads cannot be told from here"
		c.Fix = "use a ConnectX-5 or later, or a BlueField"
	default:
		c.Status, c.Detail = switchdev.CheckOK, m.Name+" supports ASAP² OVS offload"
	}
	return []switchdev.Check{c}
}

// Plan: bond policy (or VF LAG), flow steering mode, VFs in legacy mode,
// unbind, switchdev, hw-tc-offload, rebind.
func (be Backend) Plan(ctx context.Context, b *switchdev.PlanBuilder) error {
	pf := b.PF().Address
	if b.Spec().Bond == switchdev.BondVFLAG {
		st, err := b.State(ctx, pf)
		if err != nil {
			return err
		}
		name := b.Spec().BondName
		switch {
		case st.Bond != nil && name != "" && st.Bond.Name != name:
			return &errs.Error{Op: "plan VF LAG", Device: pf.String(),
				Err: fmt.Errorf("%w: uplink %s is in bond %s, the spec asks for a VF LAG in bond %s", errs.ErrBusy, st.Uplink, st.Bond.Name, name)}
		case st.Bond != nil && (name == "" || len(st.Bond.Slaves) == 2):
			return be.planVFLAG(ctx, b, st)
		case name != "":
			// No bond yet, or one this plan formed halfway.
			return be.formVFLAG(ctx, b, st)
		}
		b.Note("bond policy vf-lag: %s is in no bond, so it is planned alone", st.Uplink)
	}
	steer, err := steeringChange(ctx, b, pf)
	if err != nil {
		return err
	}
	if err := b.HandleBond(ctx, pf, steer); err != nil {
		return err
	}
	if err := planSteering(ctx, b, pf); err != nil {
		return err
	}
	p, err := b.Switchdev(ctx, pf)
	if err != nil {
		return err
	}
	b.Finish(p)
	return nil
}

// steering returns the current steering mode and how it can be set:
// "devlink", "compat" or "" when neither is available.
func steering(st switchdev.PFState) (cur, via string) {
	if v, ok := st.Params[steeringParam]; ok {
		return v, "devlink"
	}
	if v, ok := st.Compat[steeringCompat]; ok {
		return v, "compat"
	}
	return "", ""
}

// steeringChange reports whether the spec asks for another steering mode.
func steeringChange(ctx context.Context, b *switchdev.PlanBuilder, pf offload.PCIAddress) (bool, error) {
	want := b.Spec().FlowSteering
	if want == "" {
		return false, nil
	}
	st, err := b.State(ctx, pf)
	if err != nil {
		return false, err
	}
	cur, via := steering(st)
	if via == "" {
		return false, &errs.Error{Op: "plan flow steering mode", Device: pf.String(),
			Err: fmt.Errorf("%w: neither the devlink parameter %s nor compat/devlink/%s is available (kernel older than 5.13 without MLNX_OFED?)", errs.ErrNotSupported, steeringParam, steeringCompat)}
	}
	return cur != string(want), nil
}

// planSteering sets the flow steering mode. mlx5 only accepts a change in
// legacy mode with no VFs, so the eswitch is taken there first; the
// switchdev steps that follow bring it back.
func planSteering(ctx context.Context, b *switchdev.PlanBuilder, pf offload.PCIAddress) error {
	change, err := steeringChange(ctx, b, pf)
	if err != nil || !change {
		return err
	}
	st, err := b.State(ctx, pf)
	if err != nil {
		return err
	}
	want := string(b.Spec().FlowSteering)
	cur, via := steering(st)
	if b.Spec().FlowSteering == offload.FlowSteeringHMFS {
		// hmfs arrived in Linux 6.14; an older kernel refuses it (EINVAL)
		// after the VFs were already taken down. An unreadable release is
		// left to the kernel to judge.
		if rel, major, minor, err := b.Host().KernelRelease(); err == nil && (major < 6 || major == 6 && minor < 14) {
			return &errs.Error{Op: "plan flow steering mode", Device: pf.String(),
				Err: fmt.Errorf("%w: hmfs needs Linux 6.14 or later, this is %s", errs.ErrNotSupported, rel)}
		}
	}
	if st.NumVFs > 0 {
		b.SetNumVFs(pf, 0, fmt.Sprintf("the flow steering mode can only change with no VFs (%s -> %s)", cur, want))
	}
	if st.Mode == offload.ESwitchModeSwitchdev {
		b.SetESwitchMode(pf, offload.ESwitchModeLegacy, "smfs and hmfs cannot be chosen while the eswitch is in switchdev mode")
	}
	if via == "devlink" {
		b.SetParam(pf, steeringParam, offload.StringParam(want), "")
	} else {
		b.SetCompat(pf, st.Uplink, steeringCompat, want, "devlink has no flow_steering_mode here; the MLNX_OFED compat file stands in")
	}
	return nil
}

// planVFLAG keeps the bond as an SR-IOV VF LAG: both PFs of the NIC leave
// the bond, each is switched (steering mode, VFs, switchdev,
// hw-tc-offload) with its VFs unbound, the bond is formed again, and only
// then are the VFs rebound (the guide's order).
func (be Backend) planVFLAG(ctx context.Context, b *switchdev.PlanBuilder, st switchdev.PFState) error {
	pf := st.PF
	bond := st.Bond
	h := b.Host()
	if len(bond.Slaves) != 2 {
		return &errs.Error{Op: "plan VF LAG", Device: pf.String(),
			Err: fmt.Errorf("%w: bond %s has %d slaves; a VF LAG needs exactly the two PFs of one NIC", errs.ErrInvalidArgument, bond.Name, len(bond.Slaves))}
	}
	mode := bond.Mode
	if m := b.Spec().BondMode; m != offload.BondModeUnknown {
		mode = m
	}
	if !mode.VFLAGCapable() {
		return &errs.Error{Op: "plan VF LAG", Device: pf.String(),
			Err: fmt.Errorf("%w: bond %s is %s; a VF LAG needs active-backup, balance-xor or 802.3ad (set Spec.BondMode)", errs.ErrInvalidArgument, bond.Name, bond.Mode)}
	}
	var pfs []offload.PCIAddress
	for _, slave := range bond.Slaves {
		addr, err := h.PCIAddressOfNetdev(ctx, slave)
		if err != nil {
			return fmt.Errorf("VF LAG: bond %s slave %s: %w", bond.Name, slave, err)
		}
		other, err := h.PF(ctx, addr)
		if err != nil {
			return fmt.Errorf("VF LAG: bond %s slave %s: %w", bond.Name, slave, err)
		}
		if !be.Matches(other.ID, other.Driver) {
			return &errs.Error{Op: "plan VF LAG", Device: addr.String(), Err: fmt.Errorf("%w: bond %s slave %s is %s, not an mlx5 PF", errs.ErrInvalidArgument, bond.Name, slave, other.ID)}
		}
		if addr.Domain != pf.Domain || addr.Bus != pf.Bus || addr.Device != pf.Device {
			return &errs.Error{Op: "plan VF LAG", Device: addr.String(), Err: fmt.Errorf("%w: bond %s mixes %s and %s, which are not ports of one NIC", errs.ErrInvalidArgument, bond.Name, pf, addr)}
		}
		pfs = append(pfs, addr)
	}
	sort.Slice(pfs, func(i, j int) bool { return pfs[i].String() < pfs[j].String() })
	if pfs[0] == pfs[1] {
		return &errs.Error{Op: "plan VF LAG", Device: pf.String(), Err: fmt.Errorf("%w: both slaves of bond %s are on %s", errs.ErrInvalidArgument, bond.Name, pfs[0])}
	}
	need := mode != bond.Mode
	states := map[offload.PCIAddress]switchdev.PFState{}
	for _, a := range pfs {
		s, err := b.State(ctx, a)
		if err != nil {
			return err
		}
		states[a] = s
		if s.Bond == nil || s.Bond.Name != bond.Name {
			need = true
		}
		ch, err := b.NeedsChange(ctx, a)
		if err != nil {
			return err
		}
		sc, err := steeringChange(ctx, b, a)
		if err != nil {
			return err
		}
		need = need || ch || sc
	}
	// A VF LAG the spec names is also brought up (guide 003: PFs and bond
	// up); a bond found by the policy alone keeps its admin state.
	formed := b.Spec().BondName == bond.Name
	if !need {
		if formed {
			return bringUp(ctx, b, pf, bond.Name, bond.Slaves)
		}
		return nil
	}
	b.Note("VF LAG: %s and %s are taken out of %s, switched, enslaved again, and only then are their VFs rebound", pfs[0], pfs[1], bond.Name)
	// Release in reverse slave order, enslave in slave order: a rollback
	// (which undoes in reverse) then restores the original order, which
	// decides the active slave of an active-backup bond.
	bySlave := map[string]offload.PCIAddress{}
	for _, a := range pfs {
		bySlave[states[a].Uplink] = a
	}
	order := make([]offload.PCIAddress, 0, len(pfs))
	for _, sl := range bond.Slaves {
		order = append(order, bySlave[sl])
	}
	for i := len(order) - 1; i >= 0; i-- {
		a := order[i]
		if s := states[a]; s.Bond != nil {
			b.ReleaseSlave(a, s.Bond.Name, s.Uplink, "the eswitch mode cannot change while the PF is in a bond")
		}
	}
	if mode != bond.Mode {
		b.SetBondMode(pf, bond.Name, bond.Mode, mode, "the bond mode can only change while the bond has no slaves")
	}
	pending, err := switchdevUnbound(ctx, b, pfs)
	if err != nil {
		return err
	}
	for _, a := range order {
		b.Enslave(a, bond.Name, states[a].Uplink, mode, "VF LAG: both PFs are in switchdev mode and their VFs are unbound while the bond forms")
	}
	if formed {
		if err := bringUp(ctx, b, pf, bond.Name, bond.Slaves); err != nil {
			return err
		}
	}
	for _, p := range pending {
		b.Finish(p)
	}
	return nil
}

// formVFLAG forms a VF LAG in Spec.BondName from pf and the other port of
// its NIC, in the order mlx5 needs (guide 003 and the kernel's mlx5 LAG
// rules: the driver activates the LAG in hardware only when both PFs of
// one NIC are in switchdev mode, enslaved to the same bond, and nothing
// else is): both PFs switched with their VFs unbound, both uplinks down,
// the bond created with its mode (in the creating request, so while it is
// down) unless it exists, both uplinks enslaved, uplinks and bond up, and
// only then the VFs rebound. A bond of that name that exists is used when
// its only slaves are these uplinks (a run interrupted halfway); a name
// taken by anything else is refused.
func (be Backend) formVFLAG(ctx context.Context, b *switchdev.PlanBuilder, st switchdev.PFState) error {
	pf := st.PF
	spec := b.Spec()
	name, mode := spec.BondName, spec.BondMode
	peer, err := be.peerPF(ctx, b, pf)
	if err != nil {
		return err
	}
	pfs := []offload.PCIAddress{pf, peer}
	sort.Slice(pfs, func(i, j int) bool { return pfs[i].String() < pfs[j].String() })
	states := map[offload.PCIAddress]switchdev.PFState{}
	uplinks := map[string]bool{}
	var order []string
	for _, a := range pfs {
		s, err := b.State(ctx, a)
		if err != nil {
			return err
		}
		if s.Uplink == "" {
			return &errs.Error{Op: "plan VF LAG", Device: a.String(), Err: fmt.Errorf("%w: PF has no uplink netdev to enslave", errs.ErrNotSupported)}
		}
		if s.Bond != nil && s.Bond.Name != name {
			return &errs.Error{Op: "plan VF LAG", Device: a.String(),
				Err: fmt.Errorf("%w: uplink %s is in bond %s, the spec asks for a VF LAG in bond %s", errs.ErrBusy, s.Uplink, s.Bond.Name, name)}
		}
		if want := spec.Mode; want != offload.ESwitchModeSwitchdev && (want != offload.ESwitchModeUnknown || s.Mode != offload.ESwitchModeSwitchdev) {
			return errs.Invalid("eswitch mode", spec.Mode.String(), "a VF LAG needs both PFs in switchdev mode: set Spec.Mode to switchdev")
		}
		states[a] = s
		uplinks[s.Uplink] = true
		order = append(order, s.Uplink)
	}
	bond, err := b.Bond(name)
	if err != nil {
		return fmt.Errorf("VF LAG: %w", err)
	}
	if bond == nil {
		if mode == offload.BondModeUnknown {
			return errs.Invalid("bond mode", "", fmt.Sprintf("creating bond %s for a VF LAG needs Spec.BondMode: active-backup, balance-xor or 802.3ad", name))
		}
	} else {
		for _, sl := range bond.Slaves {
			if !uplinks[sl] {
				return &errs.Error{Op: "plan VF LAG", Device: pf.String(),
					Err: fmt.Errorf("%w: bond %s has slave %s, which is not a port of this NIC", errs.ErrBusy, name, sl)}
			}
		}
		if mode == offload.BondModeUnknown {
			mode = bond.Mode
		}
	}
	if !mode.VFLAGCapable() {
		return errs.Invalid("bond mode", mode.String(), "a VF LAG needs active-backup, balance-xor or 802.3ad")
	}
	b.Note("VF LAG: %s and %s are switched with their VFs unbound, their uplinks taken down, enslaved to %s (%s), brought up with the bond, and only then are their VFs rebound", pfs[0], pfs[1], name, mode)
	for i := len(pfs) - 1; i >= 0; i-- {
		if s := states[pfs[i]]; s.Bond != nil {
			b.ReleaseSlave(pfs[i], name, s.Uplink, "the eswitch mode cannot change while the PF is in a bond")
		}
	}
	if bond != nil && bond.Mode != mode {
		b.SetBondMode(pf, name, bond.Mode, mode, "the bond mode can only change while the bond has no slaves")
	}
	pending, err := switchdevUnbound(ctx, b, pfs)
	if err != nil {
		return err
	}
	for _, a := range pfs {
		up, err := b.LinkUp(ctx, states[a].Uplink)
		if err != nil {
			return err
		}
		if up {
			b.SetLinkUp(a, states[a].Uplink, false, "VF LAG (guide 003): the uplinks are down while the bond forms")
		}
	}
	if bond == nil {
		b.CreateBond(pf, name, mode, "VF LAG: the bond is created with its mode while it is down (the bonding driver takes a mode only on a bond that is down)")
	}
	for _, a := range pfs {
		b.Enslave(a, name, states[a].Uplink, mode, "VF LAG: both PFs are in switchdev mode and their VFs are unbound while the bond forms")
	}
	if err := bringUp(ctx, b, pf, name, order); err != nil {
		return err
	}
	for _, p := range pending {
		b.Finish(p)
	}
	return nil
}

// bringUp adds the guide's last VF LAG steps, `ip link set <pf> up` for
// each uplink and `ip link set <bond> up`, for those not up after the
// steps so far. The bonding driver opens a netdev when it enslaves it, so
// on a real kernel the uplinks are already up and only the bond is left.
// switchdevUnbound plans both PFs of a VF LAG into switchdev mode (steering
// first) with every VF unbound, as mlx5 wants while the bond forms: VFs
// the driver bound (already in switchdev, or created there) included.
func switchdevUnbound(ctx context.Context, b *switchdev.PlanBuilder, pfs []offload.PCIAddress) ([]*switchdev.Pending, error) {
	pending := make([]*switchdev.Pending, 0, len(pfs))
	for _, a := range pfs {
		if err := planSteering(ctx, b, a); err != nil {
			return nil, err
		}
		p, err := b.Switchdev(ctx, a)
		if err != nil {
			return nil, err
		}
		if err := b.UnbindAll(ctx, a, p, "VF LAG: every VF must be unbound while the bond forms"); err != nil {
			return nil, err
		}
		pending = append(pending, p)
	}
	return pending, nil
}

func bringUp(ctx context.Context, b *switchdev.PlanBuilder, pf offload.PCIAddress, bond string, uplinks []string) error {
	for _, n := range append(append([]string(nil), uplinks...), bond) {
		up, err := b.LinkUp(ctx, n)
		if err != nil {
			return err
		}
		if !up {
			b.SetLinkUp(pf, n, true, "VF LAG (guide 003): PFs and bond up once both PFs are enslaved")
		}
	}
	return nil
}

// peerPF returns the other mlx5 PF of pf's NIC (same domain, bus and
// device, another function, with an uplink): the second port a VF LAG
// bonds with. A NIC with no such port, or more than one, is refused: mlx5
// forms a VF LAG of exactly two ports.
func (be Backend) peerPF(ctx context.Context, b *switchdev.PlanBuilder, pf offload.PCIAddress) (offload.PCIAddress, error) {
	h := b.Host()
	var peers []offload.PCIAddress
	for f := uint8(0); f < 8; f++ {
		if f == pf.Function {
			continue
		}
		a := pf
		a.Function = f
		p, err := h.PF(ctx, a)
		if errors.Is(err, errs.ErrNotFound) || errors.Is(err, errs.ErrNotSupported) {
			continue // no such function, or not an SR-IOV PF
		}
		if err != nil {
			return offload.PCIAddress{}, err
		}
		if !be.Matches(p.ID, p.Driver) {
			continue
		}
		if _, ok := p.Uplink(); ok {
			peers = append(peers, a)
		}
	}
	if len(peers) != 1 {
		return offload.PCIAddress{}, &errs.Error{Op: "plan VF LAG", Device: pf.String(),
			Err: fmt.Errorf("%w: a VF LAG bonds the two ports of one NIC; %d other mlx5 PF(s) with an uplink found beside %s", errs.ErrNotSupported, len(peers), pf)}
	}
	return peers[0], nil
}

var _ switchdev.Backend = Backend{}
