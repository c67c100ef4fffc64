package consumers

import (
	"fmt"

	"github.com/offloadkit/offloadkit/offload/sriovnet"
)

// SriovNet is Antrea's interface over sriovnet
// (pkg/agent/cniserver/interfaces.go), which its ifConfigurator holds and
// its tests mock.
type SriovNet interface {
	GetNetDevicesFromPCI(pciAddress string) ([]string, error)
	GetUplinkRepresentor(pciAddress string) (string, error)
	GetVFIndexByPCIAddress(vfPCIAddress string) (int, error)
	GetVFRepresentor(uplink string, vfIndex int) (string, error)
	GetVFLinkNames(pciAddr string) (string, error)
}

// sriovNet is Antrea's implementation (pkg/agent/cniserver/sriov_linux.go):
// four methods forward to sriovnet's package functions.
type sriovNet struct{}

var _ SriovNet = &sriovNet{}

func (n *sriovNet) GetNetDevicesFromPCI(pciAddress string) ([]string, error) {
	return sriovnet.GetNetDevicesFromPci(pciAddress)
}

func (n *sriovNet) GetUplinkRepresentor(pciAddress string) (string, error) {
	return sriovnet.GetUplinkRepresentor(pciAddress)
}

func (n *sriovNet) GetVFIndexByPCIAddress(vfPCIAddress string) (int, error) {
	return sriovnet.GetVfIndexByPciAddress(vfPCIAddress)
}

func (n *sriovNet) GetVFRepresentor(uplink string, vfIndex int) (string, error) {
	return sriovnet.GetVfRepresentor(uplink, vfIndex)
}

// GetVFLinkNames is Antrea's own sysfs read, not sriovnet's.
func (n *sriovNet) GetVFLinkNames(string) (string, error) { return "", nil }

// antreaAttachVF is the order in which Antrea's configureContainerSriovLink
// uses the results: exactly one VF netdev, then uplink, VF index and the
// VF's representor.
func antreaAttachVF(sn SriovNet, pciAddress string) (vfNetdev, rep string, err error) {
	nds, err := sn.GetNetDevicesFromPCI(pciAddress)
	if err != nil {
		return "", "", err
	}
	if len(nds) != 1 {
		return "", "", fmt.Errorf("want one netdev for %s, have %d", pciAddress, len(nds))
	}
	uplink, err := sn.GetUplinkRepresentor(pciAddress)
	if err != nil {
		return "", "", err
	}
	idx, err := sn.GetVFIndexByPCIAddress(pciAddress)
	if err != nil {
		return "", "", err
	}
	rep, err = sn.GetVFRepresentor(uplink, idx)
	return nds[0], rep, err
}

// antreaVFLeftHost is Antrea's validateContainerVFInterface check: once the
// VF netdev is in the pod's namespace, the host's net/ directory of the
// VF is empty, and GetNetDevicesFromPCI must say so with an empty list and
// no error.
func antreaVFLeftHost(sn SriovNet, pciAddress string) error {
	nds, err := sn.GetNetDevicesFromPCI(pciAddress)
	if err != nil {
		return fmt.Errorf("find netdevs of %s: %w", pciAddress, err)
	}
	if len(nds) != 0 {
		return fmt.Errorf("VF netdev still in the host namespace: %s %v", pciAddress, nds)
	}
	return nil
}
