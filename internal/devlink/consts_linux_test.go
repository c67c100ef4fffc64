//go:build linux

package devlink

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestConstantsMatchUnix checks the numbers consts.go copies from the uapi
// header against golang.org/x/sys/unix where it has them.
func TestConstantsMatchUnix(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"CmdGet", CmdGet, unix.DEVLINK_CMD_GET}, {"CmdNew", CmdNew, unix.DEVLINK_CMD_NEW},
		{"CmdPortGet", CmdPortGet, unix.DEVLINK_CMD_PORT_GET}, {"CmdPortSet", CmdPortSet, unix.DEVLINK_CMD_PORT_SET},
		{"CmdPortNew", CmdPortNew, unix.DEVLINK_CMD_PORT_NEW}, {"CmdESwitchGet", CmdESwitchGet, unix.DEVLINK_CMD_ESWITCH_GET},
		{"CmdESwitchSet", CmdESwitchSet, unix.DEVLINK_CMD_ESWITCH_SET}, {"CmdReload", CmdReload, unix.DEVLINK_CMD_RELOAD},
		{"CmdParamGet", CmdParamGet, unix.DEVLINK_CMD_PARAM_GET}, {"CmdParamSet", CmdParamSet, unix.DEVLINK_CMD_PARAM_SET},
		{"CmdParamNew", CmdParamNew, unix.DEVLINK_CMD_PARAM_NEW}, {"CmdInfoGet", CmdInfoGet, unix.DEVLINK_CMD_INFO_GET},
		{"attrInfoDriverName", attrInfoDriverName, unix.DEVLINK_ATTR_INFO_DRIVER_NAME},
		{"attrInfoSerialNumber", attrInfoSerialNumber, unix.DEVLINK_ATTR_INFO_SERIAL_NUMBER},
		{"attrInfoVersionFixed", attrInfoVersionFixed, unix.DEVLINK_ATTR_INFO_VERSION_FIXED},
		{"attrInfoVersionRunning", attrInfoVersionRunning, unix.DEVLINK_ATTR_INFO_VERSION_RUNNING},
		{"attrInfoVersionStored", attrInfoVersionStored, unix.DEVLINK_ATTR_INFO_VERSION_STORED},
		{"attrInfoVersionName", attrInfoVersionName, unix.DEVLINK_ATTR_INFO_VERSION_NAME},
		{"attrInfoVersionValue", attrInfoVersionValue, unix.DEVLINK_ATTR_INFO_VERSION_VALUE},
		{"attrBusName", attrBusName, unix.DEVLINK_ATTR_BUS_NAME}, {"attrDevName", attrDevName, unix.DEVLINK_ATTR_DEV_NAME},
		{"attrPortIndex", attrPortIndex, unix.DEVLINK_ATTR_PORT_INDEX}, {"attrPortType", attrPortType, unix.DEVLINK_ATTR_PORT_TYPE},
		{"attrPortNetdevIfindex", attrPortNetdevIfindex, unix.DEVLINK_ATTR_PORT_NETDEV_IFINDEX},
		{"attrPortNetdevName", attrPortNetdevName, unix.DEVLINK_ATTR_PORT_NETDEV_NAME},
		{"attrESwitchMode", attrESwitchMode, unix.DEVLINK_ATTR_ESWITCH_MODE},
		{"attrESwitchInlineMode", attrESwitchInlineMode, unix.DEVLINK_ATTR_ESWITCH_INLINE_MODE},
		{"attrESwitchEncapMode", attrESwitchEncapMode, unix.DEVLINK_ATTR_ESWITCH_ENCAP_MODE},
		{"attrPortFlavour", attrPortFlavour, unix.DEVLINK_ATTR_PORT_FLAVOUR}, {"attrPortNumber", attrPortNumber, unix.DEVLINK_ATTR_PORT_NUMBER},
		{"attrParam", attrParam, unix.DEVLINK_ATTR_PARAM}, {"attrParamName", attrParamName, unix.DEVLINK_ATTR_PARAM_NAME},
		{"attrParamGeneric", attrParamGeneric, unix.DEVLINK_ATTR_PARAM_GENERIC}, {"attrParamType", attrParamType, unix.DEVLINK_ATTR_PARAM_TYPE},
		{"attrParamValuesList", attrParamValuesList, unix.DEVLINK_ATTR_PARAM_VALUES_LIST},
		{"attrParamValue", attrParamValue, unix.DEVLINK_ATTR_PARAM_VALUE}, {"attrParamValueData", attrParamValueData, unix.DEVLINK_ATTR_PARAM_VALUE_DATA},
		{"attrParamValueCMode", attrParamValueCMode, unix.DEVLINK_ATTR_PARAM_VALUE_CMODE},
		{"attrPortPCIPFNumber", attrPortPCIPFNumber, unix.DEVLINK_ATTR_PORT_PCI_PF_NUMBER},
		{"attrPortPCIVFNumber", attrPortPCIVFNumber, unix.DEVLINK_ATTR_PORT_PCI_VF_NUMBER},
		{"attrReloadFailed", attrReloadFailed, unix.DEVLINK_ATTR_RELOAD_FAILED},
		{"attrPortFunction", attrPortFunction, unix.DEVLINK_ATTR_PORT_FUNCTION},
		{"attrPortSplittable", attrPortSplittable, unix.DEVLINK_ATTR_PORT_SPLITTABLE},
		{"attrPortExternal", attrPortExternal, unix.DEVLINK_ATTR_PORT_EXTERNAL},
		{"attrPortControllerNumber", attrPortControllerNumber, unix.DEVLINK_ATTR_PORT_CONTROLLER_NUMBER},
		{"attrReloadAction", attrReloadAction, unix.DEVLINK_ATTR_RELOAD_ACTION},
		{"attrReloadActionsPerformed", attrReloadActionsPerformed, unix.DEVLINK_ATTR_RELOAD_ACTIONS_PERFORMED},
		{"attrPortPCISFNumber", attrPortPCISFNumber, unix.DEVLINK_ATTR_PORT_PCI_SF_NUMBER},
		{"attrPortFunctionHWAddr", attrPortFunctionHWAddr, unix.DEVLINK_PORT_FUNCTION_ATTR_HW_ADDR},
		{"attrPortFnState", attrPortFnState, unix.DEVLINK_PORT_FN_ATTR_STATE},
		{"attrPortFnOpState", attrPortFnOpState, unix.DEVLINK_PORT_FN_ATTR_OPSTATE},
		{"PortFlavourPCIVF", int(PortFlavourPCIVF), unix.DEVLINK_PORT_FLAVOUR_PCI_VF},
		{"PortFlavourUnused", int(PortFlavourUnused), unix.DEVLINK_PORT_FLAVOUR_UNUSED},
		{"ESwitchModeSwitchdev.Wire", int(ESwitchModeSwitchdev.Wire()), unix.DEVLINK_ESWITCH_MODE_SWITCHDEV},
		{"ESwitchModeLegacy.Wire", int(ESwitchModeLegacy.Wire()), unix.DEVLINK_ESWITCH_MODE_LEGACY},
		{"InlineModeTransport", int(InlineModeTransport), unix.DEVLINK_ESWITCH_INLINE_MODE_TRANSPORT},
		{"EncapModeBasic", int(EncapModeBasic), unix.DEVLINK_ESWITCH_ENCAP_MODE_BASIC},
		{"CModePermanent", int(CModePermanent), unix.DEVLINK_PARAM_CMODE_PERMANENT},
		{"ReloadDriverReinit", int(ReloadDriverReinit), unix.DEVLINK_RELOAD_ACTION_DRIVER_REINIT},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, unix says %#x", c.name, c.got, c.want)
		}
	}
	if GenlName != unix.DEVLINK_GENL_NAME {
		t.Errorf("GenlName = %q", GenlName)
	}
}
