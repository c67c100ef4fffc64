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
// ConnectX-4 Lx needs it raised to transport for L4 matches. It is the
// devlink client's type: the kernel's numbering, defined once.
type InlineMode = devlink.InlineMode

// Inline modes.
const (
	InlineModeNone      = devlink.InlineModeNone      // none
	InlineModeLink      = devlink.InlineModeLink      // L2
	InlineModeNetwork   = devlink.InlineModeNetwork   // L3
	InlineModeTransport = devlink.InlineModeTransport // L4
)

// EncapMode says whether the eswitch offloads tunnel encapsulation
// (`devlink dev eswitch set ... encap-mode basic`), which VXLAN and Geneve
// offload need. It is the devlink client's type.
type EncapMode = devlink.EncapMode

// Encap modes.
const (
	EncapModeNone  = devlink.EncapModeNone  // none
	EncapModeBasic = devlink.EncapModeBasic // basic
)

// ESwitchState is what `devlink dev eswitch show` reports. InlineMode and
// EncapMode are nil when the driver does not report them (nfp, ice,
// netdevsim report only the mode).
type ESwitchState struct {
	Mode       ESwitchMode `json:"mode"`
	InlineMode *InlineMode `json:"inline_mode,omitempty"`
	EncapMode  *EncapMode  `json:"encap_mode,omitempty"`
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
	st, err := h.Devlink(dev).ESwitch(ctx)
	if err != nil {
		return err
	}
	if got, ok := check(st); !ok {
		return &errs.Error{Op: op, Device: dev.String(), Err: fmt.Errorf("%w: reads back %s", errs.ErrNotApplied, got)}
	}
	return nil
}

// PortFunctionState is the administrative state of the function behind a
// port (SFs are created inactive and activated); the devlink client's type.
type PortFunctionState = devlink.PortFnState

// Port function states.
const (
	PortFunctionInactive = devlink.PortFnStateInactive
	PortFunctionActive   = devlink.PortFnStateActive
)

// PortFunction is the function (VF, SF, host PF) behind an eswitch port, as
// the eswitch manager sees it: `devlink port function set ... hw_addr`.
type PortFunction struct {
	// MAC is the function's hardware address; nil when not reported.
	MAC net.HardwareAddr `json:"hw_addr,omitempty"`
	// State is the administrative state; nil when the driver reports none.
	State *PortFunctionState `json:"state,omitempty"`
	// Attached reports whether a driver is bound to the function
	// (opstate attached); nil when the driver reports no opstate.
	Attached *bool `json:"attached,omitempty"`
}

// Port is one devlink port of a device: an uplink, or the eswitch port of
// a PF, VF or SF, with its representor netdev. Numbers the driver does not
// report are -1.
type Port struct {
	Device  Device `json:"device"`
	Index   uint32 `json:"index"`
	Netdev  string `json:"netdev,omitempty"`
	Ifindex int    `json:"ifindex,omitempty"`
	// PortName is the port's flavour and numbers as devlink reports them
	// (-1 where it reports none), with Raw the phys_port_name the kernel
	// derives from them ("pf0vf3", "c1pf0vf3", "p0").
	PortName PhysPortName `json:"phys_port_name"`
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

func portFromDevlink(dev Device, p devlink.Port) Port {
	num := func(has bool, v uint32) int {
		if !has {
			return -1
		}
		return int(v)
	}
	out := Port{
		Device: dev, Index: p.Index, Netdev: p.Netdev, Ifindex: int(p.NetdevIfindex),
		PortName: PhysPortName{
			Flavour: PortFlavourUnknown, Port: num(p.HasNumber, p.Number), Controller: num(p.HasController, p.Controller),
			PF: num(p.HasPF, uint32(p.PF)), VF: num(p.HasVF, uint32(p.VF)), SF: num(p.HasSF, p.SF),
			Split: -1, // the devlink client does not decode the split subport
		},
		External: p.External, Splittable: p.Splittable,
	}
	if p.HasFlavour {
		out.PortName.Flavour = p.Flavour
	}
	out.PortName.Raw = out.PortName.format(p.External)
	if f := p.Function; f != nil {
		pf := &PortFunction{MAC: f.HWAddr}
		if f.HasOpState {
			attached := f.OpState == devlink.PortFnOpStateAttached
			pf.Attached = &attached
		}
		if f.HasState {
			st := f.State
			pf.State = &st
		}
		out.Function = pf
	}
	return out
}

// findVFPort picks the VF port with the given numbers. A port without a
// controller number (older kernels) counts as local; when only one local
// port has the VF number, its PF number is not required to match (nfp
// numbers differently from the PCI function). An external controller's
// ports always need the PF number: a DPU shows several host PFs' VFs.
func (h *Host) findVFPort(ctx context.Context, dev Device, controller, pfNum, vf int, what string) (*Port, error) {
	ports, err := h.Devlink(dev).Ports(ctx)
	if err != nil {
		return nil, err
	}
	var cands []Port
	for _, p := range ports {
		c := max(p.PortName.Controller, 0)
		if p.PortName.Flavour == PortFlavourPCIVF && p.PortName.VF == vf && c == controller {
			cands = append(cands, p)
		}
	}
	for _, p := range cands {
		if p.PortName.PF == pfNum {
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
