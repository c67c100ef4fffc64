package netlinkops

import (
	"errors"
	"net"
	"sort"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

func TestHostOpsOnBlueField(t *testing.T) {
	t.Parallel()
	ops := New(offloadtest.NewByName(t, "bf2-dpu").Host(t))
	p, err := ops.DevLinkGetPortByNetdevName("pf0hpf")
	if err != nil {
		t.Fatal(err)
	}
	if p.BusName != "pci" || p.DeviceName != "0000:03:00.0" || p.PortFlavour != 3 || p.PortType != portTypeEth || p.NetdeviceName != "pf0hpf" || p.NetdevIfIndex == 0 {
		t.Errorf("pf0hpf: %+v", p)
	}
	if p.Fn == nil || p.Fn.State != 1 || p.Fn.OpState != 1 || len(p.Fn.HwAddr) != 6 {
		t.Errorf("pf0hpf function: %+v", p.Fn)
	}
	for name, fl := range map[string]uint16{"p0": 0, "pf0vf2host": 4, "en3f0pf0sf88": 7} {
		p, err := ops.DevLinkGetPortByNetdevName(name)
		if err != nil || p.PortFlavour != fl {
			t.Errorf("%s: %+v, %v; want flavour %d", name, p, err, fl)
		}
	}
	// The SF's own netdev and plain netdevs have no eswitch port.
	for _, name := range []string{"enp3s0f0s88", "oob_net0", "nosuch0"} {
		if p, err := ops.DevLinkGetPortByNetdevName(name); !errors.Is(err, errs.ErrNotFound) || p != nil {
			t.Errorf("%s: %+v, %v; want ErrNotFound", name, p, err)
		}
	}
	if _, err := ops.DevLinkGetPortByNetdevName("../p0"); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad name: %v", err)
	}
	all, err := ops.DevLinkGetAllPortList()
	if err != nil {
		t.Fatal(err)
	}
	dev, err := ops.DevLinkGetDevicePortList("pci", "0000:03:00.0")
	if err != nil {
		t.Fatal(err)
	}
	names := func(ps []*netlink.DevlinkPort) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.NetdeviceName)
		}
		sort.Strings(out)
		return out
	}
	want := []string{"en3f0pf0sf88", "p0", "pf0hpf", "pf0vf0host", "pf0vf1host", "pf0vf2host", "pf0vf3host"}
	if !cmp.Equal(names(all), want) || !cmp.Equal(names(dev), want) {
		t.Errorf("all ports %v, device ports %v; want %v", names(all), names(dev), want)
	}
	if _, err := ops.DevLinkGetDevicePortList("pci", "0000:09:00.0"); err == nil {
		t.Error("ports of a device that does not exist: no error")
	}
	if _, err := ops.DevLinkGetDevicePortList("pci", "../x"); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad device: %v", err)
	}
}

// fakeOps is ovn-kubernetes's test fake: it embeds the interface and
// answers one method.
type fakeOps struct {
	NetlinkOps
	port *netlink.DevlinkPort
}

func (f *fakeOps) DevLinkGetPortByNetdevName(string) (*netlink.DevlinkPort, error) {
	return f.port, nil
}

func TestSetResetNetlinkOps(t *testing.T) {
	t.Parallel()
	if _, ok := GetNetlinkOps().(hostOps); !ok {
		t.Fatalf("default is %T", GetNetlinkOps())
	}
	mac := net.HardwareAddr{0, 7, 0x3d, 0xf2, 0x76, 0x4a}
	SetNetlinkOps(&fakeOps{port: &netlink.DevlinkPort{Fn: &netlink.DevlinkPortFn{HwAddr: mac}}})
	t.Cleanup(ResetNetlinkOps)
	p, err := GetNetlinkOps().DevLinkGetPortByNetdevName("pf0vf7")
	if err != nil || p.Fn.HwAddr.String() != mac.String() {
		t.Errorf("swapped: %+v, %v", p, err)
	}
	ResetNetlinkOps()
	if _, ok := GetNetlinkOps().(hostOps); !ok {
		t.Errorf("after reset: %T", GetNetlinkOps())
	}
	SetNetlinkOps(&fakeOps{})
	SetNetlinkOps(nil)
	if _, ok := GetNetlinkOps().(hostOps); !ok {
		t.Errorf("after SetNetlinkOps(nil): %T", GetNetlinkOps())
	}
	// Concurrent swaps and reads are safe (run with -race).
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			SetNetlinkOps(&fakeOps{})
			_ = GetNetlinkOps()
			ResetNetlinkOps()
		}()
	}
	wg.Wait()
}

func TestDefaultOpsOnThisHost(t *testing.T) {
	t.Parallel()
	// Whatever this host has, a name no interface has is not found (or
	// devlink is missing); it is never a port.
	p, err := GetNetlinkOps().DevLinkGetPortByNetdevName("nosuchif0")
	if err == nil || p != nil {
		t.Errorf("got %+v, %v", p, err)
	}
}
