package offload_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

var pci = offload.MustParsePCIAddress

func TestDiscoverEveryTree(t *testing.T) {
	t.Parallel()
	// What each bundled tree must look like through Discover.
	type pfWant struct {
		addr, id, driver, uplink string
		total, num, reps, vfs    int
		bond                     string
	}
	want := map[string][]pfWant{
		"cx5-legacy":    {{"0000:84:00.0", "15b3:1017", "mlx5_core", "enp132s0f0np0", 127, 4, 0, 4, ""}, {"0000:84:00.1", "15b3:1017", "mlx5_core", "enp132s0f1np1", 127, 0, 0, 0, ""}},
		"cx5-switchdev": {{"0000:84:00.0", "15b3:1017", "mlx5_core", "enp132s0f0np0", 127, 4, 4, 4, ""}, {"0000:84:00.1", "15b3:1017", "mlx5_core", "enp132s0f1np1", 127, 4, 4, 4, ""}},
		"cx5-bond":      {{"0000:84:00.0", "15b3:1017", "mlx5_core", "enp132s0f0np0", 127, 0, 0, 0, "bond1"}, {"0000:84:00.1", "15b3:1017", "mlx5_core", "enp132s0f1np1", 127, 0, 0, 0, "bond1"}},
		"bf2-dpu":       {{"0000:03:00.0", "15b3:a2d6", "mlx5_core", "p0", 16, 0, 6, 0, ""}},
		"agilio-flower": {{"0000:af:00.0", "19ee:4000", "nfp", "ens47np0", 65, 4, 4, 4, ""}},
		"yusur-2200e":   {{"0000:00:0a.0", "1f47:1001", "yusur_nic", "p0", 256, 7, 0, 7, ""}, {"0000:00:0b.0", "1f47:1001", "yusur_nic", "p1", 256, 0, 0, 0, ""}},
		"e810-ice":      {{"0000:3b:00.0", "8086:1592", "ice", "ens785f0", 256, 0, 0, 0, ""}},
	}
	for _, name := range offloadtest.Names() {
		if name == "large" {
			continue // covered by the benchmark and TestLargeTree
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := offloadtest.NewByName(t, name).Host(t)
			pfs, err := h.Discover(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for tree %s", name)
			}
			if len(pfs) != len(w) {
				t.Fatalf("got %d PFs, want %d", len(pfs), len(w))
			}
			for i, pf := range pfs {
				up, _ := pf.Uplink()
				bond := ""
				if pf.Bond != nil {
					bond = pf.Bond.Name
				}
				got := pfWant{pf.Address.String(), pf.ID.String(), pf.Driver, up.Name, pf.TotalVFs, pf.NumVFs, len(pf.Representors), len(pf.VFs), bond}
				if got != w[i] {
					t.Errorf("PF %d:\n got %+v\nwant %+v", i, got, w[i])
				}
			}
		})
	}
}

func TestDiscoverFilter(t *testing.T) {
	t.Parallel()
	h := offloadtest.NewByName(t, "cx5-switchdev").Host(t)
	ctx := context.Background()
	pfs, err := h.Discover(ctx, offload.Filter{Vendor: offload.VendorYUSUR})
	if err != nil || len(pfs) != 0 {
		t.Fatalf("YUSUR filter on a Mellanox host: %d PFs, %v", len(pfs), err)
	}
	pfs, err = h.Discover(ctx, offload.Filter{Vendor: offload.VendorMellanox, Device: 0x1017, Driver: "mlx5_core"})
	if err != nil || len(pfs) != 2 {
		t.Fatalf("Mellanox filter: %d PFs, %v", len(pfs), err)
	}
}

func TestDiscoverEmptyRoot(t *testing.T) {
	t.Parallel()
	h, err := offload.Open(offload.Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	pfs, err := h.Discover(context.Background())
	if err != nil || len(pfs) != 0 {
		t.Fatalf("empty root: %v, %v", pfs, err)
	}
}

func TestVFsAndIndex(t *testing.T) {
	t.Parallel()
	h := offloadtest.NewByName(t, "cx5-switchdev").Host(t)
	ctx := context.Background()
	vfs, err := h.VFs(ctx, pci("0000:84:00.1"))
	if err != nil {
		t.Fatal(err)
	}
	wantAddr := []string{"0000:84:00.6", "0000:84:00.7", "0000:84:01.0", "0000:84:01.1"}
	for i, vf := range vfs {
		if vf.Address.String() != wantAddr[i] || vf.Index != i || vf.Driver != "mlx5_core" || vf.Netdev != fmt.Sprintf("enp132s0f1v%d", i) || vf.ID.String() != "15b3:1018" {
			t.Errorf("VF %d = %+v", i, vf)
		}
		idx, err := h.VFIndex(ctx, vf.Address)
		if err != nil || idx != i {
			t.Errorf("VFIndex(%s) = %d, %v; want %d", vf.Address, idx, err, i)
		}
		pf, err := h.PFOfVF(vf.Address)
		if err != nil || pf.String() != "0000:84:00.1" {
			t.Errorf("PFOfVF(%s) = %s, %v", vf.Address, pf, err)
		}
	}
	if _, err := h.PFOfVF(pci("0000:84:00.0")); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("PFOfVF(PF) = %v, want errs.ErrNotFound", err)
	}
	if _, err := h.PFOfVF(pci("0000:99:00.0")); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("PFOfVF(absent) = %v, want errs.ErrNotFound", err)
	}
}

func TestVFRepresentor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		tree, vf, rep, portName string
	}{
		{"cx5-switchdev", "0000:84:00.2", "enp132s0f0r0", "pf0vf0"},
		{"cx5-switchdev", "0000:84:00.5", "enp132s0f0r3", "pf0vf3"},
		{"cx5-switchdev", "0000:84:01.1", "enp132s0f1r3", "pf1vf3"},
		{"agilio-flower", "0000:af:01.1", "eth1", "pf0vf1"},
	}
	for _, tt := range tests {
		t.Run(tt.tree+"/"+tt.vf, func(t *testing.T) {
			t.Parallel()
			h := offloadtest.NewByName(t, tt.tree).Host(t)
			r, err := h.VFRepresentor(ctx, pci(tt.vf))
			if err != nil {
				t.Fatal(err)
			}
			if r.Netdev != tt.rep || r.PortName.Raw != tt.portName || r.PortName.Flavour != offload.PortFlavourPCIVF {
				t.Errorf("VFRepresentor(%s) = %+v, want %s (%s)", tt.vf, r, tt.rep, tt.portName)
			}
			// A second lookup comes from the cache and must agree.
			r2, err := h.VFRepresentor(ctx, pci(tt.vf))
			if err != nil || r2.Netdev != r.Netdev {
				t.Errorf("second lookup: %+v, %v", r2, err)
			}
		})
	}
}

func TestRepresentorKinds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := offloadtest.NewByName(t, "bf2-dpu").Host(t)
	pf := pci("0000:03:00.0")
	up, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPhysical, PF: -1})
	if err != nil || up.Netdev != "p0" || up.PortName.Flavour != offload.PortFlavourPhysical {
		t.Errorf("uplink = %+v, %v", up, err)
	}
	hpf, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIPF, Controller: 1, PF: 0})
	if err != nil || hpf.Netdev != "pf0hpf" || hpf.PortName.Controller != 1 {
		t.Errorf("host PF rep = %+v, %v", hpf, err)
	}
	ext, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, Controller: 1, PF: 0, VF: 2})
	if err != nil || ext.Netdev != "pf0vf2host" || ext.PortName.Raw != "c1pf0vf2" {
		t.Errorf("host VF rep = %+v, %v", ext, err)
	}
	sf, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCISF, PF: int(pf.Function), SF: 88})
	if err != nil || sf.Netdev != "en3f0pf0sf88" || sf.PortName.SF != 88 {
		t.Errorf("SF rep = %+v, %v", sf, err)
	}
	// VF 2 of the DPU itself does not exist (no local VFs): not found, and
	// the host's c1pf0vf2 must not be mistaken for it.
	if r, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: int(pf.Function), VF: 2}); err == nil {
		t.Errorf("local VF 2 resolved to %+v", r)
	}
	ports, err := h.Devlink(offload.PCIDevice(pf)).Representors(ctx)
	var reps []offload.Representor
	for _, r := range ports {
		if r.PortName.Flavour != offload.PortFlavourPhysical {
			reps = append(reps, r)
		}
	}
	if err != nil || len(reps) != 6 {
		t.Fatalf("Representors = %d, %v", len(reps), err)
	}
	r, err := h.RepresentorOf(ctx, "pf0vf3host")
	if err != nil || r.PortName.VF != 3 || r.PortName.Controller != 1 || r.PF != pf {
		t.Errorf("RepresentorOf = %+v, %v", r, err)
	}
}

func TestAgilioPFNetdevs(t *testing.T) {
	t.Parallel()
	h := offloadtest.NewByName(t, "agilio-flower").Host(t)
	pf, err := h.PF(context.Background(), pci("0000:af:00.0"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range pf.Netdevs {
		names = append(names, n.Name+"="+n.PortName.Raw)
	}
	// The PF vNIC has no phys_port_name; p0 is the physical port.
	if !slices.Equal(names, []string{"ens47=", "ens47np0=p0"}) {
		t.Errorf("PF netdevs = %v", names)
	}
	if up, _ := pf.Uplink(); up.Name != "ens47np0" {
		t.Errorf("uplink = %s", up.Name)
	}
}

func TestRepresentorNotSwitchdev(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tree := range []string{"cx5-legacy", "yusur-2200e"} {
		h := offloadtest.NewByName(t, tree).Host(t)
		pfs, err := h.Discover(ctx)
		if err != nil {
			t.Fatal(err)
		}
		vf := pfs[0].VFs[0].Address
		_, err = h.VFRepresentor(ctx, vf)
		if !errors.Is(err, errs.ErrNotSwitchdev) || !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("%s: VFRepresentor(%s) = %v, want errs.ErrNotSwitchdev and errs.ErrNotFound", tree, vf, err)
		}
	}
}

func TestRepresentorCacheFollowsRename(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h := tr.Host(t)
	vf := pci("0000:84:00.3")
	r, err := h.VFRepresentor(ctx, vf)
	if err != nil {
		t.Fatal(err)
	}
	// Rename the representor behind the cache's back, as a CNI does.
	devDir := filepath.Join(tr.Root, "sys/devices/pci0000:84/0000:84:00.0/net")
	if err := os.Rename(filepath.Join(devDir, r.Netdev), filepath.Join(devDir, "c0ffee_h")); err != nil {
		t.Fatal(err)
	}
	classNet := filepath.Join(tr.Root, "sys/class/net")
	_ = os.Remove(filepath.Join(classNet, r.Netdev))
	if err := os.Symlink("../../devices/pci0000:84/0000:84:00.0/net/c0ffee_h", filepath.Join(classNet, "c0ffee_h")); err != nil {
		t.Fatal(err)
	}
	r2, err := h.VFRepresentor(ctx, vf)
	if err != nil || r2.Netdev != "c0ffee_h" {
		t.Fatalf("after rename: %+v, %v", r2, err)
	}
}

func TestPhysPortNameUnreadableMeansNone(t *testing.T) {
	t.Parallel()
	for _, errno := range []syscall.Errno{syscall.EOPNOTSUPP, syscall.EINVAL, syscall.ENODATA} {
		tr := offloadtest.NewByName(t, "e810-ice")
		tr.FailRead("sys/class/net/ens785f0/phys_port_name", errno)
		h := tr.Host(t)
		nd, err := h.Netdev("ens785f0")
		if err != nil {
			t.Errorf("%v: Netdev: %v", errno, err)
			continue
		}
		if nd.PortName.Raw != "" || nd.PortName.Flavour != offload.PortFlavourUnknown {
			t.Errorf("%v: got %+v, want no phys_port_name", errno, nd)
		}
	}
	// A real I/O error is not "none".
	tr := offloadtest.NewByName(t, "e810-ice")
	tr.FailRead("sys/class/net/ens785f0/phys_port_name", syscall.EIO)
	if _, err := tr.Host(t).Netdev("ens785f0"); err == nil {
		t.Errorf("EIO on phys_port_name was swallowed")
	}
}

func TestSetNumVFs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := tr.Host(t)
	pf := pci("0000:84:00.0")
	// 4 -> 8 must go through 0, or the kernel says EBUSY.
	if err := h.SetNumVFs(ctx, pf, 8); err != nil {
		t.Fatal(err)
	}
	writes := tr.Writes()
	wantWrites := []string{"sys/bus/pci/devices/0000:84:00.0/sriov_numvfs=0", "sys/bus/pci/devices/0000:84:00.0/sriov_numvfs=8"}
	if !slices.Equal(writes, wantWrites) {
		t.Errorf("writes = %q, want %q", writes, wantWrites)
	}
	vfs, err := h.VFs(ctx, pf)
	if err != nil || len(vfs) != 8 || vfs[7].Netdev != "enp132s0f0v7" {
		t.Fatalf("after SetNumVFs(8): %d VFs, %v", len(vfs), err)
	}
	// Same count: nothing written.
	if err := h.SetNumVFs(ctx, pf, 8); err != nil || len(tr.Writes()) != 2 {
		t.Errorf("SetNumVFs(same) wrote: %v, %v", tr.Writes(), err)
	}
	// Over the limit: refused before any write.
	err = h.SetNumVFs(ctx, pf, 128)
	if !errors.Is(err, errs.ErrInvalidArgument) || len(tr.Writes()) != 2 {
		t.Errorf("SetNumVFs(128 > 127) = %v, writes %v", err, tr.Writes())
	}
	if err := h.SetNumVFs(ctx, pf, 0); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.NumVFs(ctx, pf); n != 0 {
		t.Errorf("NumVFs after 0 = %d", n)
	}
}

func TestSetNumVFsKernelEBUSY(t *testing.T) {
	t.Parallel()
	// The fake kernel, like Linux, refuses N->M; writing it by hand shows it.
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := tr.Host(t)
	err := tr.SetESwitchMode("0000:84:00.0", offload.ESwitchModeLegacy)
	if err != nil {
		t.Fatal(err)
	}
	_, werr := tr.WriteFile(context.Background(), "sys/bus/pci/devices/0000:84:00.0/sriov_numvfs", []byte("2"))
	if !errors.Is(werr, syscall.EBUSY) {
		t.Fatalf("fake kernel N->M = %v, want EBUSY", werr)
	}
	// And the library maps a kernel EBUSY to errs.ErrBusy.
	tr.FailWrite("sys/bus/pci/devices/0000:84:00.1/sriov_numvfs", syscall.EBUSY)
	err = h.SetNumVFs(context.Background(), pci("0000:84:00.1"), 2)
	if !errors.Is(err, errs.ErrBusy) {
		t.Errorf("SetNumVFs with EBUSY = %v, want errs.ErrBusy", err)
	}
	var oe *errs.Error
	if !errors.As(err, &oe) || oe.Device != "0000:84:00.1" || oe.Path == "" {
		t.Errorf("error %v lacks device/path: %+v", err, oe)
	}
}

func TestSetNumVFsRestoresOnFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := tr.Host(t)
	pf := pci("0000:84:00.0")
	hooks := &failSecondWrite{Tree: tr, rel: "sys/bus/pci/devices/0000:84:00.0/sriov_numvfs", on: "6"}
	h2, err := offload.Open(offload.Config{Root: tr.Root, SysfsHooks: hooks})
	if err != nil {
		t.Fatal(err)
	}
	_ = h
	err = h2.SetNumVFs(ctx, pf, 6)
	if !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("SetNumVFs = %v, want the injected EINVAL", err)
	}
	if n, _ := h2.NumVFs(ctx, pf); n != 4 {
		t.Errorf("after failed change NumVFs = %d, want the original 4 restored", n)
	}
}

// failSecondWrite fails the write of value on to rel, once.
type failSecondWrite struct {
	*offloadtest.Tree
	rel, on string
	done    bool
}

func (f *failSecondWrite) WriteFile(ctx context.Context, rel string, data []byte) (bool, error) {
	if rel == f.rel && string(data) == f.on && !f.done {
		f.done = true
		return true, syscall.EINVAL
	}
	return f.Tree.WriteFile(ctx, rel, data)
}

func TestSetNumVFsHangsUntilDeadline(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "e810-ice")
	tr.HangWrite("sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs")
	h := tr.Host(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := h.SetNumVFs(ctx, pci("0000:3b:00.0"), 4)
	if !errors.Is(err, errs.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SetNumVFs on a hanging write = %v, want errs.ErrTimeout wrapping DeadlineExceeded", err)
	}
}

func TestWaitVFsTimesOutWithReason(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := tr.Host(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := h.WaitVFs(ctx, pci("0000:84:00.0"), 5)
	if !errors.Is(err, errs.ErrTimeout) {
		t.Fatalf("WaitVFs = %v", err)
	}
}

func TestUnbindBind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := tr.Host(t)
	vf := pci("0000:84:00.3")
	drv, err := h.UnbindVF(ctx, vf)
	if err != nil || drv != "mlx5_core" {
		t.Fatalf("UnbindVF = %q, %v", drv, err)
	}
	v, err := h.VF(ctx, vf)
	if err != nil || v.Driver != "" || v.Netdev != "" {
		t.Fatalf("after unbind: %+v, %v", v, err)
	}
	// Unbinding twice is a no-op.
	if drv, err := h.UnbindVF(ctx, vf); err != nil || drv != "" {
		t.Errorf("second UnbindVF = %q, %v", drv, err)
	}
	if err := h.BindVF(ctx, vf, "mlx5_core"); err != nil {
		t.Fatal(err)
	}
	v, err = h.VF(ctx, vf)
	if err != nil || v.Driver != "mlx5_core" || v.Netdev != "enp132s0f0v1" {
		t.Fatalf("after bind: %+v, %v", v, err)
	}
	if err := h.BindVF(ctx, vf, "vfio-pci"); !errors.Is(err, errs.ErrBusy) {
		t.Errorf("BindVF to a second driver = %v, want errs.ErrBusy", err)
	}
	if err := h.SetDriverOverride(ctx, vf, "vfio-pci"); err != nil {
		t.Error(err)
	}
	if err := h.SetDriversAutoprobe(ctx, pci("0000:84:00.0"), false); err != nil {
		t.Error(err)
	}
	if on, err := h.DriversAutoprobe(ctx, pci("0000:84:00.0")); err != nil || on {
		t.Errorf("DriversAutoprobe = %v, %v", on, err)
	}
}

func TestBond(t *testing.T) {
	t.Parallel()
	h := offloadtest.NewByName(t, "cx5-bond").Host(t)
	b, err := h.BondOf(context.Background(), "enp132s0f1np1")
	if err != nil || b == nil {
		t.Fatalf("BondOf = %v, %v", b, err)
	}
	if b.Name != "bond1" || b.Mode != offload.BondMode8023AD || !b.Mode.VFLAGCapable() || !slices.Equal(b.Slaves, []string{"enp132s0f0np0", "enp132s0f1np1"}) {
		t.Errorf("bond = %+v", b)
	}
	if b, err := h.BondOf(context.Background(), "eno1"); b != nil || err != nil {
		t.Errorf("eno1 bond = %v, %v", b, err)
	}
	for in, want := range map[string]offload.BondMode{"active-backup 1": offload.BondModeActiveBackup, "balance-xor 2": offload.BondModeBalanceXOR, "0": offload.BondModeBalanceRR, "": offload.BondModeUnknown, "weird": offload.BondModeUnknown} {
		if got := offload.ParseBondMode(in); got != want {
			t.Errorf("ParseBondMode(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestHostileInputs feeds values a CNI request could carry; each must be
// refused with errs.ErrInvalidArgument and no file may be written.
func TestHostileInputs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h := tr.Host(t)
	names := []string{"", ".", "..", "../../etc", "a/b", "eth0/../../", "eth0:1", "eth 0", "eth\t0", "eth\n0",
		"eth0\x00", "aaaaaaaaaaaaaaaa", "/", "a\rb", "../sys/bus/pci/devices/0000:84:00.0"}
	drivers := []string{"", "..", "../../../../etc", "mlx5_core/../x", "a b", "drv\x00", "mlx5 core"}
	pcis := []string{"0000:84:00.0/../../x", "../../etc/passwd", "0000:84:00.8", "84:00.0\n", "zz:00.0", "0000:84:20.0"}
	checked := 0
	for _, n := range names {
		for _, call := range []func() error{
			func() error { _, err := h.Netdev(n); return err },
			func() error { _, err := h.BondOf(ctx, n); return err },
			func() error { _, err := h.RepresentorOf(ctx, n); return err },
			func() error { _, err := h.PCIAddressOfNetdev(ctx, n); return err },
		} {
			if err := call(); !errors.Is(err, errs.ErrInvalidArgument) {
				t.Errorf("name %q: %v, want errs.ErrInvalidArgument", n, err)
			}
			checked++
		}
	}
	vf := pci("0000:84:00.2")
	for _, d := range drivers {
		if err := h.BindVF(ctx, vf, d); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("BindVF driver %q: %v", d, err)
		}
		checked++
		if d != "" {
			if err := h.SetDriverOverride(ctx, vf, d); !errors.Is(err, errs.ErrInvalidArgument) {
				t.Errorf("SetDriverOverride %q: %v", d, err)
			}
			checked++
		}
	}
	for _, p := range pcis {
		if _, err := offload.ParsePCIAddress(p); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("PCI %q: %v", p, err)
		}
		checked++
	}
	for _, n := range []int{-1, 128, 1 << 30} {
		if err := h.SetNumVFs(ctx, pci("0000:84:00.0"), n); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("SetNumVFs(%d): %v", n, err)
		}
		checked++
	}
	if _, err := h.Devlink(offload.PCIDevice(pci("0000:84:00.0"))).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: int(pci("0000:84:00.0").Function), VF: -3}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("negative VF index: %v", err)
	}
	checked++
	if w := tr.Writes(); len(w) != 0 {
		t.Fatalf("hostile input caused writes: %q", w)
	}
	if checked < 30 {
		t.Fatalf("only %d hostile inputs checked", checked)
	}
	t.Logf("%d hostile inputs rejected, 0 writes", checked)
}

func TestTwoHostsInParallel(t *testing.T) {
	t.Parallel()
	a := offloadtest.NewByName(t, "cx5-switchdev")
	b := offloadtest.NewByName(t, "agilio-flower")
	ha, hb := a.Host(t), b.Host(t)
	done := make(chan error, 2)
	for _, h := range []*offload.Host{ha, hb} {
		go func() {
			for i := 0; i < 20; i++ {
				pfs, err := h.Discover(context.Background())
				if err != nil {
					done <- err
					return
				}
				for _, pf := range pfs {
					for _, vf := range pf.VFs {
						if _, err := h.VFRepresentor(context.Background(), vf.Address); err != nil {
							done <- err
							return
						}
					}
				}
			}
			done <- nil
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if ha.FS().Root() == hb.FS().Root() {
		t.Fatal("hosts share a root")
	}
}

// TestFiveDigitDomain runs discovery and lookups on a PF behind a VMD
// controller, whose PCI domain has five hex digits (10000:...).
func TestFiveDigitDomain(t *testing.T) {
	t.Parallel()
	spec := offloadtest.CX5Switchdev()
	spec.PFs = spec.PFs[:1]
	spec.PFs[0].Address = "10000:e1:00.0"
	h := offloadtest.New(t, spec).Host(t)
	ctx := context.Background()
	pfs, err := h.Discover(ctx)
	if err != nil || len(pfs) != 1 || pfs[0].Address.String() != "10000:e1:00.0" || len(pfs[0].VFs) != 4 {
		t.Fatalf("Discover = %+v, %v", pfs, err)
	}
	vf := pfs[0].VFs[3]
	if vf.Address.String() != "10000:e1:00.5" {
		t.Fatalf("VF 3 = %s", vf.Address)
	}
	r, err := h.VFRepresentor(ctx, vf.Address)
	if err != nil || r.PortName.VF != 3 || r.PF.String() != "10000:e1:00.0" {
		t.Fatalf("VFRepresentor = %+v, %v", r, err)
	}
}

// swallowWrite claims writes to rel succeed without changing anything: a
// kernel that accepts a value and ignores it.
type swallowWrite struct {
	*offloadtest.Tree
	rel string
}

func (f *swallowWrite) WriteFile(ctx context.Context, rel string, data []byte) (bool, error) {
	if rel == f.rel {
		return true, nil
	}
	return f.Tree.WriteFile(ctx, rel, data)
}

func TestSetDriversAutoprobeReadsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	pf := pci("0000:84:00.0")
	hooks := &swallowWrite{Tree: tr, rel: "sys/bus/pci/devices/0000:84:00.0/sriov_drivers_autoprobe"}
	h, err := offload.Open(offload.Config{Root: tr.Root, SysfsHooks: hooks})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if on, err := h.DriversAutoprobe(ctx, pf); err != nil || !on {
		t.Fatalf("DriversAutoprobe before = %v, %v; the tree starts with autoprobe on", on, err)
	}
	if err := h.SetDriversAutoprobe(ctx, pf, false); !errors.Is(err, errs.ErrNotApplied) {
		t.Fatalf("SetDriversAutoprobe with the write ignored = %v, want errs.ErrNotApplied", err)
	}
}
