package offload

import (
	"context"
	"fmt"

	"github.com/offloadkit/offloadkit/internal/devlink"
	"github.com/offloadkit/offloadkit/internal/ethtool"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// ParamCMode is the configuration mode of a devlink parameter; the devlink
// client's type, numbered as the kernel numbers it.
type ParamCMode = devlink.CMode

// devlink parameter configuration modes.
const (
	ParamCModeRuntime    = devlink.CModeRuntime    // applies at once
	ParamCModeDriverInit = devlink.CModeDriverInit // applies on the next driver reload
	ParamCModePermanent  = devlink.CModePermanent  // stored in the device's NVM
)

// ParamValue is the value of a devlink parameter; exactly one of Uint,
// String and Bool is meaningful, as Type says.
type ParamValue struct {
	Type   ParamType
	Uint   uint64
	String string
	Bool   bool
}

// Text renders the value as devlink prints it ("smfs", "true", "4").
func (v ParamValue) Text() string {
	switch v.Type {
	case ParamTypeString:
		return v.String
	case ParamTypeBool:
		return fmt.Sprint(v.Bool)
	}
	return fmt.Sprint(v.Uint)
}

// ParamType is the type of a devlink parameter value, as the kernel's
// devlink reports it (NLA_U8 ... NLA_FLAG); String names it ("u32",
// "string"). It is the devlink client's own type, so values pass between
// the two without translation.
type ParamType = devlink.ParamType

// devlink parameter types.
const (
	ParamTypeU8     = devlink.ParamTypeU8
	ParamTypeU16    = devlink.ParamTypeU16
	ParamTypeU32    = devlink.ParamTypeU32
	ParamTypeU64    = devlink.ParamTypeU64
	ParamTypeString = devlink.ParamTypeString
	ParamTypeBool   = devlink.ParamTypeBool
)

// StringParam returns a string parameter value (flow_steering_mode "smfs").
func StringParam(s string) ParamValue { return ParamValue{Type: ParamTypeString, String: s} }

// UintParam returns an integer parameter value; SetParam converts it to the
// parameter's width (u8, u16, u32 or u64) and refuses values that do not
// fit.
func UintParam(v uint64) ParamValue { return ParamValue{Type: ParamTypeU32, Uint: v} }

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

// errNoDevlink and errNoEthtool are returned (wrapped in *errs.Error) when a Host
// has no such connection: a fake root without a fake, or a kernel without
// the generic netlink family.
var (
	errNoDevlink = fmt.Errorf("%w: no devlink connection on this host", errs.ErrNotSupported)
	errNoEthtool = fmt.Errorf("%w: no ethtool netlink connection on this host", errs.ErrNotSupported)
)

// hwTCOffload is the ethtool name of NETIF_F_HW_TC.
const hwTCOffload = "hw-tc-offload"

func devlinkHandle(dev Device) devlink.Handle { return devlink.Handle{Bus: dev.Bus, Device: dev.Name} }

// devlinkClient returns the Host's devlink client or an *errs.Error for op.
func (h *Host) devlinkClient(op string, dev Device) (*devlink.Client, error) {
	c, err := h.kernel.devlink()
	if err != nil {
		return nil, &errs.Error{Op: op, Device: dev.String(), Err: err}
	}
	return c, nil
}

// forgetReps drops the cached representor index of dev.
func (h *Host) forgetReps(dev Device) {
	h.repMu.Lock()
	delete(h.reps, dev)
	h.repMu.Unlock()
}

func isUint(t ParamType) bool {
	return t == ParamTypeU8 || t == ParamTypeU16 || t == ParamTypeU32 || t == ParamTypeU64
}

func uintFits(t ParamType, v uint64) bool {
	switch t {
	case ParamTypeU8:
		return v <= 0xff
	case ParamTypeU16:
		return v <= 0xffff
	case ParamTypeU32:
		return v <= 0xffffffff
	}
	return true
}

func validCMode(c ParamCMode) error {
	if c > ParamCModePermanent {
		return errs.Invalid("devlink parameter cmode", c.String(), "want runtime, driverinit or permanent")
	}
	return nil
}

func validParamName(name string) error {
	if name == "" || len(name) > 64 {
		return errs.Invalid("devlink parameter name", name, "empty or longer than 64 bytes")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return errs.Invalid("devlink parameter name", name, "only letters, digits, '_', '-' and '.'")
		}
	}
	return nil
}

// HWTCOffload reads the hw-tc-offload feature of netdev (`ethtool -k`):
// whether tc flower rules on it may go to hardware.
func (h *Host) HWTCOffload(ctx context.Context, netdev string) (bool, error) {
	if err := errs.ValidateIfName(netdev); err != nil {
		return false, err
	}
	f, err := h.feature(ctx, netdev, hwTCOffload)
	return f.Active, err
}

func (h *Host) feature(ctx context.Context, netdev, name string) (ethtool.Feature, error) {
	op := "ethtool -k " + name
	c, err := h.kernel.ethtool()
	if err != nil {
		return ethtool.Feature{}, &errs.Error{Op: op, Device: netdev, Err: err}
	}
	fs, err := c.Features(ctx, ethtool.Interface{Name: netdev})
	if err != nil {
		return ethtool.Feature{}, err
	}
	f, ok := fs.Get(name)
	if !ok {
		return ethtool.Feature{}, &errs.Error{Op: op, Device: netdev, Err: fmt.Errorf("%w: the kernel has no feature %q", errs.ErrNotSupported, name)}
	}
	return f, nil
}

// SetHWTCOffload sets hw-tc-offload on netdev (`ethtool -K <dev>
// hw-tc-offload on`) and reads it back. A device that cannot change it
// (veth, a VF without offload) gives an error matching errs.ErrNotApplied that
// names the feature; the kernel's own not-applied report is checked, not
// just the read-back.
func (h *Host) SetHWTCOffload(ctx context.Context, netdev string, on bool) error {
	const op = "ethtool -K hw-tc-offload"
	if err := errs.ValidateIfName(netdev); err != nil {
		return err
	}
	c, err := h.kernel.ethtool()
	if err != nil {
		return &errs.Error{Op: op, Device: netdev, Err: err}
	}
	if _, err := c.SetFeatures(ctx, ethtool.Interface{Name: netdev}, map[string]bool{hwTCOffload: on}); err != nil {
		return err
	}
	f, err := h.feature(ctx, netdev, hwTCOffload)
	if err != nil {
		return err
	}
	if f.Active != on {
		return &errs.Error{Op: op, Device: netdev, Err: fmt.Errorf("%w: hw-tc-offload is %s after setting %s", errs.ErrNotApplied, onOff(f.Active), onOff(on))}
	}
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
