package sriovnet

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// These follow sriovnet v1.3.0's tests of the same functions
// (sriovnet_test.go, sriovnet_aux_test.go, sriovnet_switchdev_test.go:
// same inputs and answers), on offloadtest trees, plus the bundled bf2-dpu
// tree's SF (mlx5_core.sf.4, sfnum 88).

// podNetns empties the net/ directory of the VF at vf, as the host sees
// it once the VF's netdev is in a pod's network namespace.
func podNetns(t *testing.T, tr *offloadtest.Tree, vf string) {
	t.Helper()
	dir := filepath.Join(tr.Root, "sys/bus/pci/devices", vf, "net")
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		t.Fatalf("VF %s has no netdev to move: %v", vf, err)
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(tr.Root, "sys/class/net", e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGetNetDevicesFromPciEmptyNetDir(t *testing.T) {
	t.Parallel()
	tr, cl := tree(t, "0000:03:00.0", 4, sw("p0", "p0"))
	podNetns(t, tr, "0000:03:00.4")
	got, err := cl.GetNetDevicesFromPci("0000:03:00.4")
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("got %#v, %v; want an empty list and no error (sriovnet v1.3.0; Antrea relies on it)", got, err)
	}
	// The other VF still has its netdev.
	got, err = cl.GetNetDevicesFromPci("0000:03:00.5")
	if err != nil || !cmp.Equal(got, []string{"enp3s0f0v1"}) {
		t.Errorf("VF 1: got %v, %v", got, err)
	}
}

func bf2(t *testing.T) (*offloadtest.Tree, *Client) {
	t.Helper()
	tr := offloadtest.NewByName(t, "bf2-dpu")
	return tr, New(tr.Host(t))
}

func TestAux(t *testing.T) {
	t.Parallel()
	tr, cl := bf2(t)
	got, err := cl.GetNetDevicesFromAux("mlx5_core.sf.4")
	if err != nil || !cmp.Equal(got, []string{"enp3s0f0s88"}) {
		t.Errorf("GetNetDevicesFromAux(sf.4): %v, %v", got, err)
	}
	// sriovnet: TestGetNetDevicesFromAuxErrorNoAux, ...ErrorNoDevice.
	if got, err := cl.GetNetDevicesFromAux("mlx5_core.sf.0"); err == nil || got != nil || !errors.Is(err, ErrDeviceNotFound) {
		t.Errorf("no such aux device: %v, %v", got, err)
	}
	if got, err := cl.GetNetDevicesFromAux("mlx5_core.eth.4"); err == nil || got != nil {
		t.Errorf("aux device without net/: %v, %v", got, err)
	}
	if err := os.RemoveAll(filepath.Join(tr.Root, "sys/bus/auxiliary/devices/mlx5_core.sf.4/net/enp3s0f0s88")); err != nil {
		t.Fatal(err)
	}
	if got, err := cl.GetNetDevicesFromAux("mlx5_core.sf.4"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty net/: got %#v, %v; want an empty list", got, err)
	}

	n, err := cl.GetSfIndexByAuxDev("mlx5_core.sf.4")
	check(t, n, err, 88, false)
	for _, dev := range []string{"mlx5_core.eth.4", "mlx5_core.sf.19"} { // no sfnum; no device
		n, err := cl.GetSfIndexByAuxDev(dev)
		if err == nil || n != -1 {
			t.Errorf("GetSfIndexByAuxDev(%s): %d, %v; want -1 and an error", dev, n, err)
		}
	}
	if err := os.WriteFile(filepath.Join(tr.Root, "sys/bus/auxiliary/devices/mlx5_core.sf.4/sfnum"), []byte("NaN"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, err := cl.GetSfIndexByAuxDev("mlx5_core.sf.4"); err == nil || n != -1 {
		t.Errorf("sfnum NaN: %d, %v", n, err)
	}

	for _, dev := range []string{"mlx5_core.sf.4", "mlx5_core.eth.4", "mlx5_core.rdma.4"} { // nested ones walk up
		pf, err := cl.GetPfPciFromAux(dev)
		check(t, pf, err, "0000:03:00.0", false)
		up, err := cl.GetUplinkRepresentorFromAux(dev)
		check(t, up, err, "p0", false)
	}
	if pf, err := cl.GetPfPciFromAux("mlx5_core.eth.0"); err == nil || pf != "" {
		t.Errorf("GetPfPciFromAux of a missing device: %q, %v", pf, err)
	}
	if up, err := cl.GetUplinkRepresentorFromAux("mlx5_core.eth.0"); err == nil || up != "" {
		t.Errorf("GetUplinkRepresentorFromAux of a missing device: %q, %v", up, err)
	}
	// An auxiliary device below no PCI device: sriovnet never returns.
	if err := os.MkdirAll(filepath.Join(tr.Root, "sys/devices/platform/foo/foo.bar.0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../devices/platform/foo/foo.bar.0", filepath.Join(tr.Root, "sys/bus/auxiliary/devices/foo.bar.0")); err != nil {
		t.Fatal(err)
	}
	if pf, err := cl.GetPfPciFromAux("foo.bar.0"); err == nil || pf != "" {
		t.Errorf("GetPfPciFromAux of a platform aux device: %q, %v", pf, err)
	}
	// The SF's netdev belongs to the PF's PCI function (sriovnet walks up
	// to it).
	pci, err := cl.GetPciFromNetDevice("enp3s0f0s88")
	check(t, pci, err, "0000:03:00.0", false)

	for _, bad := range []string{"../mlx5_core.sf.4", "..", "", "a b"} {
		_, err1 := cl.GetNetDevicesFromAux(bad)
		_, err2 := cl.GetSfIndexByAuxDev(bad)
		_, err3 := cl.GetPfPciFromAux(bad)
		for _, err := range []error{err1, err2, err3} {
			if !errors.Is(err, errs.ErrInvalidArgument) {
				t.Errorf("%q: %v, want ErrInvalidArgument", bad, err)
			}
		}
	}
}

func TestGetPfIndexByVfPciAddress(t *testing.T) {
	t.Parallel()
	_, cl := tree(t, "0000:3b:00.0", 4, sw("p0", "p0"))
	got, err := cl.GetPfIndexByVfPciAddress("0000:3b:00.4")
	check(t, got, err, 0, false)
	_, cl1 := tree(t, "0000:3b:00.1", 3, sw("p1", "p1"))
	got, err = cl1.GetPfIndexByVfPciAddress("0000:3b:00.4") // routing ID 1+3
	check(t, got, err, 1, false)
	if got, err := cl1.GetPfIndexByVfPciAddress("0000:3b:00.1"); err == nil || got != -1 {
		t.Errorf("a PF: %d, %v; want -1 and an error", got, err)
	}
	if got, err := cl1.GetPfIndexByVfPciAddress("nonsense"); err == nil || got != -1 {
		t.Errorf("bad address: %d, %v", got, err)
	}
}

func TestIsVfPciVfioBound(t *testing.T) {
	t.Parallel()
	tr, cl := tree(t, "0000:02:00.0", 4, sw("p0", "p0"))
	drv := filepath.Join(tr.Root, "sys/devices/pci0000:02/0000:02:00.4/driver")
	if err := os.Remove(drv); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../bus/pci/drivers/vfio-pci", drv); err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{"0000:02:00.4": true, "0000:02:00.5": false, "0000:02:00.0": false, "0000:09:00.0": false, "../02:00.4": false} {
		if got := cl.IsVfPciVfioBound(addr); got != want {
			t.Errorf("IsVfPciVfioBound(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestGetSfRepresentor(t *testing.T) {
	t.Parallel()
	p0 := sw("p0", "p0")
	noUplink := port{"", "", true}
	cases := []struct {
		name       string
		ports      []port
		uplink     string // "" passes the PF's PCI address
		sfIndex    int
		want       string
		shouldFail bool
	}{
		{"Local SFs only", []port{p0, sw("eth0", "pf0sf0"), sw("eth1", "pf0sf1"), sw("eth2", "pf0sf2")}, "p0", 2, "eth2", false},
		{"Local SFs and External SFs, should return local SF representor", []port{p0, sw("eth0", "pf0sf0"), sw("eth1", "pf0sf1"), sw("eth2", "c1pf0sf2"), sw("eth3", "pf0sf2")}, "p0", 2, "eth3", false},
		{"Local SFs and External SFs - no uplink", []port{noUplink, sw("eth0", "pf0sf0"), sw("eth1", "pf0sf1"), sw("eth2", "c1pf0sf2"), sw("eth3", "pf0sf2")}, "", 2, "eth3", false},
		{"SF rep no found", []port{p0, sw("eth0", "pf0sf0"), sw("eth1", "pf0sf1"), sw("eth2", "c1pf0sf2")}, "p0", 2, "", true},
		{"SF rep no found - no uplink", []port{noUplink, sw("eth0", "pf0sf0"), sw("eth1", "pf0sf1"), sw("eth2", "c1pf0sf2")}, "", 2, "", true},
		{"SF rep no found no reps", []port{p0}, "p0", 2, "", true},
		{"SF rep no found only external reps", []port{p0, sw("eth0", "c1pf0sf0"), sw("eth1", "c1pf0sf1"), sw("eth2", "c1pf0sf2")}, "p0", 2, "", true},
		{"SF rep no found sf index not found", []port{p0, sw("eth0", "c1pf0sf0"), sw("eth1", "pf0sf1")}, "p0", 3, "", true},
		{"SF rep not found - no uplink", []port{p0}, "p1", 3, "", true},
		// Not in sriovnet's table.
		{"negative SF number", []port{p0, sw("eth0", "pf0sf0")}, "p0", -1, "", true},
		{"uplink is not switchdev", []port{{"p0", "p0", false}, sw("eth0", "pf0sf0")}, "p0", 0, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, cl := tree(t, "0000:03:00.0", 4, c.ports...)
			uplink := c.uplink
			if uplink == "" {
				uplink = "0000:03:00.0"
			}
			got, err := cl.GetSfRepresentor(uplink, c.sfIndex)
			check(t, got, err, c.want, c.shouldFail)
		})
	}
	t.Run("bf2-dpu tree", func(t *testing.T) {
		_, cl := bf2(t)
		got, err := cl.GetSfRepresentor("p0", 88)
		check(t, got, err, "en3f0pf0sf88", false)
		got, err = cl.GetSfRepresentor("0000:03:00.0", 88)
		check(t, got, err, "en3f0pf0sf88", false)
	})
}

func TestGetPfRepresentorDPU(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		ports      []port
		pfID       string
		want       string
		shouldFail bool
		notFound   bool
	}{
		{"PF representor with controller index", []port{sw("p1", "p1"), sw("eth0", "c1pf0"), sw("eth1", "c1pf1")}, "0", "eth0", false, false},
		{"PF representor with controller index - pf1", []port{sw("eth0", "c1pf0"), sw("eth1", "c1pf1")}, "1", "eth1", false, false},
		{"PF representor without controller index (legacy)", []port{sw("eth0", "pf0"), sw("eth1", "pf1")}, "1", "eth1", false, false},
		{"PF representor not found", []port{sw("eth0", "c1pf0")}, "1", "", true, true},
		{"invalid pfID", nil, "3", "", true, false},
		{"invalid pfID - non-numeric", nil, "bla", "", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, cl := tree(t, "0000:03:00.0", 4, append([]port{sw("p0", "p0")}, c.ports...)...)
			got, err := cl.GetPfRepresentorDPU(c.pfID)
			check(t, got, err, c.want, c.shouldFail)
			if c.notFound && !errors.Is(err, ErrRepresentorNotFound) {
				t.Errorf("error %v is not ErrRepresentorNotFound", err)
			}
		})
	}
	t.Run("bf2-dpu tree", func(t *testing.T) {
		_, cl := bf2(t)
		got, err := cl.GetPfRepresentorDPU("0")
		check(t, got, err, "pf0hpf", false)
		_, err = cl.GetPfRepresentorDPU("1")
		check(t, "", err, "", true)
	})
}

// dpuConfig is what MLNX_OFED's mlx5 prints in smart_nic/pf/config, as in
// sriovnet's TestGetRepresentorPeerMacAddress.
const dpuConfig = "\nMAC        : 0c:42:a1:de:cf:7c\nMaxTxRate  : 0\nState      : Follow\n"

func TestGetRepresentorPeerMacAddress(t *testing.T) {
	t.Parallel()
	ports := []port{sw("p0", "p0"), sw("pf0hpf", "pf0"), sw("pf0vf5", "pf0vf5"), sw("pf0vf10", "c1pf0vf10"), sw("pf0sf5", "pf0sf5"), sw("pf0sf10", "c1pf0sf10")}
	tr, _ := tree(t, "0000:03:00.0", 4, ports...)
	cfg := filepath.Join(tr.Root, "sys/class/net/p0/smart_nic/pf/config")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(dpuConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	// Without devlink (sriovnet's test fails its devlink mock): sysfs.
	h, err := offload.Open(offload.Config{Root: tr.Root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	cl := New(h)
	for _, c := range []struct {
		netdev, want string
	}{
		{"pf0hpf", "0c:42:a1:de:cf:7c"}, {"pf0vf5", ""}, {"pf0vf10", ""}, {"pf0sf5", ""}, {"pf0sf10", ""}, {"p0", ""}, {"foobar", ""},
	} {
		mac, err := cl.GetRepresentorPeerMacAddress(c.netdev)
		if c.want == "" {
			if err == nil {
				t.Errorf("%s: got %v, want an error", c.netdev, mac)
			}
			continue
		}
		if err != nil || mac.String() != c.want {
			t.Errorf("%s: got %v, %v; want %s", c.netdev, mac, err, c.want)
		}
	}
	if err := os.WriteFile(cfg, []byte("MaxTxRate : 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if mac, err := cl.GetRepresentorPeerMacAddress("pf0hpf"); err == nil {
		t.Errorf("config without MAC: got %v", mac)
	}

	// With devlink (the fake kernel's port function): its hw_addr wins,
	// as in sriovnet's TestGetRepresentorPeerMacAddressDevlink.
	_, cl = bf2(t)
	mac, err := cl.GetRepresentorPeerMacAddress("pf0hpf")
	if err != nil || mac == nil {
		t.Errorf("devlink: got %v, %v", mac, err)
	}
}

func TestBadInputTouchesNothingMore(t *testing.T) {
	t.Parallel()
	tr, cl := bf2(t)
	before := tr.Writes()
	for _, err := range []error{
		func() error { _, err := cl.GetSfRepresentor("../p0", 0); return err }(),
		func() error { _, err := cl.GetPfRepresentorDPU("../0"); return err }(),
		func() error { _, err := cl.GetRepresentorPeerMacAddress("a/b"); return err }(),
		func() error { _, err := cl.GetPfIndexByVfPciAddress("0000:03:00.4/.."); return err }(),
		func() error { _, err := cl.GetUplinkRepresentorFromAux("x/../../y"); return err }(),
	} {
		if !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("got %v, want ErrInvalidArgument", err)
		}
	}
	if !cmp.Equal(before, tr.Writes()) {
		t.Error("sysfs was written")
	}
}

// The signatures of sriovnet v1.3.0's functions added for ovn-kubernetes.
var (
	_ func(string) ([]string, error)         = GetNetDevicesFromAux
	_ func(string) (string, error)           = GetUplinkRepresentorFromAux
	_ func(string) (int, error)              = GetPfIndexByVfPciAddress
	_ func(string) (int, error)              = GetSfIndexByAuxDev
	_ func(string, int) (string, error)      = GetSfRepresentor
	_ func(string) (string, error)           = GetPfPciFromAux
	_ func(string) (string, error)           = GetPfRepresentorDPU
	_ func(string) (net.HardwareAddr, error) = GetRepresentorPeerMacAddress
	_ func(string) bool                      = IsVfPciVfioBound
	_ string                                 = PciSysDir
)
