package corigine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload/switchdev"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	corigine "github.com/offloadkit/offloadkit/vendor_corigine"
)

const agilioPF = "0000:af:00.0"

// writeVPD puts a VPD image with part number pn on the tree's Agilio PF.
func writeVPD(t *testing.T, tr *offloadtest.Tree, pn string) {
	t.Helper()
	ro := append([]byte{'P', 'N', byte(len(pn))}, pn...)
	ro = append(ro, 'R', 'V', 1, 0)
	img := append([]byte{0x90, byte(len(ro)), 0}, ro...)
	img = append(img, 0x78)
	if err := os.WriteFile(filepath.Join(tr.Root, "sys/bus/pci/devices", agilioPF, "vpd"), img, 0o644); err != nil {
		t.Fatal(err)
	}
}

// firmwareDir makes a netronome firmware directory with the given images
// under flower/.
func firmwareDir(t *testing.T, images ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "flower"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, img := range images {
		if err := os.WriteFile(filepath.Join(dir, "flower", img), []byte("nffw"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFirmwareFromVPD(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "agilio-flower")
	writeVPD(t, tr, "AMDA0096-0001")
	h := withEngine(tr.Host(t), corigine.New())
	dir := firmwareDir(t, "nic_AMDA0096.nffw")
	ctx := context.Background()
	pf := offload.MustParsePCIAddress(agilioPF)
	sel, err := corigine.PlanFirmware(ctx, switchdev.ViewOf(h.Host), pf, corigine.FirmwareOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if sel.Assembly != "AMDA0096" || sel.Source != "vpd" || sel.Link.Path != filepath.Join(dir, "pci-0000:af:00.0.nffw") ||
		sel.Link.Target != "flower/nic_AMDA0096.nffw" || !sel.ImageExists || sel.Quirk != nil || sel.UpToDate() {
		t.Fatalf("selection: %+v", sel)
	}
	if !sel.FlowerRunning || sel.ReloadNeeded() {
		t.Errorf("flower runs on this tree: %+v", sel)
	}
	if err := sel.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := os.Readlink(sel.Link.Path); err != nil || got != "flower/nic_AMDA0096.nffw" {
		t.Fatalf("link: %q, %v", got, err)
	}
	again, err := corigine.PlanFirmware(ctx, switchdev.ViewOf(h.Host), pf, corigine.FirmwareOptions{Dir: dir})
	if err != nil || !again.UpToDate() {
		t.Fatalf("second selection not up to date: %+v, %v", again, err)
	}
	if n := tr.Reloads(agilioPF); n != 0 {
		t.Errorf("the driver was reloaded %d times; offloadkit must never reload", n)
	}
}

// TestFirmwareQuirk: AMDA0081 cards use the AMDA0097 image; the script
// links nic_AMDA0081.nffw to it when the package has none.
func TestFirmwareQuirk(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "agilio-flower")
	h := tr.Host(t)
	dir := firmwareDir(t, "nic_AMDA0097.nffw")
	ctx := context.Background()
	sel, err := corigine.PlanFirmware(ctx, switchdev.ViewOf(h), offload.MustParsePCIAddress(agilioPF), corigine.FirmwareOptions{Dir: dir, Assembly: "AMDA0081"})
	if err != nil {
		t.Fatal(err)
	}
	if sel.Quirk == nil || sel.Quirk.Target != "nic_AMDA0097.nffw" || sel.Link.Target != "flower/nic_AMDA0081.nffw" || sel.Source != "given" || !sel.ImageExists {
		t.Fatalf("selection: %+v", sel)
	}
	if err := sel.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	// The chain resolves to the AMDA0097 image.
	b, err := os.ReadFile(sel.Link.Path)
	if err != nil || string(b) != "nffw" {
		t.Fatalf("link chain: %q, %v", b, err)
	}
	if !strings.Contains(sel.String(), "AMDA0081 uses the AMDA0097 image") {
		t.Errorf("rendering: %s", sel)
	}
}

func TestFirmwareRefusals(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "agilio-flower")
	h := tr.Host(t)
	ctx := context.Background()
	pf := offload.MustParsePCIAddress(agilioPF)
	// Nothing exposes the assembly: the error says how to read it by hand.
	_, err := corigine.PlanFirmware(ctx, switchdev.ViewOf(h), pf, corigine.FirmwareOptions{Dir: t.TempDir()})
	if !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "ethtool -w") {
		t.Errorf("no assembly: %v", err)
	}
	// devlink info board.id.
	sel, err := corigine.PlanFirmware(ctx, switchdev.ViewOf(h), pf, corigine.FirmwareOptions{Dir: t.TempDir(),
		BoardID: func(context.Context, offload.PCIAddress) (string, error) { return "AMDA2001-1003", nil }})
	if err != nil || sel.Assembly != "AMDA2001" || sel.Source != "devlink info board.id" {
		t.Fatalf("board.id: %+v, %v", sel, err)
	}
	// The image is not installed: Apply refuses and creates nothing.
	if err := sel.Apply(ctx); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("missing image: %v", err)
	}
	if _, err := os.Lstat(sel.Link.Path); err == nil {
		t.Error("link created for a missing image")
	}
	// A bad override and a path-like one are refused.
	for _, a := range []string{"AMDA97", "../AMDA0097", "AMDA0097/x"} {
		if _, err := corigine.PlanFirmware(ctx, switchdev.ViewOf(h), pf, corigine.FirmwareOptions{Assembly: a}); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("assembly %q: %v", a, err)
		}
	}
	if _, err := corigine.PlanFirmware(ctx, switchdev.ViewOf(h), pf, corigine.FirmwareOptions{Assembly: "AMDA0097", App: "../nic"}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad app: %v", err)
	}
}

// nicFirmware is the Agilio tree as it is with the NIC firmware: no
// switchdev eswitch, no representors.
func nicFirmware() offloadtest.Spec {
	s := offloadtest.AgilioFlower()
	s.Name = "agilio-nic"
	p := &s.PFs[0]
	p.Mode = offload.ESwitchModeLegacy
	p.SwitchID, p.RepNetdev, p.RepPortName, p.ExtraNetdevs = "", "", "", nil
	return s
}

// TestNoFlowerFirmware: without the flower firmware, planning is refused
// with the firmware fix, nothing is written, and no driver is reloaded.
func TestNoFlowerFirmware(t *testing.T) {
	t.Parallel()
	tr := offloadtest.New(t, nicFirmware())
	writeVPD(t, tr, "AMDA0097-0001")
	h := withEngine(tr.Host(t), corigine.New())
	ctx := context.Background()
	pf := offload.MustParsePCIAddress(agilioPF)
	_, err := h.Plan(ctx, pf, switchdev.Spec{NumVFs: 2, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev})
	if !errors.Is(err, errs.ErrNotSupported) || !strings.Contains(err.Error(), "rmmod nfp; modprobe nfp") || !strings.Contains(err.Error(), "nic_AMDA0097.nffw") {
		t.Fatalf("got %v", err)
	}
	if w := tr.Writes(); len(w) != 0 {
		t.Errorf("writes: %v", w)
	}
	rep, err := h.Doctor(ctx, switchdev.DoctorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range rep.Checks {
		if c.Name == "corigine-firmware" {
			found = c.Status == switchdev.CheckFail && strings.Contains(c.Fix, "pci-0000:af:00.0.nffw")
		}
	}
	if !found {
		t.Errorf("doctor has no failed firmware check with the link:\n%s", rep)
	}
	if n := tr.Reloads(agilioPF); n != 0 {
		t.Errorf("reloaded %d times", n)
	}
}

func TestProfile(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "agilio-flower")
	h := tr.Host(t)
	pf, err := h.PF(context.Background(), offload.MustParsePCIAddress(agilioPF))
	if err != nil {
		t.Fatal(err)
	}
	p := corigine.New().Profile(pf)
	if p.Admin != "ens47" || p.Uplink != "ens47np0" || p.VFDriver != "nfp_netvf" || p.Order != switchdev.OrderModeFixed {
		t.Errorf("profile %+v: want admin ens47 (the PF vNIC, no phys_port_name), uplink ens47np0", p)
	}
	b := corigine.New()
	for _, c := range []struct {
		id   offload.PCIID
		drv  string
		want bool
	}{
		{offload.PCIID{Vendor: offload.VendorCorigine, Device: 0x3800}, "", true},
		{offload.PCIID{Vendor: offload.VendorNetronome, Device: 0x6003}, "", true},
		{offload.PCIID{Vendor: offload.VendorNetronome, Device: 0x1234}, "nfp", true},
		{offload.PCIID{Vendor: offload.VendorMellanox, Device: 0x4000}, "", false},
	} {
		if got := b.Matches(c.id, c.drv); got != c.want {
			t.Errorf("Matches(%s, %q) = %v", c.id, c.drv, got)
		}
	}
}

// testHost is a Host with its switchdev Engine, so a test calls h.PF and
// h.Plan alike (the two method sets do not overlap).
type testHost struct {
	*offload.Host
	*switchdev.Engine
}

// withEngine gives h an Engine with backends b.
func withEngine(h *offload.Host, b ...switchdev.Backend) testHost {
	return testHost{h, switchdev.New(h, switchdev.Config{Backends: b})}
}

// TestAssemblyFromDevlinkInfo: with no VPD, the assembly comes from
// `devlink dev info`'s board.id, as the Agilio guide reads it; without
// either the error says what was tried.
func TestAssemblyFromDevlinkInfo(t *testing.T) {
	t.Parallel()
	spec := nicFirmware()
	spec.PFs[0].BoardID = "AMDA0081-0001"
	tr := offloadtest.New(t, spec)
	h := tr.Host(t)
	pf := offload.MustParsePCIAddress(agilioPF)
	asm, src, err := corigine.DetectAssembly(context.Background(), switchdev.ViewOf(h), pf, corigine.FirmwareOptions{})
	if err != nil || asm != "AMDA0081" || src != "devlink info board.id" {
		t.Fatalf("DetectAssembly = %q, %q, %v", asm, src, err)
	}
	bare := offloadtest.New(t, nicFirmware()).Host(t)
	_, _, err = corigine.DetectAssembly(context.Background(), switchdev.ViewOf(bare), pf, corigine.FirmwareOptions{})
	if !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "no board.id") {
		t.Fatalf("without VPD and board.id: %v", err)
	}
}
