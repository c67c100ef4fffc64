package consumers

import (
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/offloadkit/offloadkit/offload/sriovnet"
	"github.com/offloadkit/offloadkit/offload/sriovnet/pkg/utils/netlinkops"
)

// SriovnetOps is ovn-kubernetes's interface over sriovnet
// (go-controller/pkg/util/sriovnet_linux.go): eighteen methods forward to
// sriovnet, GetDevlinkPortFunctionMacAddress goes through sriovnet's
// netlinkops, and GetPCIFromDeviceName is its own sysfs read.
type SriovnetOps interface {
	GetNetDevicesFromPci(pciAddress string) ([]string, error)
	GetNetDevicesFromAux(auxDev string) ([]string, error)
	GetPciFromNetDevice(name string) (string, error)
	GetUplinkRepresentor(vfPciAddress string) (string, error)
	GetUplinkRepresentorFromAux(auxDev string) (string, error)
	GetVfIndexByPciAddress(vfPciAddress string) (int, error)
	GetPfIndexByVfPciAddress(vfPciAddress string) (int, error)
	GetSfIndexByAuxDev(auxDev string) (int, error)
	GetVfRepresentor(uplink string, vfIndex int) (string, error)
	GetSfRepresentor(uplink string, sfIndex int) (string, error)
	GetPfPciFromVfPci(vfPciAddress string) (string, error)
	GetPfPciFromAux(auxDev string) (string, error)
	GetVfRepresentorDPU(pfID, vfIndex string) (string, error)
	GetPfRepresentorDPU(pfID string) (string, error)
	IsVfPciVfioBound(pciAddr string) bool
	GetRepresentorPeerMacAddress(netdev string) (net.HardwareAddr, error)
	GetDevlinkPortFunctionMacAddress(netdev string) (net.HardwareAddr, error)
	GetRepresentorPortFlavour(netdev string) (sriovnet.PortFlavour, error)
	GetPCIFromDeviceName(netdevName string) (string, error)
	GetPortIndexFromRepresentor(name string) (int, error)
}

type defaultSriovnetOps struct{}

var _ SriovnetOps = defaultSriovnetOps{}

func (defaultSriovnetOps) GetNetDevicesFromPci(pciAddress string) ([]string, error) {
	return sriovnet.GetNetDevicesFromPci(pciAddress)
}

func (defaultSriovnetOps) GetNetDevicesFromAux(auxDev string) ([]string, error) {
	return sriovnet.GetNetDevicesFromAux(auxDev)
}

func (defaultSriovnetOps) GetPciFromNetDevice(name string) (string, error) {
	return sriovnet.GetPciFromNetDevice(name)
}

func (defaultSriovnetOps) GetUplinkRepresentor(vfPciAddress string) (string, error) {
	return sriovnet.GetUplinkRepresentor(vfPciAddress)
}

func (defaultSriovnetOps) GetUplinkRepresentorFromAux(auxDev string) (string, error) {
	return sriovnet.GetUplinkRepresentorFromAux(auxDev)
}

func (defaultSriovnetOps) GetVfIndexByPciAddress(vfPciAddress string) (int, error) {
	return sriovnet.GetVfIndexByPciAddress(vfPciAddress)
}

func (defaultSriovnetOps) GetPfIndexByVfPciAddress(vfPciAddress string) (int, error) {
	return sriovnet.GetPfIndexByVfPciAddress(vfPciAddress)
}

func (defaultSriovnetOps) GetSfIndexByAuxDev(auxDev string) (int, error) {
	return sriovnet.GetSfIndexByAuxDev(auxDev)
}

func (defaultSriovnetOps) GetVfRepresentor(uplink string, vfIndex int) (string, error) {
	return sriovnet.GetVfRepresentor(uplink, vfIndex)
}

func (defaultSriovnetOps) GetSfRepresentor(uplink string, sfIndex int) (string, error) {
	return sriovnet.GetSfRepresentor(uplink, sfIndex)
}

func (defaultSriovnetOps) GetPfPciFromVfPci(vfPciAddress string) (string, error) {
	return sriovnet.GetPfPciFromVfPci(vfPciAddress)
}

func (defaultSriovnetOps) GetPfPciFromAux(auxDev string) (string, error) {
	return sriovnet.GetPfPciFromAux(auxDev)
}

func (defaultSriovnetOps) GetVfRepresentorDPU(pfID, vfIndex string) (string, error) {
	return sriovnet.GetVfRepresentorDPU(pfID, vfIndex)
}

func (defaultSriovnetOps) GetPfRepresentorDPU(pfID string) (string, error) {
	return sriovnet.GetPfRepresentorDPU(pfID)
}

func (defaultSriovnetOps) IsVfPciVfioBound(pciAddr string) bool {
	return sriovnet.IsVfPciVfioBound(pciAddr)
}

func (defaultSriovnetOps) GetRepresentorPeerMacAddress(netdev string) (net.HardwareAddr, error) {
	return sriovnet.GetRepresentorPeerMacAddress(netdev)
}

// GetDevlinkPortFunctionMacAddress reads the port function's hw_addr
// through netlinkops, as ovn-kubernetes does for VF and SF representors.
func (defaultSriovnetOps) GetDevlinkPortFunctionMacAddress(netdev string) (net.HardwareAddr, error) {
	port, err := netlinkops.GetNetlinkOps().DevLinkGetPortByNetdevName(netdev)
	if err != nil {
		return nil, fmt.Errorf("failed to get devlink port for netdev %s: %w", netdev, err)
	}
	if port.Fn == nil {
		return nil, fmt.Errorf("devlink port for netdev %s does not report function attributes", netdev)
	}
	if len(port.Fn.HwAddr) != 6 || net.HardwareAddr.String(port.Fn.HwAddr) == "00:00:00:00:00:00" {
		return nil, fmt.Errorf("devlink port function for netdev %s does not report a usable hardware address", netdev)
	}
	return port.Fn.HwAddr, nil
}

func (defaultSriovnetOps) GetRepresentorPortFlavour(netdev string) (sriovnet.PortFlavour, error) {
	return sriovnet.GetRepresentorPortFlavour(netdev)
}

// GetPCIFromDeviceName is ovn-kubernetes's own read of the device link.
func (defaultSriovnetOps) GetPCIFromDeviceName(netdevName string) (string, error) {
	l, err := os.Readlink(filepath.Join("/sys/class/net", netdevName, "device"))
	return filepath.Base(l), err
}

func (defaultSriovnetOps) GetPortIndexFromRepresentor(name string) (int, error) {
	return sriovnet.GetPortIndexFromRepresentor(name)
}

// hostFacingRepresentorFlavours is ovn-kubernetes's set of representor
// flavours that have a host peer (dpuops_linux.go): PortFlavour is a map
// key, and the PORT_FLAVOUR_* constants convert to it untyped.
var hostFacingRepresentorFlavours = map[sriovnet.PortFlavour]struct{}{
	sriovnet.PORT_FLAVOUR_PCI_PF: {},
	sriovnet.PORT_FLAVOUR_PCI_VF: {},
	sriovnet.PORT_FLAVOUR_PCI_SF: {},
}

// ovnkHostPeerMAC is ovn-kubernetes's hostPeerMACAddress/GetHostPeerMACAddress
// flow: the flavour decides whether there is a peer; devlink first, then,
// for a PF representor only, sriovnet's peer lookup.
func ovnkHostPeerMAC(ops SriovnetOps, rep string) (net.HardwareAddr, error) {
	flavour, err := ops.GetRepresentorPortFlavour(rep)
	if err != nil {
		return nil, err
	}
	if _, ok := hostFacingRepresentorFlavours[flavour]; !ok {
		return nil, fmt.Errorf("representor %s port flavour %d has no host peer", rep, flavour)
	}
	if mac, err := ops.GetDevlinkPortFunctionMacAddress(rep); err == nil {
		return mac, nil
	}
	if flavour != sriovnet.PORT_FLAVOUR_PCI_PF {
		return nil, fmt.Errorf("no devlink MAC for %s", rep)
	}
	return ops.GetRepresentorPeerMacAddress(rep)
}

// ovnkFunctionRepresentor is ovn-kubernetes's GetFunctionRepresentorName:
// a PCI device ID goes the VF way, an auxiliary one the SF way.
func ovnkFunctionRepresentor(ops SriovnetOps, deviceID string, isPCI bool) (string, error) {
	if isPCI {
		uplink, err := ops.GetUplinkRepresentor(deviceID)
		if err != nil {
			return "", err
		}
		idx, err := ops.GetVfIndexByPciAddress(deviceID)
		if err != nil {
			return "", err
		}
		return ops.GetVfRepresentor(uplink, idx)
	}
	uplink, err := ops.GetUplinkRepresentorFromAux(deviceID)
	if err != nil {
		return "", err
	}
	idx, err := ops.GetSfIndexByAuxDev(deviceID)
	if err != nil {
		return "", err
	}
	return ops.GetSfRepresentor(uplink, idx)
}

// ovnkSRIOVCapablePath is how ovn-kubernetes builds a sysfs path from
// sriovnet.PciSysDir.
func ovnkSRIOVCapablePath(pciAddr string) string {
	return filepath.Join(sriovnet.PciSysDir, pciAddr, "sriov_totalvfs")
}
