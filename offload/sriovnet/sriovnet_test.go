package sriovnet

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// The cases below are those of sriovnet v1.3.0's own tests
// (sriovnet_test.go and sriovnet_switchdev_test.go: same names, inputs and
// expected answers), laid out as offloadtest trees instead of sriovnet's
// swapped global fake file system: one PF 0000:03:00.0 (VFs 0000:03:00.4
// and .5) whose netdevs are the case's uplink and representors. sriovnet's
// "...Devlink" tests mock its netlink package to answer from devlink; this
// package reads phys_port_name only, so they have no counterpart here.

// port is a netdev below the PF: name, phys_port_name ("" for none) and
// whether it has a phys_switch_id.
type port struct {
	name, ppn string
	sw        bool
}

func sw(name, ppn string) port { return port{name, ppn, true} }

const switchID = "c2cfc60003a1420c"

// tree builds the PF with ports[0] as its netdev and the rest as
// representors below it.
func tree(t *testing.T, pfAddr string, vfOffset int, ports ...port) (*offloadtest.Tree, *Client) {
	t.Helper()
	pf := offloadtest.PFSpec{
		Address: pfAddr, Vendor: offload.VendorMellanox, Device: 0xa2d6, VFDevice: 0x101e,
		Driver: "mlx5_core", VFDriver: "mlx5_core", NUMANode: 0, TotalVFs: 8, NumVFs: 2, VFOffset: vfOffset, VFStride: 1,
		SwitchID: switchID, Mode: offload.ESwitchModeSwitchdev, VFNetdev: "enp3s0f0v%d",
	}
	for i, p := range ports {
		if i == 0 {
			pf.Netdev, pf.PortName = p.name, p.ppn
			continue
		}
		pf.FixedReps = append(pf.FixedReps, offloadtest.NetdevSpec{Name: p.name, PortName: p.ppn})
	}
	tr := offloadtest.New(t, offloadtest.Spec{Name: "sriovnet-case", PFs: []offloadtest.PFSpec{pf}, Netdevs: []string{"lo", "br0"}})
	for _, p := range ports {
		if !p.sw {
			if err := os.Remove(filepath.Join(tr.Root, "sys/class/net", p.name, "phys_switch_id")); err != nil {
				t.Fatal(err)
			}
		}
	}
	return tr, New(tr.Host(t))
}

func check[T comparable](t *testing.T, got T, err error, want T, shouldFail bool) {
	t.Helper()
	if shouldFail {
		if err == nil {
			t.Errorf("got %v, want an error", got)
		}
		return
	}
	if err != nil || got != want {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
}

func TestGetVfRepresentor(t *testing.T) {
	t.Parallel()
	p0 := sw("p0", "p0")
	noUplink := port{"", "", true}
	cases := []struct {
		name       string
		ports      []port // ports[0] is the uplink; without a name, the call passes the PF's PCI address
		vfIndex    int
		want       string
		shouldFail bool
	}{
		{"VF representor found", []port{p0, sw("eth0", "pf0vf0"), sw("eth1", "pf0vf1"), sw("eth2", "pf0vf2")}, 2, "eth2", false},
		{"VF representor found - uplink not present, PCI address provided", []port{noUplink, sw("eth0", "pf0vf0"), sw("eth1", "pf0vf1"), sw("eth2", "pf0vf2")}, 2, "eth2", false},
		{"VF representor not found - no representors and no uplink", []port{noUplink}, 0, "", true},
		{"VF representor not found - index doesn't exist", []port{p0, sw("eth0", "pf0vf0"), sw("eth1", "pf0vf1"), sw("eth2", "pf0vf2")}, 5, "", true},
		{"VF representor not found - no representors", []port{p0}, 0, "", true},
		{"VF representor not found - invalid phys_port_name", []port{p0, sw("eth0", "invalid"), sw("eth1", "pf0sf1")}, 0, "", true},
		{"VF representor not found - missing phys_port_name", []port{p0, sw("eth0", ""), sw("eth1", "pf0vf1")}, 0, "", true},
		{"uplink is not switchdev", []port{{"eth0", "", false}}, 0, "", true},
		{"VF representor found with mixed representors", []port{p0, sw("eth0", "invalid"), sw("eth1", "pf0vf0"), sw("eth2", "pf0sf1"), sw("eth3", "pf0vf2")}, 2, "eth3", false},
		{"VF representor found - mixed external representor", []port{p0, sw("eth2", "c1pf0vf1"), sw("eth3", "c1pf0vf2"), sw("eth4", "pf0vf1"), sw("eth5", "pf0vf2")}, 2, "eth5", false},
		{"VF representor not found - only external representor", []port{p0, sw("eth2", "c1pf0vf1"), sw("eth3", "c1pf0vf2")}, 2, "", true},
		// Not in sriovnet's table: a negative index.
		{"negative VF index", []port{p0, sw("eth0", "pf0vf0")}, -1, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, cl := tree(t, "0000:03:00.0", 4, c.ports...)
			uplink := c.ports[0].name
			if uplink == "" {
				uplink = "0000:03:00.0"
			}
			got, err := cl.GetVfRepresentor(uplink, c.vfIndex)
			check(t, got, err, c.want, c.shouldFail)
			if c.shouldFail && uplink == "0000:03:00.0" && !errors.Is(err, ErrRepresentorNotFound) {
				t.Errorf("error %v is not ErrRepresentorNotFound", err)
			}
		})
	}
	t.Run("uplink directory doesn't exist", func(t *testing.T) {
		_, cl := tree(t, "0000:03:00.0", 4, p0)
		_, err := cl.GetVfRepresentor("p1", 0)
		if !errors.Is(err, ErrDeviceNotFound) {
			t.Errorf("got %v, want ErrDeviceNotFound", err)
		}
	})
}

func TestGetUplinkRepresentor(t *testing.T) {
	t.Parallel()
	vfReps := []port{sw("enp_0", "pf0vf0"), sw("enp_1", "pf0vf1")}
	cases := []struct {
		name       string
		pci        string
		ports      []port // ports[0] is the uplink candidate; nil: no netdevs at all
		want       string
		shouldFail bool
	}{
		{"uplink representor exists", "0000:03:00.4", append([]port{sw("eth0", "p0")}, vfReps...), "eth0", false},
		{"uplink representor exists with PF instead of VF", "0000:03:00.0", []port{sw("eth0", "p0")}, "eth0", false},
		{"uplink representor does not exist", "0000:03:00.4", append([]port{{"eth0", "", false}}, vfReps...), "", true},
		{"uplink representor missing switch id", "0000:03:00.4", append([]port{{"eth0", "p0", false}}, vfReps...), "", true},
		{"no representors", "0000:03:00.4", []port{{"eth0", "", false}}, "", true},
		{"missing uplink", "0000:03:00.4", nil, "", true},
		// TestGetUplinkRepresentorForPfSuccess.
		{"PF success", "0000:03:00.0", []port{sw("eth0", "p0")}, "eth0", false},
		// Not in sriovnet's table: an address that is no device.
		{"no such device", "0000:04:00.0", []port{sw("eth0", "p0")}, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ports := c.ports
			if ports == nil {
				ports = []port{{"", "", true}}
			}
			_, cl := tree(t, "0000:03:00.0", 4, ports...)
			got, err := cl.GetUplinkRepresentor(c.pci)
			check(t, got, err, c.want, c.shouldFail)
		})
	}
	t.Run("empty switch id", func(t *testing.T) { // TestGetUplinkRepresentorErrorEmptySwID
		tr, cl := tree(t, "0000:03:00.0", 4, sw("eth0", ""))
		if err := os.WriteFile(filepath.Join(tr.Root, "sys/class/net/eth0/phys_switch_id"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := cl.GetUplinkRepresentor("0000:03:00.4")
		if err == nil || got != "" {
			t.Errorf("got %q, %v; want an error", got, err)
		}
	})
}

func TestGetVfRepresentorDPU(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		ports      []port
		pfID, vfID string
		want       string
		shouldFail bool
	}{
		{"Host VFs only", []port{sw("eth0", "c1pf0vf0"), sw("eth1", "c1pf0vf1"), sw("eth2", "c1pf0vf2")}, "0", "2", "eth2", false},
		{"Host VFs and DPU VFs", []port{sw("eth0", "c1pf0vf0"), sw("eth1", "pf0vf0"), sw("eth2", "pf0vf2"), sw("eth3", "c1pf0vf2")}, "0", "2", "eth3", false},
		{"Host VFs only - Legacy (rep names dont have controller prefix)", []port{sw("eth0", "pf0vf0"), sw("eth1", "pf0vf1"), sw("eth2", "pf0vf2")}, "0", "2", "eth2", false},
		{"VF representor not found", []port{sw("eth0", "c1pf0vf0"), sw("eth1", "c1pf0vf1"), sw("eth2", "c1pf0vf2")}, "0", "5", "", true},
		{"invalid pfID", nil, "3", "5", "", true},
		{"invalid pfID - 2", nil, "bla", "5", "", true},
		{"invalid vfID", nil, "0", "bla", "", true},
		// Not in sriovnet's table: names compare as strings, as sriovnet's do.
		{"leading zero", []port{sw("eth0", "c1pf0vf2")}, "0", "02", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ports := append([]port{sw("p0", "p0")}, c.ports...)
			_, cl := tree(t, "0000:03:00.0", 4, ports...)
			got, err := cl.GetVfRepresentorDPU(c.pfID, c.vfID)
			check(t, got, err, c.want, c.shouldFail)
		})
	}
	t.Run("bf2-dpu tree", func(t *testing.T) {
		cl := New(offloadtest.NewByName(t, "bf2-dpu").Host(t))
		got, err := cl.GetVfRepresentorDPU("0", "3")
		check(t, got, err, "pf0vf3host", false)
	})
}

func TestGetPortIndexFromRepresentor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		netdev     string
		rep        port
		want       int
		shouldFail bool
		errText    string
	}{
		{"VF rep", "eth5", sw("eth5", "pf0vf5"), 5, false, ""},
		{"SF rep", "eth5", sw("eth5", "pf0sf5"), 5, false, ""},
		{"external VF rep", "eth5", sw("eth5", "c1pf0vf5"), 5, false, ""},
		{"externalSF rep", "eth5", sw("eth5", "c1pf0sf5"), 5, false, ""},
		{"unsupported pf rep", "pf0hpf", sw("pf0hpf", "pf0"), 0, true, "unsupported port flavor"},
		{"unsupported uplink rep", "p0", sw("p0", "p0"), 0, true, "unsupported port flavor"},
		{"netdev does not have phys_port_name", "eth5", sw("eth5", ""), 0, true, "phys_port_name"},
		{"netdev is not a representor", "eth5", port{"eth5", "p0", false}, 0, true, "does not represent an eswitch port"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, cl := tree(t, "0000:03:00.0", 4, c.rep)
			got, err := cl.GetPortIndexFromRepresentor(c.netdev)
			check(t, got, err, c.want, c.shouldFail)
			if c.shouldFail && (err == nil || !strings.Contains(err.Error(), c.errText)) {
				t.Errorf("error %v does not say %q", err, c.errText)
			}
		})
	}
}

func TestGetRepresentorPortFlavour(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		netdev     string
		rep        port
		want       PortFlavour
		shouldFail bool
	}{
		{"Physical flavor", "eth0", sw("eth0", "p0"), PORT_FLAVOUR_PHYSICAL, false},
		{"PF flavor", "eth0", sw("eth0", "pf0"), PORT_FLAVOUR_PCI_PF, false},
		{"VF flavor", "eth0", sw("eth0", "pf0vf0"), PORT_FLAVOUR_PCI_VF, false},
		{"VF flavor external VF", "eth0", sw("eth0", "c1pf0vf0"), PORT_FLAVOUR_PCI_VF, false},
		{"SF flavor", "eth0", sw("eth0", "pf0sf0"), PORT_FLAVOUR_PCI_SF, false},
		{"SF flavor external SF", "eth0", sw("eth0", "c1pf0sf0"), PORT_FLAVOUR_PCI_SF, false},
		{"unknown flavor - not switchdev", "eth0", port{"eth0", "pf0vf0", false}, PORT_FLAVOUR_UNKNOWN, true},
		{"unknown flavor - not phys_port_name", "eth0", sw("eth0", ""), PORT_FLAVOUR_UNKNOWN, true},
		{"unknown flavor - invalid phys_port_name", "eth0", sw("eth0", "invalid"), PORT_FLAVOUR_UNKNOWN, false},
		{"unknown flavor - no device", "eth1", sw("eth0", "pf0vf34"), PORT_FLAVOUR_UNKNOWN, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, cl := tree(t, "0000:03:00.0", 4, c.rep)
			got, err := cl.GetRepresentorPortFlavour(c.netdev)
			if got != c.want {
				t.Errorf("flavour %d, want %d", got, c.want)
			}
			check(t, got, err, c.want, c.shouldFail)
		})
	}
}

func TestGetNetDevicesFromPci(t *testing.T) {
	t.Parallel()
	t.Run("success", func(t *testing.T) {
		_, cl := tree(t, "0000:02:00.0", 4, port{"enp0s0f0", "", false}, port{"enp0s0f1", "", false}, port{"enp0s0f2", "", false})
		got, err := cl.GetNetDevicesFromPci("0000:02:00.0")
		if err != nil || !cmp.Equal(got, []string{"enp0s0f0", "enp0s0f1", "enp0s0f2"}) {
			t.Errorf("got %v, %v", got, err)
		}
	})
	t.Run("no PCI device", func(t *testing.T) {
		_, cl := tree(t, "0000:03:00.0", 4, sw("p0", "p0"))
		got, err := cl.GetNetDevicesFromPci("0000:02:00.0")
		if !errors.Is(err, ErrDeviceNotFound) || got != nil {
			t.Errorf("got %v, %v; want nil and ErrDeviceNotFound", got, err)
		}
	})
	t.Run("no devices", func(t *testing.T) {
		_, cl := tree(t, "0000:02:00.0", 4, port{"", "", true})
		got, err := cl.GetNetDevicesFromPci("0000:02:00.0")
		if err == nil || got != nil {
			t.Errorf("got %v, %v; want an error", got, err)
		}
	})
}

func TestGetPfPciFromVfPci(t *testing.T) {
	t.Parallel()
	_, cl := tree(t, "0000:02:00.0", 6, sw("p0", "p0"))
	got, err := cl.GetPfPciFromVfPci("0000:02:00.6")
	check(t, got, err, "0000:02:00.0", false)
	got, err = cl.GetPfPciFromVfPci("0000:02:00.0") // a PF: no physfn
	check(t, got, err, "", true)
}

func TestGetVfIndexByPciAddress(t *testing.T) {
	t.Parallel()
	_, cl := tree(t, "0000:03:00.0", 4, sw("p0", "p0"))
	got, err := cl.GetVfIndexByPciAddress("0000:03:00.5")
	check(t, got, err, 1, false)
	got, err = cl.GetVfIndexByPciAddress("0000:03:00.0")
	if err == nil || got != -1 {
		t.Errorf("PF: got %d, %v; want -1 and an error", got, err)
	}
	// A 5-digit PCI domain (VMD): sriovnet's strings.Contains match would
	// also accept the 4-digit address as a substring of the link target.
	_, cl5 := tree(t, "10000:03:00.0", 4, sw("p0", "p0"))
	got, err = cl5.GetVfIndexByPciAddress("10000:03:00.5")
	check(t, got, err, 1, false)
	if _, err := cl5.GetVfIndexByPciAddress("0000:03:00.5"); err == nil {
		t.Error("4-digit domain matched a VF of domain 10000")
	}
}

func TestGetPciFromNetDevice(t *testing.T) {
	t.Parallel()
	_, cl := tree(t, "0000:03:00.0", 4, sw("p0", "p0"), sw("pf0vf0", "pf0vf0"))
	got, err := cl.GetPciFromNetDevice("p0")
	check(t, got, err, "0000:03:00.0", false)
	got, err = cl.GetPciFromNetDevice("enp3s0f0v1")
	check(t, got, err, "0000:03:00.5", false)
	_, err = cl.GetPciFromNetDevice("br0")
	if err == nil || !strings.Contains(err.Error(), "is not a PCI device") {
		t.Errorf("br0: got %v", err)
	}
}

// TestBadInputTouchesNothing: sriovnet joins whatever it is given into
// sysfs paths; here it is refused first.
func TestBadInputTouchesNothing(t *testing.T) {
	t.Parallel()
	tr, cl := tree(t, "0000:03:00.0", 4, sw("p0", "p0"))
	before := tr.Writes()
	for _, err := range []error{
		func() error { _, err := cl.GetNetDevicesFromPci("../../../etc"); return err }(),
		func() error { _, err := cl.GetUplinkRepresentor("0000:03:00.0/.."); return err }(),
		func() error { _, err := cl.GetVfRepresentor("../p0", 0); return err }(),
		func() error { _, err := cl.GetPciFromNetDevice("a/b"); return err }(),
		func() error { _, err := cl.GetRepresentorPortFlavour(".."); return err }(),
		func() error { _, err := cl.GetPortIndexFromRepresentor(""); return err }(),
		func() error { _, err := cl.GetVfIndexByPciAddress(" 0000:03:00.4"); return err }(),
	} {
		if !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("got %v, want ErrInvalidArgument", err)
		}
	}
	if !cmp.Equal(before, tr.Writes()) {
		t.Error("sysfs was written")
	}
}

// TestPackageFunctionsOnThisHost runs the package-level functions, which
// open the real root, with inputs that exist on no host, so the test holds
// anywhere and proves they open and close a Host per call.
func TestPackageFunctionsOnThisHost(t *testing.T) {
	t.Parallel()
	if _, err := GetPfPciFromVfPci("ffff:ff:1f.7"); err == nil {
		t.Error("GetPfPciFromVfPci of a device that does not exist: no error")
	}
	if _, err := GetVfIndexByPciAddress("bad"); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("GetVfIndexByPciAddress(bad): %v", err)
	}
	if _, err := GetRepresentorPortFlavour("no-such-if0"); err == nil {
		t.Error("GetRepresentorPortFlavour of a missing netdev: no error")
	}
}

// The signatures of sriovnet v1.3.0 (and v1.2.0), checked by the
// compiler: a CNI that switches import paths compiles unchanged.
var (
	_ func(string) ([]string, error)       = GetNetDevicesFromPci
	_ func(string) (string, error)         = GetUplinkRepresentor
	_ func(string) (int, error)            = GetVfIndexByPciAddress
	_ func(string, int) (string, error)    = GetVfRepresentor
	_ func(string) (string, error)         = GetPfPciFromVfPci
	_ func(string) (string, error)         = GetPciFromNetDevice
	_ func(string) (int, error)            = GetPortIndexFromRepresentor
	_ func(string) (PortFlavour, error)    = GetRepresentorPortFlavour
	_ func(string, string) (string, error) = GetVfRepresentorDPU
	_ PortFlavour                          = PORT_FLAVOUR_PCI_SF
	_ uint16                               = PORT_FLAVOUR_UNKNOWN
)

func TestFlavourValues(t *testing.T) {
	t.Parallel()
	// devlink's enum devlink_port_flavour, which sriovnet mirrors.
	got := []int{PORT_FLAVOUR_PHYSICAL, PORT_FLAVOUR_CPU, PORT_FLAVOUR_DSA, PORT_FLAVOUR_PCI_PF, PORT_FLAVOUR_PCI_VF, PORT_FLAVOUR_VIRTUAL, PORT_FLAVOUR_UNUSED, PORT_FLAVOUR_PCI_SF, PORT_FLAVOUR_UNKNOWN}
	if !cmp.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 0xffff}) {
		t.Errorf("flavour values %v", got)
	}
}
