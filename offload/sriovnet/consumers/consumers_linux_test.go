package consumers

import (
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/offloadkit/offloadkit/offload/sriovnet"
	"github.com/offloadkit/offloadkit/offload/sriovnet/pkg/utils/netlinkops"
)

// fakeDevlinkNetlinkOps is ovn-kubernetes's test fake
// (sriovnet_linux_test.go): it embeds the NetlinkOps interface and answers
// one method.
type fakeDevlinkNetlinkOps struct {
	netlinkops.NetlinkOps
	port *netlink.DevlinkPort
	err  error
}

func (f *fakeDevlinkNetlinkOps) DevLinkGetPortByNetdevName(string) (*netlink.DevlinkPort, error) {
	return f.port, f.err
}

// TestGetDevlinkPortFunctionMacAddress swaps netlinkops as ovn-kubernetes's
// test does and checks that the swap reaches GetNetlinkOps.
func TestGetDevlinkPortFunctionMacAddress(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		port   *netlink.DevlinkPort
		mac    string
		errHas string
	}{
		{port: &netlink.DevlinkPort{Fn: &netlink.DevlinkPortFn{HwAddr: []byte{0, 7, 0x3d, 0xf2, 0x76, 0x4a}}}, mac: "00:07:3d:f2:76:4a"},
		{port: &netlink.DevlinkPort{}, errHas: "does not report function attributes"},
		{port: &netlink.DevlinkPort{Fn: &netlink.DevlinkPortFn{}}, errHas: "usable hardware address"},
	} {
		netlinkops.SetNetlinkOps(&fakeDevlinkNetlinkOps{port: c.port})
		t.Cleanup(netlinkops.ResetNetlinkOps)
		mac, err := defaultSriovnetOps{}.GetDevlinkPortFunctionMacAddress("pf0vf7")
		if c.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("got %v, %v; want an error with %q", mac, err, c.errHas)
			}
			continue
		}
		if err != nil || mac.String() != c.mac {
			t.Errorf("got %v, %v; want %s", mac, err, c.mac)
		}
	}
}

// TestCallsOnThisHost runs each project's sequence on addresses and names
// no host has: every one must come back with an error, not a panic or a
// hang, through the drop-in's package functions on the real /sys.
func TestCallsOnThisHost(t *testing.T) {
	t.Parallel()
	const pci, aux, nd = "ffff:ff:1f.7", "mlx5_core.sf.65535", "nosuchif0"
	if _, _, err := antreaAttachVF(&sriovNet{}, pci); err == nil {
		t.Error("antrea: no error")
	}
	if err := antreaVFLeftHost(&sriovNet{}, pci); err == nil {
		t.Error("antrea VF check: no error for a device that does not exist")
	}
	if _, _, _, err := kubeOVNVFRepresentor(pci); err == nil {
		t.Error("kube-ovn: no error")
	}
	if _, err := kubeOVNRealPF(pci); err == nil {
		t.Error("kube-ovn PF: no error")
	}
	ops := defaultSriovnetOps{}
	if _, err := ovnkFunctionRepresentor(ops, pci, true); err == nil {
		t.Error("ovn-k VF: no error")
	}
	if _, err := ovnkFunctionRepresentor(ops, aux, false); err == nil {
		t.Error("ovn-k SF: no error")
	}
	if _, err := ovnkHostPeerMAC(ops, nd); err == nil {
		t.Error("ovn-k peer MAC: no error")
	}
	if ops.IsVfPciVfioBound(pci) {
		t.Error("vfio-bound: true for a device that does not exist")
	}
	if _, err := ops.GetPfRepresentorDPU("2"); err == nil {
		t.Error("GetPfRepresentorDPU(2): no error")
	}
	if got := ovnkSRIOVCapablePath("0000:03:00.0"); got != "/sys/bus/pci/devices/0000:03:00.0/sriov_totalvfs" {
		t.Errorf("path %s", got)
	}
	if sriovnet.PortFlavour(sriovnet.PORT_FLAVOUR_UNKNOWN) != 0xffff {
		t.Error("PORT_FLAVOUR_UNKNOWN")
	}
}
