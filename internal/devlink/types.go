package devlink

import (
	"fmt"
	"net"
)

// Handle names a devlink instance: "pci/0000:84:00.0",
// "netdevsim/netdevsim10".
type Handle struct {
	Bus    string
	Device string
}

// String returns "bus/device", as the devlink tool prints it.
func (h Handle) String() string { return h.Bus + "/" + h.Device }

// Instance is one entry of the DEVLINK_CMD_GET dump.
type Instance struct {
	Handle
	// ReloadFailed is set when the last reload of the instance failed
	// (DEVLINK_ATTR_RELOAD_FAILED).
	ReloadFailed bool
}

// ESwitchMode is the devlink eswitch mode (enum devlink_eswitch_mode), the
// one definition offload aliases. Its values are the kernel's plus one, so
// that the zero value is ESwitchModeUnknown ("could not be read", and in a
// switchdev Spec "keep the mode"): a zero that meant legacy would make every
// unset mode a request to leave switchdev. The codec writes and reads the
// kernel's numbers (Wire, modeFromWire); nothing else sees them.
type ESwitchMode uint16

// Eswitch modes. SwitchdevInactive (uapi addition of late 2025) is switchdev
// with the eswitch not yet forwarding to the wire.
const (
	ESwitchModeUnknown           ESwitchMode = 0 // not a kernel value: the mode could not be read
	ESwitchModeLegacy            ESwitchMode = 1 // DEVLINK_ESWITCH_MODE_LEGACY (0)
	ESwitchModeSwitchdev         ESwitchMode = 2 // DEVLINK_ESWITCH_MODE_SWITCHDEV (1)
	ESwitchModeSwitchdevInactive ESwitchMode = 3 // DEVLINK_ESWITCH_MODE_SWITCHDEV_INACTIVE (2)
)

// Wire returns the kernel's number for m (DEVLINK_ATTR_ESWITCH_MODE).
func (m ESwitchMode) Wire() uint16 { return uint16(m) - 1 }

// modeFromWire maps the kernel's number to an ESwitchMode.
func modeFromWire(v uint16) ESwitchMode { return ESwitchMode(v + 1) }

// String returns the mode as the devlink tool prints it ("unknown" for
// ESwitchModeUnknown).
func (m ESwitchMode) String() string {
	switch m {
	case ESwitchModeUnknown:
		return "unknown"
	case ESwitchModeLegacy:
		return "legacy"
	case ESwitchModeSwitchdev:
		return "switchdev"
	case ESwitchModeSwitchdevInactive:
		return "switchdev_inactive"
	}
	return fmt.Sprintf("eswitch-mode(%d)", m.Wire())
}

// MarshalText renders the mode as the devlink tool prints it.
func (m ESwitchMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses the names MarshalText writes.
func (m *ESwitchMode) UnmarshalText(b []byte) error {
	for _, c := range []ESwitchMode{ESwitchModeUnknown, ESwitchModeLegacy, ESwitchModeSwitchdev, ESwitchModeSwitchdevInactive} {
		if c.String() == string(b) {
			*m = c
			return nil
		}
	}
	return fmt.Errorf("eswitch mode %q: want legacy, switchdev or switchdev_inactive", b)
}

// InlineMode is the minimum header depth the NIC needs copied to the
// eswitch (enum devlink_eswitch_inline_mode); ConnectX-4 Lx needs it set.
type InlineMode uint8

// Inline modes.
const (
	InlineModeNone      InlineMode = 0 // DEVLINK_ESWITCH_INLINE_MODE_NONE
	InlineModeLink      InlineMode = 1 // DEVLINK_ESWITCH_INLINE_MODE_LINK
	InlineModeNetwork   InlineMode = 2 // DEVLINK_ESWITCH_INLINE_MODE_NETWORK
	InlineModeTransport InlineMode = 3 // DEVLINK_ESWITCH_INLINE_MODE_TRANSPORT
)

// String returns the mode as the devlink tool prints it.
func (m InlineMode) String() string {
	switch m {
	case InlineModeNone:
		return "none"
	case InlineModeLink:
		return "link"
	case InlineModeNetwork:
		return "network"
	case InlineModeTransport:
		return "transport"
	}
	return fmt.Sprintf("inline-mode(%d)", uint8(m))
}

// EncapMode says whether the eswitch offloads tunnel encapsulation (enum
// devlink_eswitch_encap_mode).
type EncapMode uint8

// Encap modes.
const (
	EncapModeNone  EncapMode = 0 // DEVLINK_ESWITCH_ENCAP_MODE_NONE
	EncapModeBasic EncapMode = 1 // DEVLINK_ESWITCH_ENCAP_MODE_BASIC
)

// String returns the mode as the devlink tool prints it.
func (m EncapMode) String() string {
	switch m {
	case EncapModeNone:
		return "none"
	case EncapModeBasic:
		return "basic"
	}
	return fmt.Sprintf("encap-mode(%d)", uint8(m))
}

// ESwitch is the reply to ESWITCH_GET. A driver reports only what it
// implements: the Has flags say which of the optional modes were present.
type ESwitch struct {
	Mode          ESwitchMode
	HasMode       bool
	InlineMode    InlineMode
	HasInlineMode bool
	EncapMode     EncapMode
	HasEncapMode  bool
}

// ESwitchConfig is an ESWITCH_SET request; nil fields are left alone.
type ESwitchConfig struct {
	Mode       *ESwitchMode
	InlineMode *InlineMode
	EncapMode  *EncapMode
}

// ParamType is the type of a devlink parameter's value; the numbers are the
// kernel's netlink attribute types (NLA_U8 ... NLA_FLAG), which devlink sends
// in DEVLINK_ATTR_PARAM_TYPE.
type ParamType uint8

// Parameter types.
const (
	ParamTypeU8     ParamType = 1 // NLA_U8
	ParamTypeU16    ParamType = 2 // NLA_U16
	ParamTypeU32    ParamType = 3 // NLA_U32
	ParamTypeU64    ParamType = 4 // NLA_U64
	ParamTypeString ParamType = 5 // NLA_STRING
	ParamTypeBool   ParamType = 6 // NLA_FLAG
)

// String returns the type name.
func (t ParamType) String() string {
	switch t {
	case ParamTypeU8:
		return "u8"
	case ParamTypeU16:
		return "u16"
	case ParamTypeU32:
		return "u32"
	case ParamTypeU64:
		return "u64"
	case ParamTypeString:
		return "string"
	case ParamTypeBool:
		return "bool"
	}
	return fmt.Sprintf("param-type(%d)", uint8(t))
}

// CMode is a parameter configuration mode (enum devlink_param_cmode).
type CMode uint8

// Configuration modes.
const (
	CModeRuntime    CMode = 0 // DEVLINK_PARAM_CMODE_RUNTIME: applies at once
	CModeDriverInit CMode = 1 // DEVLINK_PARAM_CMODE_DRIVERINIT: applies on reload
	CModePermanent  CMode = 2 // DEVLINK_PARAM_CMODE_PERMANENT: stored in NVM
)

// String returns the cmode as the devlink tool prints it.
func (c CMode) String() string {
	switch c {
	case CModeRuntime:
		return "runtime"
	case CModeDriverInit:
		return "driverinit"
	case CModePermanent:
		return "permanent"
	}
	return fmt.Sprintf("cmode(%d)", uint8(c))
}

// ParamValue is one value of a parameter in one cmode. Which of Uint,
// String and Bool is meaningful follows the parameter's type.
type ParamValue struct {
	CMode  CMode
	Uint   uint64
	String string
	Bool   bool
}

// Param is one devlink parameter with its values in every cmode the driver
// supports for it.
type Param struct {
	Handle  Handle
	Name    string
	Generic bool
	Type    ParamType
	Values  []ParamValue
}

// Value returns the parameter's value in cmode.
func (p Param) Value(cmode CMode) (ParamValue, bool) {
	for _, v := range p.Values {
		if v.CMode == cmode {
			return v, true
		}
	}
	return ParamValue{}, false
}

// ReloadAction is a devlink reload action (enum devlink_reload_action).
type ReloadAction uint8

// Reload actions.
const (
	ReloadDriverReinit ReloadAction = 1 // DEVLINK_RELOAD_ACTION_DRIVER_REINIT
	ReloadFWActivate   ReloadAction = 2 // DEVLINK_RELOAD_ACTION_FW_ACTIVATE
)

// String returns the action as the devlink tool prints it.
func (a ReloadAction) String() string {
	switch a {
	case ReloadDriverReinit:
		return "driver_reinit"
	case ReloadFWActivate:
		return "fw_activate"
	}
	return fmt.Sprintf("reload-action(%d)", uint8(a))
}

// PortFlavour is a devlink port flavour (enum devlink_port_flavour).
type PortFlavour uint16

// Port flavours.
const (
	PortFlavourPhysical PortFlavour = 0 // DEVLINK_PORT_FLAVOUR_PHYSICAL: an uplink
	PortFlavourCPU      PortFlavour = 1 // DEVLINK_PORT_FLAVOUR_CPU
	PortFlavourDSA      PortFlavour = 2 // DEVLINK_PORT_FLAVOUR_DSA
	PortFlavourPCIPF    PortFlavour = 3 // DEVLINK_PORT_FLAVOUR_PCI_PF: a PF representor
	PortFlavourPCIVF    PortFlavour = 4 // DEVLINK_PORT_FLAVOUR_PCI_VF: a VF representor
	PortFlavourVirtual  PortFlavour = 5 // DEVLINK_PORT_FLAVOUR_VIRTUAL
	PortFlavourUnused   PortFlavour = 6 // DEVLINK_PORT_FLAVOUR_UNUSED
	PortFlavourPCISF    PortFlavour = 7 // DEVLINK_PORT_FLAVOUR_PCI_SF: an SF representor
	// PortFlavourUnknown is no kernel value: the name or attribute did not
	// say (a legacy numeric representor name, no phys_port_name). It is
	// sriovnet's PORT_FLAVOUR_UNKNOWN.
	PortFlavourUnknown PortFlavour = 0xffff
)

// String returns the flavour as the devlink tool prints it.
func (f PortFlavour) String() string {
	switch f {
	case PortFlavourPhysical:
		return "physical"
	case PortFlavourCPU:
		return "cpu"
	case PortFlavourDSA:
		return "dsa"
	case PortFlavourPCIPF:
		return "pcipf"
	case PortFlavourPCIVF:
		return "pcivf"
	case PortFlavourVirtual:
		return "virtual"
	case PortFlavourUnused:
		return "unused"
	case PortFlavourPCISF:
		return "pcisf"
	case PortFlavourUnknown:
		return "unknown"
	}
	return fmt.Sprintf("flavour(%d)", uint16(f))
}

// MarshalText renders the flavour as the devlink tool prints it.
func (f PortFlavour) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText parses the names MarshalText writes.
func (f *PortFlavour) UnmarshalText(b []byte) error {
	for _, c := range []PortFlavour{PortFlavourPhysical, PortFlavourCPU, PortFlavourDSA, PortFlavourPCIPF,
		PortFlavourPCIVF, PortFlavourVirtual, PortFlavourUnused, PortFlavourPCISF, PortFlavourUnknown} {
		if c.String() == string(b) {
			*f = c
			return nil
		}
	}
	return fmt.Errorf("port flavour %q: unknown flavour", b)
}

// PortType is what kind of netdev a port carries (enum devlink_port_type).
type PortType uint16

// Port types.
const (
	PortTypeNotSet PortType = 0 // DEVLINK_PORT_TYPE_NOTSET
	PortTypeAuto   PortType = 1 // DEVLINK_PORT_TYPE_AUTO
	PortTypeEth    PortType = 2 // DEVLINK_PORT_TYPE_ETH
	PortTypeIB     PortType = 3 // DEVLINK_PORT_TYPE_IB
)

// String returns the type as the devlink tool prints it.
func (t PortType) String() string {
	switch t {
	case PortTypeNotSet:
		return "notset"
	case PortTypeAuto:
		return "auto"
	case PortTypeEth:
		return "eth"
	case PortTypeIB:
		return "ib"
	}
	return fmt.Sprintf("port-type(%d)", uint16(t))
}

// PortFnState is the administrative state of a port's function (enum
// devlink_port_fn_state); SFs are created inactive.
type PortFnState uint8

// Port function states.
const (
	PortFnStateInactive PortFnState = 0 // DEVLINK_PORT_FN_STATE_INACTIVE
	PortFnStateActive   PortFnState = 1 // DEVLINK_PORT_FN_STATE_ACTIVE
)

// String returns the state as the devlink tool prints it.
func (s PortFnState) String() string {
	switch s {
	case PortFnStateInactive:
		return "inactive"
	case PortFnStateActive:
		return "active"
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// PortFnOpState is the operational state of a port's function (enum
// devlink_port_fn_opstate): whether a driver is attached to it.
type PortFnOpState uint8

// Port function operational states.
const (
	PortFnOpStateDetached PortFnOpState = 0 // DEVLINK_PORT_FN_OPSTATE_DETACHED
	PortFnOpStateAttached PortFnOpState = 1 // DEVLINK_PORT_FN_OPSTATE_ATTACHED
)

// String returns the state as the devlink tool prints it.
func (s PortFnOpState) String() string {
	switch s {
	case PortFnOpStateDetached:
		return "detached"
	case PortFnOpStateAttached:
		return "attached"
	}
	return fmt.Sprintf("opstate(%d)", uint8(s))
}

// PortFunction is the function (VF, SF or host PF) behind an eswitch port,
// seen from the eswitch manager: `devlink port function set ... hw_addr`.
type PortFunction struct {
	HWAddr     net.HardwareAddr // nil when not reported
	State      PortFnState
	HasState   bool
	OpState    PortFnOpState
	HasOpState bool
}

// Port is one devlink port. Numbers a driver does not report keep their Has
// flag false: an uplink has no VF number, a PF representor no VF or SF
// number, a port of an old kernel no controller.
type Port struct {
	Handle        Handle
	Index         uint32
	Type          PortType
	Flavour       PortFlavour
	HasFlavour    bool
	Netdev        string // "" when the port has no netdev in this namespace
	NetdevIfindex uint32
	Number        uint32 // physical port number
	HasNumber     bool
	PF            uint16
	HasPF         bool
	VF            uint16
	HasVF         bool
	SF            uint32
	HasSF         bool
	Controller    uint32
	HasController bool
	External      bool
	Splittable    bool
	Function      *PortFunction // nil when the port has no function attributes
}

// PortFunctionConfig is a PORT_SET of a port's function; nil fields are left
// alone.
type PortFunctionConfig struct {
	HWAddr net.HardwareAddr
	State  *PortFnState
}

// MarshalText renders the mode as the devlink tool prints it.
func (m InlineMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// MarshalText renders the mode as the devlink tool prints it.
func (m EncapMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// MarshalText renders the cmode as the devlink tool prints it.
func (c CMode) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// MarshalText renders the state as the devlink tool prints it.
func (s PortFnState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Info is the reply to INFO_GET (`devlink dev info`): the driver, the
// serial number and the versions the driver reports, by kind. Fixed
// versions identify the hardware ("board.id" AMDA2001-1003 on an Agilio,
// "board.id" MT_0000000012 on a ConnectX); running and stored ones are
// firmware.
type Info struct {
	Handle  Handle
	Driver  string
	Serial  string
	Fixed   []InfoVersion
	Running []InfoVersion
	Stored  []InfoVersion
}

// InfoVersion is one name/value pair of devlink info.
type InfoVersion struct {
	Name  string
	Value string
}

// FixedVersion returns the fixed version called name ("board.id").
func (in Info) FixedVersion(name string) (string, bool) {
	for _, v := range in.Fixed {
		if v.Name == name {
			return v.Value, true
		}
	}
	return "", false
}
