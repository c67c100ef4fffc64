package offload

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/offloadkit/offloadkit/internal/devlink"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// InlineMode is how much of each packet's headers the NIC copies to the
// eswitch for matching (`devlink dev eswitch set ... inline-mode`);
// ConnectX-4 Lx needs it raised to transport for L4 matches.
type InlineMode uint8

// Inline modes, numbered as devlink numbers them.
const (
	InlineModeNone      InlineMode = iota // none
	InlineModeLink                        // L2
	InlineModeNetwork                     // L3
	InlineModeTransport                   // L4
)

// String returns the mode as devlink prints it.
func (m InlineMode) String() string { return devlink.InlineMode(m).String() }

// MarshalText renders the mode as devlink prints it.
func (m InlineMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// EncapMode says whether the eswitch offloads tunnel encapsulation
// (`devlink dev eswitch set ... encap-mode basic`), which VXLAN and Geneve
// offload need.
type EncapMode uint8

// Encap modes, numbered as devlink numbers them.
const (
	EncapModeNone  EncapMode = iota // none
	EncapModeBasic                  // basic
)

// String returns the mode as devlink prints it.
func (m EncapMode) String() string { return devlink.EncapMode(m).String() }

// MarshalText renders the mode as devlink prints it.
func (m EncapMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// ESwitchState is what `devlink dev eswitch show` reports. InlineMode and
// EncapMode are nil when the driver does not report them (nfp, ice,
// netdevsim report only the mode).
type ESwitchState struct {
	Mode       ESwitchMode `json:"mode"`
	InlineMode *InlineMode `json:"inline_mode,omitempty"`
	EncapMode  *EncapMode  `json:"encap_mode,omitempty"`
}

// ESwitch reads the eswitch state of dev over devlink.
func (h *Host) ESwitch(ctx context.Context, dev Device) (ESwitchState, error) {
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
		st.Mode = modeFromDevlink(e.Mode)
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

// SetInlineMode sets the eswitch inline mode of dev and reads it back.
func (h *Host) SetInlineMode(ctx context.Context, dev Device, m InlineMode) error {
	const op = "devlink dev eswitch set inline-mode"
	if m > InlineModeTransport {
		return errs.Invalid("inline mode", m.String(), "want none, link, network or transport")
	}
	dm := devlink.InlineMode(m)
	return h.setESwitch(ctx, op, dev, devlink.ESwitchConfig{InlineMode: &dm}, func(st ESwitchState) (string, bool) {
		if st.InlineMode == nil {
			return "unreported", false
		}
		return st.InlineMode.String(), *st.InlineMode == m
	})
}

// SetEncapMode sets the eswitch encap mode of dev and reads it back. mlx5
// refuses a change while offloaded flows exist (errs.ErrBusy).
func (h *Host) SetEncapMode(ctx context.Context, dev Device, m EncapMode) error {
	const op = "devlink dev eswitch set encap-mode"
	if m > EncapModeBasic {
		return errs.Invalid("encap mode", m.String(), "want none or basic")
	}
	dm := devlink.EncapMode(m)
	return h.setESwitch(ctx, op, dev, devlink.ESwitchConfig{EncapMode: &dm}, func(st ESwitchState) (string, bool) {
		if st.EncapMode == nil {
			return "unreported", false
		}
		return st.EncapMode.String(), *st.EncapMode == m
	})
}

func (h *Host) setESwitch(ctx context.Context, op string, dev Device, cfg devlink.ESwitchConfig, check func(ESwitchState) (string, bool)) error {
	if err := dev.validate(); err != nil {
		return err
	}
	c, err := h.devlinkClient(op, dev)
	if err != nil {
		return err
	}
	if err := c.SetESwitch(ctx, devlinkHandle(dev), cfg); err != nil {
		return err
	}
	st, err := h.ESwitch(ctx, dev)
	if err != nil {
		return err
	}
	if got, ok := check(st); !ok {
		return &errs.Error{Op: op, Device: dev.String(), Err: fmt.Errorf("%w: reads back %s", errs.ErrNotApplied, got)}
	}
	return nil
}

// PortFunctionState is the administrative state of the function behind a
// port (SFs are created inactive and activated).
type PortFunctionState uint8

// Port function states. Unknown means the driver did not report one.
const (
	PortFunctionStateUnknown PortFunctionState = iota
	PortFunctionInactive
	PortFunctionActive
)

// String returns the state as devlink prints it.
func (s PortFunctionState) String() string {
	switch s {
	case PortFunctionInactive:
		return "inactive"
	case PortFunctionActive:
		return "active"
	}
	return "unknown"
}

// MarshalText renders the state as devlink prints it.
func (s PortFunctionState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// PortFunction is the function (VF, SF, host PF) behind an eswitch port, as
// the eswitch manager sees it: `devlink port function set ... hw_addr`.
type PortFunction struct {
	// MAC is the function's hardware address; nil when not reported.
	MAC   net.HardwareAddr  `json:"hw_addr,omitempty"`
	State PortFunctionState `json:"state"`
	// Attached reports whether a driver is bound to the function
	// (opstate attached); meaningful only when HasOpState.
	Attached   bool `json:"attached"`
	HasOpState bool `json:"-"`
}

// Port is one devlink port of a device: an uplink, or the eswitch port of
// a PF, VF or SF, with its representor netdev. Numbers the driver does not
// report are -1.
type Port struct {
	Device     Device      `json:"device"`
	Index      uint32      `json:"index"`
	Flavour    PortFlavour `json:"flavour"`
	Netdev     string      `json:"netdev,omitempty"`
	Ifindex    int         `json:"ifindex,omitempty"`
	Number     int         `json:"port_number"`
	Controller int         `json:"controller"`
	PFNum      int         `json:"pf_num"`
	VFNum      int         `json:"vf_num"`
	SFNum      int         `json:"sf_num"`
	// External is set for ports of functions on another host (a DPU's
	// host PF and VFs, controller >= 1).
	External   bool          `json:"external"`
	Splittable bool          `json:"splittable"`
	Function   *PortFunction `json:"function,omitempty"`
}

// String returns the devlink port name, "pci/0000:84:00.0/65537".
func (p Port) String() string {
	return p.Device.String() + "/" + strconv.FormatUint(uint64(p.Index), 10)
}

func flavourFromDevlink(f devlink.PortFlavour) PortFlavour {
	switch f {
	case devlink.PortFlavourPhysical:
		return PortFlavourPhysical
	case devlink.PortFlavourPCIPF:
		return PortFlavourPCIPF
	case devlink.PortFlavourPCIVF:
		return PortFlavourPCIVF
	case devlink.PortFlavourPCISF:
		return PortFlavourPCISF
	case devlink.PortFlavourVirtual:
		return PortFlavourVirtual
	case devlink.PortFlavourCPU:
		return PortFlavourCPU
	case devlink.PortFlavourDSA:
		return PortFlavourDSA
	case devlink.PortFlavourUnused:
		return PortFlavourUnused
	}
	return PortFlavourUnknown
}

func portFromDevlink(dev Device, p devlink.Port) Port {
	num := func(has bool, v uint32) int {
		if !has {
			return -1
		}
		return int(v)
	}
	out := Port{
		Device: dev, Index: p.Index, Netdev: p.Netdev, Ifindex: int(p.NetdevIfindex),
		Flavour: PortFlavourUnknown, Number: num(p.HasNumber, p.Number), Controller: num(p.HasController, p.Controller),
		PFNum: num(p.HasPF, uint32(p.PF)), VFNum: num(p.HasVF, uint32(p.VF)), SFNum: num(p.HasSF, p.SF),
		External: p.External, Splittable: p.Splittable,
	}
	if p.HasFlavour {
		out.Flavour = flavourFromDevlink(p.Flavour)
	}
	if f := p.Function; f != nil {
		pf := &PortFunction{MAC: f.HWAddr, HasOpState: f.HasOpState, Attached: f.OpState == devlink.PortFnOpStateAttached}
		if f.HasState {
			pf.State = PortFunctionInactive
			if f.State == devlink.PortFnStateActive {
				pf.State = PortFunctionActive
			}
		}
		out.Function = pf
	}
	return out
}

// Ports lists the devlink ports of dev (`devlink port show`), PCI or not.
func (h *Host) Ports(ctx context.Context, dev Device) ([]Port, error) {
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
func (h *Host) Port(ctx context.Context, dev Device, index uint32) (*Port, error) {
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

// VFPort returns the devlink port of VF vf of pf on the local controller,
// the eswitch side of that VF (its representor and its function).
func (h *Host) VFPort(ctx context.Context, pf PCIAddress, vf int) (*Port, error) {
	if vf < 0 {
		return nil, errs.Invalid("VF index", strconv.Itoa(vf), "negative")
	}
	return h.findVFPort(ctx, PCIDevice(pf), 0, int(pf.Function), vf, fmt.Sprintf("VF %d", vf))
}

// ExternalVFPort returns, on a DPU, the devlink port of VF vf of the host's
// PF pfNum on external controller controller, under the DPU-side PF dpuPF.
func (h *Host) ExternalVFPort(ctx context.Context, dpuPF PCIAddress, controller, pfNum, vf int) (*Port, error) {
	if controller < 1 || pfNum < 0 || vf < 0 {
		return nil, errs.Invalid("external VF", fmt.Sprintf("c%dpf%dvf%d", controller, pfNum, vf), "controller must be >= 1, pf and vf >= 0")
	}
	return h.findVFPort(ctx, PCIDevice(dpuPF), controller, pfNum, vf, fmt.Sprintf("VF c%dpf%dvf%d", controller, pfNum, vf))
}

// findVFPort picks the VF port with the given numbers. A port without a
// controller number (older kernels) counts as local; when only one local
// port has the VF number, its PF number is not required to match (nfp
// numbers differently from the PCI function). An external controller's
// ports always need the PF number: a DPU shows several host PFs' VFs.
func (h *Host) findVFPort(ctx context.Context, dev Device, controller, pfNum, vf int, what string) (*Port, error) {
	ports, err := h.Ports(ctx, dev)
	if err != nil {
		return nil, err
	}
	var cands []Port
	for _, p := range ports {
		c := max(p.Controller, 0)
		if p.Flavour == PortFlavourPCIVF && p.VFNum == vf && c == controller {
			cands = append(cands, p)
		}
	}
	for _, p := range cands {
		if p.PFNum == pfNum {
			return &p, nil
		}
	}
	if len(cands) == 1 && controller == 0 {
		return &cands[0], nil
	}
	return nil, &errs.Error{Op: "find devlink port of " + what, Device: dev.String(), Err: fmt.Errorf("%w: no such port (is the eswitch in switchdev mode?)", errs.ErrNotFound)}
}

func validMAC(mac net.HardwareAddr) error {
	if len(mac) != 6 {
		return errs.Invalid("MAC address", mac.String(), "want 6 bytes")
	}
	if mac[0]&1 != 0 {
		return errs.Invalid("MAC address", mac.String(), "multicast")
	}
	return nil
}

// SetPortFunctionMAC sets the hardware address of the function behind port
// index of dev (`devlink port function set pci/<pf>/<index> hw_addr <mac>`)
// and reads it back. This is how a VF's MAC is set from the eswitch side,
// also for host VFs on a DPU.
func (h *Host) SetPortFunctionMAC(ctx context.Context, dev Device, index uint32, mac net.HardwareAddr) error {
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
	p, err := h.Port(ctx, dev, index)
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

// PortFunctionMAC returns the hardware address of the function behind VF
// vf of pf, as the eswitch manager sees it.
func (h *Host) PortFunctionMAC(ctx context.Context, pf PCIAddress, vf int) (net.HardwareAddr, error) {
	p, err := h.VFPort(ctx, pf, vf)
	if err != nil {
		return nil, err
	}
	if p.Function == nil || p.Function.MAC == nil {
		return nil, &errs.Error{Op: "devlink port function show", Device: p.String(), Err: fmt.Errorf("%w: the driver reports no function hw_addr", errs.ErrNotSupported)}
	}
	return p.Function.MAC, nil
}

// SetVFMACFromESwitch sets the MAC of VF vf of pf through its devlink port
// function and reads it back.
func (h *Host) SetVFMACFromESwitch(ctx context.Context, pf PCIAddress, vf int, mac net.HardwareAddr) error {
	if err := validMAC(mac); err != nil {
		return err
	}
	p, err := h.VFPort(ctx, pf, vf)
	if err != nil {
		return err
	}
	return h.SetPortFunctionMAC(ctx, p.Device, p.Index, mac)
}

// SetPortFunctionState activates or deactivates the function behind port
// index of dev (SFs: `devlink port function set ... state active`) and
// reads it back.
func (h *Host) SetPortFunctionState(ctx context.Context, dev Device, index uint32, active bool) error {
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
	p, err := h.Port(ctx, dev, index)
	if err != nil {
		return err
	}
	if p.Function == nil || p.Function.State != want {
		return &errs.Error{Op: op, Device: p.String(), Err: fmt.Errorf("%w: state does not read back %s", errs.ErrNotApplied, want)}
	}
	return nil
}

// noDevlinkFor reports whether the error from a devlink request means
// the device simply has no devlink (no family, no instance), which
// callers treat as "use sysfs".
func noDevlinkFor(err error) bool {
	return errors.Is(err, errs.ErrNotSupported) || errors.Is(err, errs.ErrNotFound)
}

// DevlinkDevices lists the devlink instances of the host (`devlink dev
// show`): PCI PFs with a devlink-capable driver, netdevsim devices, SFs'
// auxiliary devices. The list is sorted as the kernel dumps it.
func (h *Host) DevlinkDevices(ctx context.Context) ([]Device, error) {
	const op = "devlink dev show"
	c, err := h.kernel.devlink()
	if err != nil {
		return nil, &errs.Error{Op: op, Err: err}
	}
	ins, err := c.Instances(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Device, 0, len(ins))
	for _, in := range ins {
		d := Device{Bus: in.Bus, Name: in.Device}
		if d.validate() != nil {
			h.log.Debug("skipping odd devlink handle", "handle", in.Handle.String())
			continue
		}
		out = append(out, d)
	}
	return out, nil
}
