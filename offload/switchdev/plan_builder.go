package switchdev

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/offload"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// PlanBuilder is what a Backend's Plan method uses to add steps. It keeps,
// per PF, the state read from the host and the state the steps added so
// far will leave, so each decision sees the effect of the previous steps.
// Builders are made by Engine.Plan; a backend never makes one.
type PlanBuilder struct {
	e       *Engine
	h       *offload.Host
	spec    Spec
	pf      *offload.PF
	backend Backend
	pfs     map[offload.PCIAddress]*pfPlan
	steps   []Step
	notes   []string
	// err is the first error of a step adder (a PF whose state could not
	// be read); Engine.Plan returns it instead of a plan.
	err error
}

type pfPlan struct {
	pf    *offload.PF
	prof  Profile
	basis PFState // as read
	sim   PFState // after the steps so far
	// params are the typed devlink parameter values of sim.Params, so a
	// step restores a value as the kernel typed it, never parsed text.
	params map[string]offload.ParamValue
}

// Pending are the steps Switchdev leaves for Finish: rebinding VFs and
// restoring sriov_drivers_autoprobe. A VF LAG forms the bond in between.
type Pending struct {
	pf        offload.PCIAddress
	binds     []pendingBind
	autoprobe bool // restore sriov_drivers_autoprobe to on
}

type pendingBind struct {
	vf     int
	driver string
}

// autoprobeDriver marks, in the simulated state, VFs that autoprobe binds
// to a driver the backend did not name.
const autoprobeDriver = "(autoprobe)"

// Host returns the host being planned for.
func (b *PlanBuilder) Host() HostView { return b.e.view() }

// Spec returns the wanted state.
func (b *PlanBuilder) Spec() Spec { return b.spec }

// PF returns the PF the plan is for, as read when planning started.
func (b *PlanBuilder) PF() *offload.PF { return b.pf }

// Note adds an explanation to the plan (printed in the dry run).
func (b *PlanBuilder) Note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// State returns the state pf will be in after the steps added so far. A
// PF other than the plan's own (a VF LAG peer) is read on first use, with
// the profile of the backend that drives it, and is then locked by Apply.
func (b *PlanBuilder) State(ctx context.Context, pf offload.PCIAddress) (PFState, error) {
	pp, err := b.load(ctx, pf)
	if err != nil {
		return PFState{}, err
	}
	return pp.sim.clone(), nil
}

// Profile returns the profile of pf's backend.
func (b *PlanBuilder) Profile(ctx context.Context, pf offload.PCIAddress) (Profile, error) {
	pp, err := b.load(ctx, pf)
	if err != nil {
		return Profile{}, err
	}
	return pp.prof, nil
}

func (b *PlanBuilder) load(ctx context.Context, addr offload.PCIAddress) (*pfPlan, error) {
	if pp, ok := b.pfs[addr]; ok {
		return pp, nil
	}
	pf := b.pf
	if addr != b.pf.Address {
		var err error
		if pf, err = b.h.PF(ctx, addr); err != nil {
			return nil, err
		}
	}
	prof := b.e.backendForPF(pf).Profile(pf)
	st, params, err := b.e.readStateTyped(ctx, pf, prof)
	if err != nil {
		return nil, err
	}
	pp := &pfPlan{pf: pf, prof: prof, basis: st, sim: st.clone(), params: params}
	b.pfs[addr] = pp
	return pp, nil
}

// mustLoad returns the PF a step adder acts on, reading it when the
// backend did not read its State first. A PF that cannot be read makes the
// whole plan fail (Engine.Plan returns the error) rather than adding steps
// computed from a state nobody read; the step adder then adds nothing.
func (b *PlanBuilder) mustLoad(addr offload.PCIAddress) (*pfPlan, bool) {
	if pp, ok := b.pfs[addr]; ok {
		return pp, true
	}
	if b.err != nil {
		return nil, false
	}
	// The adders take no context; a backend that reads State first (as
	// the bundled ones do) never gets here.
	pp, err := b.load(context.Background(), addr)
	if err != nil {
		b.err = fmt.Errorf("plan step for %s: %w", addr, err)
		return nil, false
	}
	return pp, true
}

func (b *PlanBuilder) timeout(d time.Duration) time.Duration {
	if b.spec.StepTimeout > 0 {
		return b.spec.StepTimeout
	}
	return d
}

func (b *PlanBuilder) add(s Step) { b.steps = append(b.steps, s) }

// predictVF returns the address VF i of pf has or will have: from its
// virtfn link when it exists, else from the SR-IOV offset and stride.
func (b *PlanBuilder) predictVF(pp *pfPlan, i int) string {
	for _, vf := range pp.pf.VFs {
		if vf.Index == i && i < pp.basis.NumVFs && pp.sim.NumVFs == pp.basis.NumVFs {
			return vf.Address.String()
		}
	}
	if a, _, err := b.h.VFAddress(pp.pf.Address, i); err == nil {
		return a.String()
	}
	return fmt.Sprintf("virtfn%d", i)
}

// known returns a known Value; the step adders fill in the field of
// their kind.
func known() Value { return Value{Known: true} }

// SetNumVFs adds a step that writes sriov_numvfs and waits for the VFs.
func (b *PlanBuilder) SetNumVFs(pf offload.PCIAddress, n int, why string) {
	pp, ok := b.mustLoad(pf)
	if !ok {
		return
	}
	s := &pp.sim
	cmd := fmt.Sprintf("echo %d > /sys/bus/pci/devices/%s/sriov_numvfs", n, pf)
	if s.NumVFs != 0 && n != 0 {
		cmd = fmt.Sprintf("echo 0 > /sys/bus/pci/devices/%s/sriov_numvfs; %s", pf, cmd)
	}
	before, after := known(), known()
	before.NumVFs, after.NumVFs = s.NumVFs, n
	b.add(Step{Kind: StepSetNumVFs, PF: pf, Target: pf.String(), VF: -1, Before: before, After: after, Why: why,
		Command: cmd, Timeout: b.timeout(2 * time.Minute)})
	drv := ""
	if !s.HasAutoprobe || s.Autoprobe {
		drv = pp.prof.VFDriver
		if drv == "" {
			drv = autoprobeDriver
		}
	}
	s.NumVFs = n
	s.VFDrivers = make([]string, n)
	for i := range s.VFDrivers {
		s.VFDrivers[i] = drv
	}
	if s.Mode == offload.ESwitchModeSwitchdev && pp.prof.Representors == RepresentorNetdev {
		s.VFReps = n
	}
}

// SetAutoprobe adds a step that writes sriov_drivers_autoprobe.
func (b *PlanBuilder) SetAutoprobe(pf offload.PCIAddress, on bool, why string) {
	pp, ok := b.mustLoad(pf)
	if !ok {
		return
	}
	v := map[bool]string{false: "0", true: "1"}
	before, after := known(), known()
	before.On, after.On = pp.sim.Autoprobe, on
	b.add(Step{Kind: StepSetAutoprobe, PF: pf, Target: pf.String(), VF: -1, Before: before, After: after, Why: why,
		Command: fmt.Sprintf("echo %s > /sys/bus/pci/devices/%s/sriov_drivers_autoprobe", v[on], pf), Timeout: b.timeout(10 * time.Second)})
	pp.sim.Autoprobe = on
}

// driverValue is the Value of a VF bound to drv in the simulated state.
func driverValue(drv string) Value {
	v := known()
	if drv == autoprobeDriver {
		v.Autoprobe = true
	} else {
		v.Driver = drv
	}
	return v
}

// UnbindVF adds a step that unbinds VF i of pf from its driver.
func (b *PlanBuilder) UnbindVF(pf offload.PCIAddress, i int, why string) {
	pp, ok := b.mustLoad(pf)
	if !ok {
		return
	}
	drv := pp.sim.vfDriver(i)
	addr := b.predictVF(pp, i)
	b.add(Step{Kind: StepUnbindVF, PF: pf, Target: addr, VF: i, Before: driverValue(drv), After: known(), Why: why,
		Command: fmt.Sprintf("echo %s > /sys/bus/pci/drivers/%s/unbind", addr, drv), Timeout: b.timeout(30 * time.Second)})
	if i < len(pp.sim.VFDrivers) {
		pp.sim.VFDrivers[i] = ""
	}
}

// BindVF adds a step that binds VF i of pf to driver.
func (b *PlanBuilder) BindVF(pf offload.PCIAddress, i int, driver, why string) {
	pp, ok := b.mustLoad(pf)
	if !ok {
		return
	}
	addr := b.predictVF(pp, i)
	b.add(Step{Kind: StepBindVF, PF: pf, Target: addr, VF: i, Before: driverValue(pp.sim.vfDriver(i)), After: driverValue(driver), Why: why,
		Command: fmt.Sprintf("echo %s > /sys/bus/pci/drivers/%s/bind", addr, driver), Timeout: b.timeout(30 * time.Second)})
	if i < len(pp.sim.VFDrivers) {
		pp.sim.VFDrivers[i] = driver
	}
}

// SetESwitchMode adds a step that switches pf's eswitch and waits for the
// VF representors.
func (b *PlanBuilder) SetESwitchMode(pf offload.PCIAddress, m offload.ESwitchMode, why string) {
	pp, ok := b.mustLoad(pf)
	if !ok {
		return
	}
	before, after := Value{Known: pp.sim.Mode != offload.ESwitchModeUnknown, Mode: pp.sim.Mode}, known()
	after.Mode = m
	b.add(Step{Kind: StepSetESwitchMode, PF: pf, Target: pf.String(), VF: -1, Before: before, After: after, Why: why,
		Command: fmt.Sprintf("devlink dev eswitch set pci/%s mode %s", pf, m), Timeout: b.timeout(time.Minute)})
	pp.sim.Mode = m
	pp.sim.VFReps = 0
	if m == offload.ESwitchModeSwitchdev && pp.prof.Representors == RepresentorNetdev {
		pp.sim.VFReps = pp.sim.NumVFs
	}
}

// SetHWTCOffload adds a step that sets hw-tc-offload on netdev.
func (b *PlanBuilder) SetHWTCOffload(pf offload.PCIAddress, netdev string, on bool, why string) {
	pp, ok := b.mustLoad(pf)
	if !ok {
		return
	}
	before, after := Value{}, known()
	if cur := pp.sim.HWTCOffload; cur != nil && netdev == pp.sim.Uplink {
		before = known()
		before.On = *cur
	}
	after.On = on
	b.add(Step{Kind: StepSetHWTCOffload, PF: pf, Target: netdev, VF: -1, Before: before, After: after, Why: why,
		Command: fmt.Sprintf("ethtool -K %s hw-tc-offload %s", netdev, after.text(StepSetHWTCOffload)), Timeout: b.timeout(10 * time.Second)})
	if netdev == pp.sim.Uplink {
		pp.sim.HWTCOffload = &on
	}
}

// SetParam adds a step that sets devlink runtime parameter name of pf.
func (b *PlanBuilder) SetParam(pf offload.PCIAddress, name string, value offload.ParamValue, why string) {
	pp, ok := b.mustLoad(pf)
	if !ok {
		return
	}
	before, after := Value{}, known()
	if v, ok := pp.params[name]; ok {
		before = known()
		before.Param = v
	}
	after.Param = value
	b.add(Step{Kind: StepSetParam, PF: pf, Target: name, VF: -1, Before: before, After: after, Why: why,
		Command: fmt.Sprintf("devlink dev param set pci/%s name %s value %s cmode runtime", pf, name, value.Text()), Timeout: b.timeout(30 * time.Second)})
	if pp.sim.Params == nil {
		pp.sim.Params = map[string]string{}
	}
	pp.sim.Params[name] = value.Text()
	if pp.params == nil {
		pp.params = map[string]offload.ParamValue{}
	}
	pp.params[name] = value
}

// SetCompat adds a step that writes the MLNX_OFED compat/devlink file name
// of netdev (the fallback where devlink lacks a parameter).
func (b *PlanBuilder) SetCompat(pf offload.PCIAddress, netdev, name, value, why string) {
	pp, ok := b.mustLoad(pf)
	if !ok {
		return
	}
	before, after := Value{}, known()
	if v, ok := pp.sim.Compat[name]; ok {
		before = known()
		before.Word = v
	}
	after.Word = value
	b.add(Step{Kind: StepSetCompat, PF: pf, Target: name, VF: -1, Before: before, After: after, Why: why, Netdev: netdev,
		Command: fmt.Sprintf("echo %s > /sys/class/net/%s/compat/devlink/%s", value, netdev, name), Timeout: b.timeout(30 * time.Second)})
	if pp.sim.Compat == nil {
		pp.sim.Compat = map[string]string{}
	}
	pp.sim.Compat[name] = value
}

// ReleaseSlave adds a step that takes slave (pf's uplink) out of bond.
func (b *PlanBuilder) ReleaseSlave(pf offload.PCIAddress, bond, slave, why string) {
	pp, ok := b.mustLoad(pf)
	if !ok {
		return
	}
	before := known()
	before.Bond = bond
	b.add(Step{Kind: StepReleaseSlave, PF: pf, Target: slave, VF: -1, Before: before, After: known(), Why: why, Bond: bond,
		Command: fmt.Sprintf("echo -%s > /sys/class/net/%s/bonding/slaves", slave, bond), Timeout: b.timeout(30 * time.Second)})
	if slave == pp.sim.Uplink {
		pp.sim.Bond = nil
	}
}

// Enslave adds a step that puts slave (pf's uplink) into bond.
func (b *PlanBuilder) Enslave(pf offload.PCIAddress, bond, slave string, mode offload.BondMode, why string) {
	pp, ok := b.mustLoad(pf)
	if !ok {
		return
	}
	after := known()
	after.Bond = bond
	b.add(Step{Kind: StepEnslave, PF: pf, Target: slave, VF: -1, Before: known(), After: after, Why: why, Bond: bond,
		Command: fmt.Sprintf("echo +%s > /sys/class/net/%s/bonding/slaves", slave, bond), Timeout: b.timeout(30 * time.Second)})
	if slave == pp.sim.Uplink {
		pp.sim.Bond = &offload.Bond{Name: bond, Mode: mode}
	}
}

// SetBondMode adds a step that sets the mode of an empty bond. Apply runs
// it with Host.SetBondMode: the bond is taken down for the write (the
// bonding driver refuses a mode change on an up bond) and its admin state
// is restored, which the shell equivalent shows for the usual up bond.
func (b *PlanBuilder) SetBondMode(pf offload.PCIAddress, bond string, from, to offload.BondMode, why string) {
	if _, ok := b.mustLoad(pf); !ok {
		return
	}
	before, after := Value{Known: from != offload.BondModeUnknown, BondMode: from}, known()
	after.BondMode = to
	b.add(Step{Kind: StepSetBondMode, PF: pf, Target: bond, VF: -1, Before: before, After: after, Why: why, Bond: bond,
		Command: fmt.Sprintf("ip link set dev %[2]s down && echo %[1]s > /sys/class/net/%[2]s/bonding/mode && ip link set dev %[2]s up", to, bond),
		Timeout: b.timeout(10 * time.Second)})
}

// LinkFirmware adds a step that points the firmware file link at path
// (absolute, e.g. <root>/lib/firmware/netronome/pci-0000:af:00.0.nffw) to
// target (relative to the link's directory, as `ln -sf` writes it);
// current is what it points to now, "" when there is no link. Apply
// writes the link under a temporary name and renames it into place,
// refuses to replace a file that is not a link, reads it back, and on
// rollback puts back current (or removes the link when there was none).
// The new link takes effect only when the driver next loads firmware: a
// StepReloadDriver, or a reboot.
func (b *PlanBuilder) LinkFirmware(pf offload.PCIAddress, path, target, current, why string) {
	if _, ok := b.mustLoad(pf); !ok {
		return
	}
	if !filepath.IsAbs(path) || filepath.Clean(path) != path || target == "" || strings.ContainsRune(path+target, 0) {
		b.fail(errs.Invalid("firmware link", path+" -> "+target, "want a clean absolute link path and a target"))
		return
	}
	before, after := known(), known()
	before.Word, after.Word = current, target
	b.add(Step{Kind: StepLinkFirmware, PF: pf, Target: path, VF: -1, Before: before, After: after, Why: why,
		Command: fmt.Sprintf("ln -sf %s %s", target, path), Timeout: b.timeout(10 * time.Second)})
}

// RebuildInitramfs adds the manual step (Step.Manual) of rebuilding the
// initramfs so the next boot loads what the firmware links now select:
// a driver (module) loaded from the initramfs reads the firmware packed
// into it, not /lib/firmware on the root filesystem, and would come back
// with the old firmware. Nothing on the host shows whether it was done, so
// Apply stops at it unless the caller confirms it (Plan.Confirm).
// command is what the operator runs; risk what it may break.
func (b *PlanBuilder) RebuildInitramfs(pf offload.PCIAddress, module, command, risk, why string) {
	if _, ok := b.mustLoad(pf); !ok {
		return
	}
	b.add(Step{Kind: StepRebuildInitramfs, PF: pf, Target: module, VF: -1, Why: why, Command: command, Manual: true, Risk: risk})
}

// ReloadDriver adds the manual step (Step.Manual) of reloading driver
// (`rmmod driver; modprobe driver`) so that pf loads the firmware its
// links select. The library never does it: unloading a driver takes away
// every device it drives, which is the operator's call. Apply goes past
// the step only when the PF's eswitch mode reads want (the host's proof
// that the wanted firmware runs) and otherwise stops there; risk says what
// the reload takes away. The PF's state after the step is want, with no
// VFs: a driver unload disables SR-IOV and the reload does not restore it.
func (b *PlanBuilder) ReloadDriver(pf offload.PCIAddress, driver string, want offload.ESwitchMode, risk, why string) {
	pp, ok := b.mustLoad(pf)
	if !ok {
		return
	}
	before, after := known(), known()
	before.Mode, after.Mode = pp.sim.Mode, want
	if pp.basis.ModeSource != "kernel" {
		// An inferred mode is no evidence of the firmware that runs;
		// Apply reads devlink's answer only (see Engine.kernelMode).
		before.Mode = offload.ESwitchModeUnknown
	}
	b.add(Step{Kind: StepReloadDriver, PF: pf, Target: driver, VF: -1, Before: before, After: after, Why: why,
		Command: fmt.Sprintf("rmmod %s; modprobe %s", driver, driver), Manual: true, Risk: risk})
	pp.sim.Mode = want
	pp.sim.NumVFs, pp.sim.VFDrivers, pp.sim.VFReps = 0, nil, 0
}

// fail records the first error of a step adder; Engine.Plan returns it.
func (b *PlanBuilder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// wantNumVFs resolves KeepNumVFs and checks the count against
// sriov_totalvfs before anything is planned.
func (b *PlanBuilder) wantNumVFs(pp *pfPlan) (int, error) {
	n := b.spec.wantNumVFs(pp.basis.NumVFs)
	if n < 0 || n > pp.basis.TotalVFs {
		return 0, &errs.Error{Op: "plan switchdev", Device: pp.pf.Address.String(),
			Err: fmt.Errorf("%w: %d VFs wanted, sriov_totalvfs is %d", errs.ErrInvalidArgument, n, pp.basis.TotalVFs)}
	}
	return n, nil
}

// NeedsChange reports whether pf differs from the spec in VF count, eswitch
// mode or hw-tc-offload (vendor settings such as the steering mode are the
// backend's to check).
func (b *PlanBuilder) NeedsChange(ctx context.Context, pf offload.PCIAddress) (bool, error) {
	pp, err := b.load(ctx, pf)
	if err != nil {
		return false, err
	}
	n, err := b.wantNumVFs(pp)
	if err != nil {
		return false, err
	}
	s := &pp.sim
	if s.NumVFs != n || b.hwtcNeeded(pp) {
		return true, nil
	}
	switch pp.prof.Order {
	case OrderVFsFirst, OrderModeFirst:
		if s.Mode != b.spec.wantMode(pp.basis.Mode) {
			return true, nil
		}
		// VFs left unbound by an interrupted manual procedure are rebound.
		for i := 0; i < s.NumVFs; i++ {
			if s.vfDriver(i) == "" && s.HasAutoprobe && s.Autoprobe && pp.prof.VFDriver != "" {
				return true, nil
			}
		}
	}
	return false, nil
}

func (b *PlanBuilder) hwtcNeeded(pp *pfPlan) bool {
	return b.spec.HWTCOffload && pp.prof.HWTCOffload && pp.sim.Uplink != "" &&
		(pp.sim.HWTCOffload == nil || !*pp.sim.HWTCOffload)
}

// HandleBond applies the spec's bond policy to pf when its uplink is a
// bond slave and something is to change (extra: the backend has changes of
// its own): BondRefuse fails with errs.ErrBusy, BondRelease takes the uplink
// out. BondVFLAG is for backends that implement it; here it fails with
// errs.ErrNotSupported.
func (b *PlanBuilder) HandleBond(ctx context.Context, pf offload.PCIAddress, extra bool) error {
	pp, err := b.load(ctx, pf)
	if err != nil {
		return err
	}
	if pp.sim.Bond == nil {
		return nil
	}
	need, err := b.NeedsChange(ctx, pf)
	if err != nil {
		return err
	}
	if !need && !extra {
		return nil
	}
	bond := pp.sim.Bond
	switch b.spec.Bond {
	case BondRelease:
		b.ReleaseSlave(pf, bond.Name, pp.sim.Uplink, "the guides take the PF out of its bond before switching the eswitch (BondRelease)")
		return nil
	case BondVFLAG:
		return &errs.Error{Op: "plan switchdev", Device: pf.String(),
			Err: fmt.Errorf("%w: VF LAG is not supported by the %s backend", errs.ErrNotSupported, b.backend.Name())}
	}
	return &errs.Error{Op: "plan switchdev", Device: pf.String(),
		Err: fmt.Errorf("%w: uplink %s is enslaved to bond %s (%s); the NIC cannot switch modes while bonded: choose BondRelease to take it out, or BondVFLAG (mlx5) to keep the bond as a VF LAG", errs.ErrBusy, pp.sim.Uplink, bond.Name, bond.Mode)}
}

// Switchdev adds the steps that bring pf's VF count and eswitch mode to the
// spec, in the order of its profile, and hw-tc-offload on the uplink. VF
// rebinding is left in the returned Pending for Finish, so a VF LAG can
// form its bond first.
func (b *PlanBuilder) Switchdev(ctx context.Context, pf offload.PCIAddress) (*Pending, error) {
	pp, err := b.load(ctx, pf)
	if err != nil {
		return nil, err
	}
	n, err := b.wantNumVFs(pp)
	if err != nil {
		return nil, err
	}
	p := &Pending{pf: pf}
	want := b.spec.wantMode(pp.basis.Mode)
	s := &pp.sim
	switch pp.prof.Order {
	case OrderVFsFirst:
		if err := b.vfsFirst(pp, want, n, p); err != nil {
			return nil, err
		}
	case OrderModeFirst:
		if s.Mode != want {
			if s.NumVFs > 0 {
				b.SetNumVFs(pf, 0, "the driver refuses to change the eswitch mode while VFs exist; they are created again after")
			}
			b.SetESwitchMode(pf, want, "")
		}
		if s.NumVFs != n {
			b.SetNumVFs(pf, n, "")
		}
	case OrderModeFixed:
		if s.Mode != want {
			return nil, &errs.Error{Op: "plan switchdev", Device: pf.String(),
				Err: fmt.Errorf("%w: the loaded firmware fixes the eswitch mode at %s and the driver refuses to change it; %s needs other firmware and a driver reload", errs.ErrNotSupported, s.Mode, want)}
		}
		if s.NumVFs != n {
			b.SetNumVFs(pf, n, "")
		}
	case OrderNoESwitch:
		if s.NumVFs != n {
			b.SetNumVFs(pf, n, "")
		}
	default:
		return nil, &errs.Error{Op: "plan switchdev", Device: pf.String(), Err: fmt.Errorf("%w: backend %s gave no ordering", errs.ErrNotSupported, b.backend.Name())}
	}
	if b.hwtcNeeded(pp) {
		b.SetHWTCOffload(pf, s.Uplink, true, "OVS offloads flows through TC; without it the driver refuses tc flower rules")
	}
	// VFs left unbound (an interrupted manual run) are rebound.
	if pp.prof.VFDriver != "" && s.HasAutoprobe && s.Autoprobe && (pp.prof.Order == OrderVFsFirst || pp.prof.Order == OrderModeFirst) {
		queued := map[int]bool{}
		for _, pb := range p.binds {
			queued[pb.vf] = true
		}
		for i := 0; i < s.NumVFs; i++ {
			if s.vfDriver(i) == "" && !queued[i] {
				p.binds = append(p.binds, pendingBind{vf: i, driver: pp.prof.VFDriver})
			}
		}
	}
	return p, nil
}

// vfsFirst is the mlx5 order: VFs are created in legacy mode, unbound,
// the eswitch is switched, and the VFs are rebound (in Finish).
func (b *PlanBuilder) vfsFirst(pp *pfPlan, want offload.ESwitchMode, n int, p *Pending) error {
	s := &pp.sim
	pf := pp.pf.Address
	if s.Mode == want && s.NumVFs == n {
		return nil
	}
	if s.Mode == want {
		b.SetNumVFs(pf, n, fmt.Sprintf("the eswitch is already %s; the driver creates the VFs (and their representors) in place", want))
		return nil
	}
	if pp.prof.VFDriver == "" {
		return &errs.Error{Op: "plan switchdev", Device: pf.String(), Err: fmt.Errorf("%w: the %s order needs the VF driver, and backend %s names none", errs.ErrNotSupported, pp.prof.Order, b.backend.Name())}
	}
	autoprobe := !s.HasAutoprobe || s.Autoprobe
	if want == offload.ESwitchModeSwitchdev {
		if s.NumVFs != n {
			if s.NumVFs != 0 {
				b.SetNumVFs(pf, 0, "sriov_numvfs cannot go from one non-zero count to another (EBUSY)")
			}
			if n > 0 && s.HasAutoprobe && s.Autoprobe {
				b.SetAutoprobe(pf, false, "new VFs are created unbound instead of being bound and unbound again")
				p.autoprobe = true
			}
			if n > 0 {
				b.SetNumVFs(pf, n, "VFs are created in legacy mode; switching to switchdev before every VF exists fails with EINVAL")
			}
			if p.autoprobe {
				for i := 0; i < n; i++ {
					p.binds = append(p.binds, pendingBind{vf: i, driver: pp.prof.VFDriver})
				}
			}
		}
		for i := 0; i < s.NumVFs; i++ {
			if d := s.vfDriver(i); d != "" {
				if d == autoprobeDriver {
					d = pp.prof.VFDriver
					s.VFDrivers[i] = d
				}
				b.UnbindVF(pf, i, "VFs must be unbound while the eswitch mode changes")
				p.binds = append(p.binds, pendingBind{vf: i, driver: d})
			}
		}
		b.SetESwitchMode(pf, want, "")
		return nil
	}
	// switchdev -> legacy
	for i := 0; i < s.NumVFs; i++ {
		if d := s.vfDriver(i); d != "" && d != autoprobeDriver {
			b.UnbindVF(pf, i, "VFs must be unbound while the eswitch mode changes")
			if i < n {
				p.binds = append(p.binds, pendingBind{vf: i, driver: d})
			}
		}
	}
	b.SetESwitchMode(pf, want, "")
	if s.NumVFs != n {
		b.SetNumVFs(pf, n, "")
		if autoprobe {
			p.binds = nil // the driver binds the new VFs itself
		}
	}
	return nil
}

// UnbindAll adds steps that unbind every VF of pf still bound after the
// steps so far, and queues their rebinding in p (for Finish). A VF LAG
// needs every VF unbound while its bond forms.
func (b *PlanBuilder) UnbindAll(ctx context.Context, pf offload.PCIAddress, p *Pending, why string) error {
	pp, err := b.load(ctx, pf)
	if err != nil {
		return err
	}
	if p == nil || p.pf != pf {
		return errs.Invalid("pending steps", pf.String(), "not from Switchdev of this PF")
	}
	for i := 0; i < pp.sim.NumVFs; i++ {
		d := pp.sim.vfDriver(i)
		if d == "" {
			continue
		}
		if d == autoprobeDriver {
			if pp.prof.VFDriver == "" {
				return &errs.Error{Op: "plan unbinding VFs", Device: pf.String(), Err: fmt.Errorf("%w: VF %d is bound by autoprobe to a driver backend %s does not name", errs.ErrNotSupported, i, b.backend.Name())}
			}
			d = pp.prof.VFDriver
			pp.sim.VFDrivers[i] = d
		}
		b.UnbindVF(pf, i, why)
		p.binds = append(p.binds, pendingBind{vf: i, driver: d})
	}
	return nil
}

// Finish adds the steps Switchdev left pending: rebinding the VFs to
// their drivers and turning sriov_drivers_autoprobe back on.
func (b *PlanBuilder) Finish(p *Pending) {
	if p == nil {
		return
	}
	sort.SliceStable(p.binds, func(i, j int) bool { return p.binds[i].vf < p.binds[j].vf })
	for _, pb := range p.binds {
		b.BindVF(p.pf, pb.vf, pb.driver, "")
	}
	if p.autoprobe {
		b.SetAutoprobe(p.pf, true, "restore automatic binding of future VFs")
	}
}
