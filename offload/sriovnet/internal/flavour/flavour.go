// Package flavour numbers offload's port flavours as devlink does (enum
// devlink_port_flavour), which is how sriovnet's PortFlavour and
// vishvananda/netlink's DevlinkPort.PortFlavour number them. The drop-in
// and its netlinkops subpackage share this one table.
package flavour

import "github.com/offloadkit/offloadkit/offload"

// Unknown is sriovnet's PORT_FLAVOUR_UNKNOWN: a flavour devlink does not
// number (offload.PortFlavourUnknown).
const Unknown = 0xffff

// Devlink returns devlink's number for f, Unknown for a flavour the name
// or attribute did not say.
func Devlink(f offload.PortFlavour) uint16 {
	switch f {
	case offload.PortFlavourPhysical:
		return 0
	case offload.PortFlavourCPU:
		return 1
	case offload.PortFlavourDSA:
		return 2
	case offload.PortFlavourPCIPF:
		return 3
	case offload.PortFlavourPCIVF:
		return 4
	case offload.PortFlavourVirtual:
		return 5
	case offload.PortFlavourUnused:
		return 6
	case offload.PortFlavourPCISF:
		return 7
	}
	return Unknown
}
