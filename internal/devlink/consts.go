package devlink

// Numbers from include/uapi/linux/devlink.h. They are defined here rather
// than taken from golang.org/x/sys/unix so that the codec builds and is
// tested on every OS (unix has them on Linux only) and because unix lacks a
// few (DEVLINK_PORT_FLAVOUR_PCI_SF, the port function states). A test on
// Linux checks them against unix where it has them.

// GenlName is the generic netlink family name (DEVLINK_GENL_NAME).
const GenlName = "devlink"

// Commands (enum devlink_command).
const (
	CmdGet        = 1    // DEVLINK_CMD_GET, can dump
	CmdNew        = 3    // DEVLINK_CMD_NEW, the reply to GET
	CmdPortGet    = 5    // DEVLINK_CMD_PORT_GET, can dump
	CmdPortSet    = 6    // DEVLINK_CMD_PORT_SET
	CmdPortNew    = 7    // DEVLINK_CMD_PORT_NEW, the reply to PORT_GET
	CmdESwitchGet = 0x1d // DEVLINK_CMD_ESWITCH_GET
	CmdESwitchSet = 0x1e // DEVLINK_CMD_ESWITCH_SET
	CmdReload     = 0x25 // DEVLINK_CMD_RELOAD
	CmdParamGet   = 0x26 // DEVLINK_CMD_PARAM_GET, can dump
	CmdParamSet   = 0x27 // DEVLINK_CMD_PARAM_SET
	CmdParamNew   = 0x28 // DEVLINK_CMD_PARAM_NEW
	CmdInfoGet    = 0x33 // DEVLINK_CMD_INFO_GET; the reply has the same command
)

// Attributes (enum devlink_attr) this package reads or writes.
const (
	attrBusName                = 0x01 // string
	attrDevName                = 0x02 // string
	attrPortIndex              = 0x03 // u32
	attrPortType               = 0x04 // u16
	attrPortNetdevIfindex      = 0x06 // u32
	attrPortNetdevName         = 0x07 // string
	attrESwitchMode            = 0x19 // u16
	attrESwitchInlineMode      = 0x1a // u8
	attrESwitchEncapMode       = 0x3e // u8
	attrPortFlavour            = 0x4d // u16
	attrPortNumber             = 0x4e // u32
	attrParam                  = 0x50 // nested
	attrParamName              = 0x51 // string
	attrParamGeneric           = 0x52 // flag
	attrParamType              = 0x53 // u8
	attrParamValuesList        = 0x54 // nested
	attrParamValue             = 0x55 // nested
	attrParamValueData         = 0x56 // dynamic
	attrParamValueCMode        = 0x57 // u8
	attrInfoDriverName         = 0x62 // string
	attrInfoSerialNumber       = 0x63 // string
	attrInfoVersionFixed       = 0x64 // nested: name, value
	attrInfoVersionRunning     = 0x65 // nested: name, value
	attrInfoVersionStored      = 0x66 // nested: name, value
	attrInfoVersionName        = 0x67 // string
	attrInfoVersionValue       = 0x68 // string
	attrPortPCIPFNumber        = 0x7f // u16
	attrPortPCIVFNumber        = 0x80 // u16
	attrReloadFailed           = 0x88 // u8
	attrPortFunction           = 0x91 // nested
	attrPortSplittable         = 0x94 // u8
	attrPortExternal           = 0x95 // u8
	attrPortControllerNumber   = 0x96 // u32
	attrReloadAction           = 0x99 // u8
	attrReloadActionsPerformed = 0x9a // bitfield32
	attrPortPCISFNumber        = 0xa4 // u32
)

// Port function attributes (enum devlink_port_function_attr).
const (
	attrPortFunctionHWAddr = 1 // DEVLINK_PORT_FUNCTION_ATTR_HW_ADDR, binary
	attrPortFnState        = 2 // DEVLINK_PORT_FN_ATTR_STATE, u8
	attrPortFnOpState      = 3 // DEVLINK_PORT_FN_ATTR_OPSTATE, u8
)
