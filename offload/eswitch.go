package offload

import (
	"context"
	"fmt"

	"github.com/offloadkit/offloadkit/internal/errs"
)

// ParamCMode is the configuration mode of a devlink parameter.
type ParamCMode uint8

// devlink parameter configuration modes.
const (
	ParamCModeRuntime    ParamCMode = iota // applies at once
	ParamCModeDriverInit                   // applies on the next driver reload
	ParamCModePermanent                    // stored in the device's NVM
)

// String returns the cmode as devlink prints it.
func (c ParamCMode) String() string {
	switch c {
	case ParamCModeRuntime:
		return "runtime"
	case ParamCModeDriverInit:
		return "driverinit"
	case ParamCModePermanent:
		return "permanent"
	}
	return fmt.Sprintf("cmode(%d)", uint8(c))
}

// MarshalText renders the cmode as devlink prints it.
func (c ParamCMode) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// ParamValue is the value of a devlink parameter; exactly one field is
// meaningful, as Type says.
type ParamValue struct {
	Type   ParamType
	Uint   uint64
	String string
	Bool   bool
}

func (v ParamValue) text() string {
	switch v.Type {
	case ParamTypeString:
		return v.String
	case ParamTypeBool:
		return fmt.Sprint(v.Bool)
	}
	return fmt.Sprint(v.Uint)
}

// ParamType is the type of a devlink parameter value.
type ParamType uint8

// devlink parameter types.
const (
	ParamTypeU8 ParamType = iota + 1
	ParamTypeU16
	ParamTypeU32
	ParamTypeString
	ParamTypeBool
)

// StringParam returns a string parameter value (flow_steering_mode "smfs").
func StringParam(s string) ParamValue { return ParamValue{Type: ParamTypeString, String: s} }

// BoolParam returns a flag parameter value.
func BoolParam(b bool) ParamValue { return ParamValue{Type: ParamTypeBool, Bool: b} }

// FlowSteeringMode is the mlx5 flow_steering_mode devlink parameter.
type FlowSteeringMode string

// mlx5 flow steering modes: smfs (software managed, the default, fast rule
// insertion), dmfs (device managed, through firmware commands) and, from
// Linux 6.14, hmfs (hardware managed).
const (
	FlowSteeringSMFS FlowSteeringMode = "smfs"
	FlowSteeringDMFS FlowSteeringMode = "dmfs"
	FlowSteeringHMFS FlowSteeringMode = "hmfs"
)

// errNoDevlink is wrapped (with ErrNotSupported) when a Host has no devlink
// connection: a fake root without a fake devlink, or a kernel without it.
var errNoDevlink = fmt.Errorf("%w: no devlink connection on this host", errs.ErrNotSupported)

// ESwitchMode reads the eswitch mode of pf through devlink, falling back to
// the MLNX_OFED compat file; ErrNotSupported when neither answers.
func (h *Host) ESwitchMode(ctx context.Context, pf PCIAddress) (ESwitchMode, error) {
	if h.kernel != nil {
		return h.kernel.eswitchMode(ctx, pf)
	}
	if nds, err := h.netdevsOfDir(pciPath(pf)); err == nil {
		for _, nd := range nds {
			if m := h.eswitchModeFromSysfs(nd.Name); m != ESwitchModeUnknown {
				return m, nil
			}
		}
	}
	return ESwitchModeUnknown, &errs.Error{Op: "devlink eswitch show", Device: "pci/" + pf.String(), Err: errNoDevlink}
}

// SetESwitchMode switches pf's eswitch (`devlink dev eswitch set pci/<pf>
// mode switchdev`) and reads the mode back; a kernel that accepted the
// request but reports another mode gives ErrNotApplied.
func (h *Host) SetESwitchMode(ctx context.Context, pf PCIAddress, mode ESwitchMode) error {
	if mode != ESwitchModeLegacy && mode != ESwitchModeSwitchdev {
		return errs.Invalid("eswitch mode", mode.String(), "want legacy or switchdev")
	}
	if h.kernel == nil {
		return &errs.Error{Op: "devlink eswitch set", Device: "pci/" + pf.String(), Err: errNoDevlink}
	}
	if err := h.kernel.setESwitchMode(ctx, pf, mode); err != nil {
		return err
	}
	got, err := h.kernel.eswitchMode(ctx, pf)
	if err != nil {
		return err
	}
	if got != mode {
		return &errs.Error{Op: "devlink eswitch set", Device: "pci/" + pf.String(), Err: fmt.Errorf("%w: mode is %s after setting %s", ErrNotApplied, got, mode)}
	}
	return nil
}

// Param reads devlink parameter name of pf in cmode.
func (h *Host) Param(ctx context.Context, pf PCIAddress, name string, cmode ParamCMode) (ParamValue, error) {
	if h.kernel == nil {
		return ParamValue{}, &errs.Error{Op: "devlink dev param show " + name, Device: "pci/" + pf.String(), Err: errNoDevlink}
	}
	return h.kernel.param(ctx, pf, name, cmode)
}

// SetParam sets devlink parameter name of pf in cmode and reads it back.
func (h *Host) SetParam(ctx context.Context, pf PCIAddress, name string, cmode ParamCMode, v ParamValue) error {
	if h.kernel == nil {
		return &errs.Error{Op: "devlink dev param set " + name, Device: "pci/" + pf.String(), Err: errNoDevlink}
	}
	if err := h.kernel.setParam(ctx, pf, name, cmode, v); err != nil {
		return err
	}
	got, err := h.kernel.param(ctx, pf, name, cmode)
	if err != nil {
		return err
	}
	if got.text() != v.text() {
		return &errs.Error{Op: "devlink dev param set " + name, Device: "pci/" + pf.String(), Err: fmt.Errorf("%w: value is %s after setting %s", ErrNotApplied, got.text(), v.text())}
	}
	return nil
}

// HWTCOffload reads the hw-tc-offload feature of netdev (ethtool -k).
func (h *Host) HWTCOffload(ctx context.Context, netdev string) (bool, error) {
	if err := ValidateIfName(netdev); err != nil {
		return false, err
	}
	if h.kernel == nil {
		return false, &errs.Error{Op: "ethtool -k hw-tc-offload", Device: netdev, Err: fmt.Errorf("%w: no ethtool connection on this host", ErrNotSupported)}
	}
	return h.kernel.hwTCOffload(ctx, netdev)
}

// SetHWTCOffload sets hw-tc-offload on netdev (ethtool -K <dev> hw-tc-offload
// on) and reads it back; a device that cannot change it gives ErrNotApplied.
func (h *Host) SetHWTCOffload(ctx context.Context, netdev string, on bool) error {
	if err := ValidateIfName(netdev); err != nil {
		return err
	}
	if h.kernel == nil {
		return &errs.Error{Op: "ethtool -K hw-tc-offload", Device: netdev, Err: fmt.Errorf("%w: no ethtool connection on this host", ErrNotSupported)}
	}
	return h.kernel.setHWTCOffload(ctx, netdev, on)
}

// kernelClients is what the Host needs from devlink and ethtool; the
// implementation lives over generic netlink (kernel_linux.go).
type kernelClients interface {
	eswitchMode(ctx context.Context, pf PCIAddress) (ESwitchMode, error)
	setESwitchMode(ctx context.Context, pf PCIAddress, mode ESwitchMode) error
	param(ctx context.Context, pf PCIAddress, name string, cmode ParamCMode) (ParamValue, error)
	setParam(ctx context.Context, pf PCIAddress, name string, cmode ParamCMode, v ParamValue) error
	hwTCOffload(ctx context.Context, netdev string) (bool, error)
	setHWTCOffload(ctx context.Context, netdev string, on bool) error
	close() error
}
