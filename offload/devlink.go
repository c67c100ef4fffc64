package offload

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/offloadkit/offloadkit/internal/devlink"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// Devlink is one devlink instance of a Host ("pci/0000:84:00.0" for a PF,
// "netdevsim/netdevsim10"): its eswitch, its parameters, its ports and the
// switchdev representors below it. Every device-level call is made through
// it, so a device is always named by one key, its Device (a PF's is
// PCIDevice(pf)). A Devlink is a cheap value made by Host.Devlink; it holds
// no connection of its own and its methods validate the Device before any
// request.
type Devlink struct {
	h   *Host
	dev Device
}

// Devlink returns the handle of devlink instance dev.
func (h *Host) Devlink(dev Device) Devlink { return Devlink{h: h, dev: dev} }

// Device returns the instance the handle names.
func (d Devlink) Device() Device { return d.dev }

// FindPort returns the devlink port q names: for a VF
// (PortFlavourPCIVF), the eswitch side of that VF (its representor and
// its function). A port without a controller number (older kernels) counts
// as local; when only one local port has the VF number, its PF number is
// not required to match (nfp numbers differently from the PCI function).
// An external controller's ports (a host's VFs seen from a DPU) always need
// the PF number. q.PF -1 means the PF this device is (its PCI function).
func (d Devlink) FindPort(ctx context.Context, q PortQuery) (*Port, error) {
	if err := d.dev.validate(); err != nil {
		return nil, err
	}
	if q.Flavour != PortFlavourPCIVF {
		return nil, errs.Invalid("port flavour", q.Flavour.String(), "want pcivf")
	}
	if q.VF < 0 || q.Controller < 0 {
		return nil, errs.Invalid("VF port", fmt.Sprintf("c%dpf%dvf%d", q.Controller, q.PF, q.VF), "negative number")
	}
	pfNum := q.PF
	if pfNum < 0 && d.dev.Bus == "pci" {
		if a, err := ParsePCIAddress(d.dev.Name); err == nil {
			pfNum = int(a.Function)
		}
	}
	what := fmt.Sprintf("VF %d", q.VF)
	if q.Controller > 0 {
		what = fmt.Sprintf("VF c%dpf%dvf%d", q.Controller, pfNum, q.VF)
	}
	return d.h.findVFPort(ctx, d.dev, q.Controller, pfNum, q.VF, what)
}

// ESwitch reads the eswitch state of dev over devlink.
func (d Devlink) ESwitch(ctx context.Context) (ESwitchState, error) {
	h, dev := d.h, d.dev
	const op = "devlink dev eswitch show"
	if err := dev.validate(); err != nil {
		return ESwitchState{}, err
	}
	c, err := h.devlinkClient(op, dev)
	if err != nil {
		return ESwitchState{}, err
	}
	e, err := c.ESwitch(ctx, devlinkHandle(dev))
	if err != nil {
		return ESwitchState{}, err
	}
	st := ESwitchState{Mode: ESwitchModeUnknown}
	if e.HasMode {
		st.Mode = e.Mode
	}
	if e.HasInlineMode {
		m := InlineMode(e.InlineMode)
		st.InlineMode = &m
	}
	if e.HasEncapMode {
		m := EncapMode(e.EncapMode)
		st.EncapMode = &m
	}
	return st, nil
}

// ESwitchMode is ESwitchMode for any devlink device, PCI or not
// ("netdevsim/netdevsim10").
func (d Devlink) ESwitchMode(ctx context.Context) (ESwitchMode, error) {
	h, dev := d.h, d.dev
	const op = "devlink dev eswitch show"
	if err := dev.validate(); err != nil {
		return ESwitchModeUnknown, err
	}
	c, err := h.kernel.devlink()
	if err == nil {
		e, derr := c.ESwitch(ctx, devlinkHandle(dev))
		switch {
		case derr == nil && e.HasMode:
			return e.Mode, nil
		case derr == nil:
			return ESwitchModeUnknown, &errs.Error{Op: op, Device: dev.String(), Err: fmt.Errorf("%w: the driver reports no eswitch mode", errs.ErrNotSupported)}
		case !noDevlinkFor(derr):
			return ESwitchModeUnknown, derr
		}
		// No devlink instance or no eswitch ops (an out-of-tree driver):
		// the MLNX_OFED compat file may still say.
		err = derr
	} else if !errors.Is(err, errs.ErrNotSupported) {
		return ESwitchModeUnknown, &errs.Error{Op: op, Device: dev.String(), Err: err}
	}
	if nds, nerr := h.netdevsOfDir(dev.dir()); nerr == nil {
		for _, nd := range nds {
			if m := h.eswitchModeFromSysfs(nd.Name); m != ESwitchModeUnknown {
				return m, nil
			}
		}
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return ESwitchModeUnknown, err
	}
	return ESwitchModeUnknown, &errs.Error{Op: op, Device: dev.String(), Err: err}
}

// SetESwitchMode is SetESwitchMode for any devlink device.
func (d Devlink) SetESwitchMode(ctx context.Context, mode ESwitchMode) error {
	h, dev := d.h, d.dev
	const op = "devlink dev eswitch set"
	if err := dev.validate(); err != nil {
		return err
	}
	if mode != ESwitchModeLegacy && mode != ESwitchModeSwitchdev && mode != ESwitchModeSwitchdevInactive {
		return errs.Invalid("eswitch mode", mode.String(), "want legacy, switchdev or switchdev_inactive")
	}
	c, err := h.devlinkClient(op, dev)
	if err != nil {
		return err
	}
	dm := mode
	if err := c.SetESwitch(ctx, devlinkHandle(dev), devlink.ESwitchConfig{Mode: &dm}); err != nil {
		return err
	}
	// Representors appeared or went away: forget where they were.
	h.forgetReps(dev)
	e, err := c.ESwitch(ctx, devlinkHandle(dev))
	if err != nil {
		return err
	}
	if got := e.Mode; got != mode {
		return &errs.Error{Op: op, Device: dev.String(), Err: fmt.Errorf("%w: mode is %s after setting %s", errs.ErrNotApplied, got, mode)}
	}
	return nil
}

// SetInlineMode sets the eswitch inline mode of dev and reads it back.
func (d Devlink) SetInlineMode(ctx context.Context, m InlineMode) error {
	h, dev := d.h, d.dev
	const op = "devlink dev eswitch set inline-mode"
	if m > InlineModeTransport {
		return errs.Invalid("inline mode", m.String(), "want none, link, network or transport")
	}
	dm := m // offload.InlineMode is the devlink client's type
	return h.setESwitch(ctx, op, dev, devlink.ESwitchConfig{InlineMode: &dm}, func(st ESwitchState) (string, bool) {
		if st.InlineMode == nil {
			return "unreported", false
		}
		return st.InlineMode.String(), *st.InlineMode == m
	})
}

// SetEncapMode sets the eswitch encap mode of dev and reads it back. mlx5
// refuses a change while offloaded flows exist (errs.ErrBusy).
func (d Devlink) SetEncapMode(ctx context.Context, m EncapMode) error {
	h, dev := d.h, d.dev
	const op = "devlink dev eswitch set encap-mode"
	if m > EncapModeBasic {
		return errs.Invalid("encap mode", m.String(), "want none or basic")
	}
	dm := m // offload.EncapMode is the devlink client's type
	return h.setESwitch(ctx, op, dev, devlink.ESwitchConfig{EncapMode: &dm}, func(st ESwitchState) (string, bool) {
		if st.EncapMode == nil {
			return "unreported", false
		}
		return st.EncapMode.String(), *st.EncapMode == m
	})
}

// Param is Param for any devlink device.
func (d Devlink) Param(ctx context.Context, name string, cmode ParamCMode) (ParamValue, error) {
	h, dev := d.h, d.dev
	op := "devlink dev param show " + name
	if err := dev.validate(); err != nil {
		return ParamValue{}, err
	}
	if err := validParamName(name); err != nil {
		return ParamValue{}, err
	}
	if err := validCMode(cmode); err != nil {
		return ParamValue{}, err
	}
	c, err := h.devlinkClient(op, dev)
	if err != nil {
		return ParamValue{}, err
	}
	p, err := c.Param(ctx, devlinkHandle(dev), name)
	if err != nil {
		return ParamValue{}, err
	}
	v, ok := p.Value(cmode)
	if !ok {
		return ParamValue{}, &errs.Error{Op: op, Device: dev.String(), Err: fmt.Errorf("%w: no %s value", errs.ErrNotSupported, cmode)}
	}
	return ParamValue{Type: p.Type, Uint: v.Uint, String: v.String, Bool: v.Bool}, nil
}

// SetParam is SetParam for any devlink device.
func (d Devlink) SetParam(ctx context.Context, name string, cmode ParamCMode, v ParamValue) error {
	h, dev := d.h, d.dev
	op := "devlink dev param set " + name
	if err := dev.validate(); err != nil {
		return err
	}
	if err := validParamName(name); err != nil {
		return err
	}
	if err := validCMode(cmode); err != nil {
		return err
	}
	c, err := h.devlinkClient(op, dev)
	if err != nil {
		return err
	}
	p, err := c.Param(ctx, devlinkHandle(dev), name)
	if err != nil {
		return err
	}
	typ := p.Type
	switch {
	case !isUint(typ) && typ != ParamTypeString && typ != ParamTypeBool:
		return &errs.Error{Op: op, Device: dev.String(), Err: fmt.Errorf("%w: parameter type %s", errs.ErrNotSupported, p.Type)}
	case isUint(typ) && isUint(v.Type):
		if !uintFits(typ, v.Uint) {
			return errs.Invalid("devlink parameter "+name, fmt.Sprint(v.Uint), "does not fit "+typ.String())
		}
	case typ != v.Type:
		return errs.Invalid("devlink parameter "+name, v.Text(), "the parameter is "+typ.String()+", the value "+v.Type.String())
	}
	dv := devlink.ParamValue{CMode: cmode, Uint: v.Uint, String: v.String, Bool: v.Bool}
	if err := c.SetParam(ctx, devlinkHandle(dev), name, p.Type, dv); err != nil {
		return err
	}
	got, err := d.Param(ctx, name, cmode)
	if err != nil {
		return err
	}
	if got.Text() != v.Text() {
		return &errs.Error{Op: op, Device: dev.String(), Err: fmt.Errorf("%w: value is %s after setting %s", errs.ErrNotApplied, got.Text(), v.Text())}
	}
	return nil
}

// Reload reloads the device's driver (`devlink dev reload pci/<pf>
// action driver_reinit`), which applies driverinit parameters. The
// device's netdevs and representors are recreated.
func (d Devlink) Reload(ctx context.Context) error {
	h, dev := d.h, d.dev
	if err := dev.validate(); err != nil {
		return err
	}
	const op = "devlink dev reload"
	c, err := h.devlinkClient(op, dev)
	if err != nil {
		return err
	}
	done, err := c.Reload(ctx, devlinkHandle(dev), devlink.ReloadDriverReinit)
	h.forgetReps(dev)
	if err != nil {
		return err
	}
	for _, a := range done {
		if a == devlink.ReloadDriverReinit {
			return nil
		}
	}
	return &errs.Error{Op: op, Device: dev.String(), Err: fmt.Errorf("%w: the kernel did not report driver_reinit as performed", errs.ErrNotApplied)}
}

// Ports lists the devlink ports of dev (`devlink port show`), PCI or not.
func (d Devlink) Ports(ctx context.Context) ([]Port, error) {
	h, dev := d.h, d.dev
	const op = "devlink port show"
	if err := dev.validate(); err != nil {
		return nil, err
	}
	c, err := h.devlinkClient(op, dev)
	if err != nil {
		return nil, err
	}
	ps, err := c.Ports(ctx, devlinkHandle(dev))
	if err != nil {
		return nil, err
	}
	out := make([]Port, 0, len(ps))
	for _, p := range ps {
		out = append(out, portFromDevlink(dev, p))
	}
	return out, nil
}

// Port reads port index of dev.
func (d Devlink) Port(ctx context.Context, index uint32) (*Port, error) {
	h, dev := d.h, d.dev
	const op = "devlink port show"
	if err := dev.validate(); err != nil {
		return nil, err
	}
	c, err := h.devlinkClient(op, dev)
	if err != nil {
		return nil, err
	}
	p, err := c.Port(ctx, devlinkHandle(dev), index)
	if err != nil {
		return nil, err
	}
	out := portFromDevlink(dev, p)
	return &out, nil
}

// SetPortFunctionMAC sets the hardware address of the function behind port
// index of dev (`devlink port function set pci/<pf>/<index> hw_addr <mac>`)
// and reads it back. This is how a VF's MAC is set from the eswitch side,
// also for host VFs on a DPU.
func (d Devlink) SetPortFunctionMAC(ctx context.Context, index uint32, mac net.HardwareAddr) error {
	h, dev := d.h, d.dev
	const op = "devlink port function set hw_addr"
	if err := dev.validate(); err != nil {
		return err
	}
	if err := validMAC(mac); err != nil {
		return err
	}
	c, err := h.devlinkClient(op, dev)
	if err != nil {
		return err
	}
	if err := c.SetPortFunction(ctx, devlinkHandle(dev), index, devlink.PortFunctionConfig{HWAddr: mac}); err != nil {
		return err
	}
	p, err := d.Port(ctx, index)
	if err != nil {
		return err
	}
	if p.Function == nil || p.Function.MAC.String() != mac.String() {
		got := "none"
		if p.Function != nil {
			got = p.Function.MAC.String()
		}
		return &errs.Error{Op: op, Device: p.String(), Err: fmt.Errorf("%w: hw_addr reads back %s", errs.ErrNotApplied, got)}
	}
	return nil
}

// SetPortFunctionState activates or deactivates the function behind port
// index of dev (SFs: `devlink port function set ... state active`) and
// reads it back.
func (d Devlink) SetPortFunctionState(ctx context.Context, index uint32, active bool) error {
	h, dev := d.h, d.dev
	const op = "devlink port function set state"
	if err := dev.validate(); err != nil {
		return err
	}
	c, err := h.devlinkClient(op, dev)
	if err != nil {
		return err
	}
	s := devlink.PortFnStateInactive
	want := PortFunctionInactive
	if active {
		s, want = devlink.PortFnStateActive, PortFunctionActive
	}
	if err := c.SetPortFunction(ctx, devlinkHandle(dev), index, devlink.PortFunctionConfig{State: &s}); err != nil {
		return err
	}
	p, err := d.Port(ctx, index)
	if err != nil {
		return err
	}
	if p.Function == nil || p.Function.State == nil || *p.Function.State != want {
		return &errs.Error{Op: op, Device: p.String(), Err: fmt.Errorf("%w: state does not read back %s", errs.ErrNotApplied, want)}
	}
	return nil
}

// Representor returns the switch port netdev q names below the device,
// PCI or not (netdevsim): the uplink (PortFlavourPhysical, "p0"), a VF
// representor (PortFlavourPCIVF, "pf0vf3"; on a DPU, Controller 1 for the
// host's "c1pf0vf3"), a PF representor ("pf0", "c1pf0") or an SF
// representor ("pf0sf88"). q.PF -1 accepts any PF number when the port is
// unambiguous. Representor.PF is set when the device is a PCI function.
func (d Devlink) Representor(ctx context.Context, q PortQuery) (*Representor, error) {
	h, dev := d.h, d.dev
	if err := dev.validate(); err != nil {
		return nil, err
	}
	if q.Controller < 0 {
		q.Controller = 0
	}
	k := repKey{flavour: q.Flavour, controller: q.Controller, vf: q.VF, sf: q.SF}
	switch q.Flavour {
	case PortFlavourPhysical, PortFlavourPCIPF:
		k.vf, k.sf = -1, -1
	case PortFlavourPCIVF:
		k.sf = -1
		if q.VF < 0 {
			return nil, errs.Invalid("VF number", fmt.Sprint(q.VF), "negative")
		}
	case PortFlavourPCISF:
		k.vf = -1
		if q.SF < 0 {
			return nil, errs.Invalid("SF number", fmt.Sprint(q.SF), "negative")
		}
	default:
		return nil, errs.Invalid("port flavour", q.Flavour.String(), "want physical, pcipf, pcivf or pcisf")
	}
	nd, err := h.lookupRep(ctx, dev, k, q.PF)
	if err != nil {
		return nil, err
	}
	var pf PCIAddress
	if dev.Bus == "pci" {
		pf, _ = ParsePCIAddress(dev.Name)
	}
	r := newRepresentor(pf, nd)
	return &r, nil
}

// Representors lists every switch port netdev below the device: uplinks
// (PortFlavourPhysical) and VF, SF and PF representors, sorted by
// controller, PF and VF/SF number. Representor.PF is set when the device
// is a PCI function.
func (d Devlink) Representors(ctx context.Context) ([]Representor, error) {
	h, dev := d.h, d.dev
	if err := dev.validate(); err != nil {
		return nil, err
	}
	nds, err := h.netdevsOfDir(dev.dir())
	if err != nil {
		return nil, &errs.Error{Op: "list switch ports", Device: dev.String(), Err: err}
	}
	var pf PCIAddress
	if dev.Bus == "pci" {
		pf, _ = ParsePCIAddress(dev.Name)
	}
	var out []Representor
	for _, nd := range nds {
		if nd.PortName.Raw != "" && nd.PortName.Flavour != PortFlavourUnknown {
			out = append(out, newRepresentor(pf, nd))
		}
	}
	sortRepresentors(out)
	return out, nil
}

// DevlinkInfo is what `devlink dev info` reports: the driver, the serial
// number and the fixed (board: "board.id"), running and stored (firmware)
// versions; FixedVersion("board.id") looks one up. It is the devlink
// client's type.
type DevlinkInfo = devlink.Info

// Info reads the device's information (`devlink dev info pci/<pf>`). The
// Agilio guide reads the card's assembly number from it (board.id).
func (d Devlink) Info(ctx context.Context) (DevlinkInfo, error) {
	const op = "devlink dev info"
	if err := d.dev.validate(); err != nil {
		return DevlinkInfo{}, err
	}
	c, err := d.h.devlinkClient(op, d.dev)
	if err != nil {
		return DevlinkInfo{}, err
	}
	return c.Info(ctx, devlinkHandle(d.dev))
}
