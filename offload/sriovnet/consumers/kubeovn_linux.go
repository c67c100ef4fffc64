package consumers

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/offloadkit/offloadkit/offload/sriovnet"
	sriovutilfs "github.com/offloadkit/offloadkit/offload/sriovnet/pkg/utils/filesystem"
)

// kubeOVNNetSysDir is Kube-OVN's util.NetSysDir.
const kubeOVNNetSysDir = "/sys/class/net"

// kubeOVNVFRepresentor is the sequence of Kube-OVN's configureNicForPod
// (pkg/daemon/ovs_linux.go) for a VF: its one netdev, the uplink, the VF
// index and the representor it renames.
func kubeOVNVFRepresentor(deviceID string) (vfNetdev, rep string, vfIndex int, err error) {
	vfNetdevices, err := sriovnet.GetNetDevicesFromPci(deviceID)
	if err != nil {
		return "", "", -1, err
	}
	if len(vfNetdevices) != 1 {
		return "", "", -1, fmt.Errorf("failed to get one netdevice interface per %s", deviceID)
	}
	uplink, err := sriovnet.GetUplinkRepresentor(deviceID)
	if err != nil {
		return "", "", -1, err
	}
	vfIndex, err = sriovnet.GetVfIndexByPciAddress(deviceID)
	if err != nil {
		return "", "", -1, err
	}
	rep, err = sriovnet.GetVfRepresentor(uplink, vfIndex)
	if err != nil {
		return "", "", -1, err
	}
	return vfNetdevices[0], rep, vfIndex, nil
}

// kubeOVNRealPF is Kube-OVN's setVfMac lookup of the PF netdev: the VF's
// PF, its netdevs, and the first whose phys_port_name, read through
// sriovnet's filesystem.Fs, names no VF.
func kubeOVNRealPF(deviceID string) (string, error) {
	pfPci, err := sriovnet.GetPfPciFromVfPci(deviceID)
	if err != nil {
		return "", err
	}
	netDevs, err := sriovnet.GetNetDevicesFromPci(pfPci)
	if err != nil {
		return "", err
	}
	for _, dev := range netDevs {
		physPortName, err := sriovutilfs.Fs.ReadFile(filepath.Join(kubeOVNNetSysDir, dev, "phys_port_name"))
		if err != nil {
			continue
		}
		if !strings.Contains(strings.TrimSpace(string(physPortName)), "vf") {
			return dev, nil
		}
	}
	return "", fmt.Errorf("no PF netdev for %s", deviceID)
}
