package yusur_test

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
	yusur "github.com/offloadkit/offloadkit/vendor_yusur"
)

func open(t *testing.T, opts yusur.Config) (*offloadtest.Tree, testHost) {
	t.Helper()
	tr := offloadtest.NewByName(t, "yusur-2200e")
	return tr, withEngine(tr.Host(t), yusur.New(opts))
}

// TestRepresentorDevArgs: the representor of a VF is the PF's address and
// the VF index as OVS-DPDK devargs; 00:0a.3 is VF 2 (VFs start at 0a.1).
func TestRepresentorDevArgs(t *testing.T) {
	t.Parallel()
	_, h := open(t, yusur.Config{})
	ctx := context.Background()
	ref, err := h.VFPortRef(ctx, offload.MustParsePCIAddress("0000:00:0a.3"))
	if err != nil {
		t.Fatal(err)
	}
	want := switchdev.PortRef{Kind: switchdev.RepresentorDPDK, PF: offload.MustParsePCIAddress("0000:00:0a.0"), VF: 2, DevArgs: "0000:00:0a.0,representor=[2]"}
	if ref != want {
		t.Errorf("got %+v, want %+v", ref, want)
	}
	if _, err := h.VFPortRef(ctx, offload.MustParsePCIAddress("0000:00:0a.0")); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("a PF has no VF representor: %v", err)
	}
}

func TestMatchesVendor(t *testing.T) {
	t.Parallel()
	b := yusur.New(yusur.Config{})
	for _, d := range []offload.DeviceID{yusur.PF2200E, yusur.VF2200E, 0x2200} {
		if !b.Matches(offload.PCIID{Vendor: offload.VendorYUSUR, Device: d}, "") {
			t.Errorf("1f47:%s not matched", d)
		}
	}
	if b.Matches(offload.PCIID{Vendor: offload.VendorMellanox, Device: 0x1001}, "") {
		t.Error("15b3 matched")
	}
}

func hadosCheck(t *testing.T, h testHost) switchdev.Check {
	t.Helper()
	rep, err := h.Doctor(context.Background(), switchdev.DoctorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if c.Name == "yusur-hados" {
			return c
		}
	}
	t.Fatalf("no hados check:\n%s", rep)
	return switchdev.Check{}
}

func write(t *testing.T, root, rel, data string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHados: unknown without a /proc to look at; failed (and planning
// refused) when /proc shows no hados; ok with a hados process or an
// installation directory.
func TestHados(t *testing.T) {
	t.Parallel()
	tr, h := open(t, yusur.Config{})
	if c := hadosCheck(t, h); c.Status != switchdev.CheckUnknown {
		t.Errorf("no /proc: %+v", c)
	}
	write(t, tr.Root, "proc/1/comm", "systemd\n")
	if c := hadosCheck(t, h); c.Status != switchdev.CheckFail || c.Fix == "" {
		t.Errorf("no hados: %+v", c)
	}
	_, err := h.Plan(context.Background(), offload.MustParsePCIAddress("0000:00:0b.0"), switchdev.Spec{NumVFs: 2, Mode: offload.ESwitchModeSwitchdev})
	if !errors.Is(err, errs.ErrNotSupported) || !strings.Contains(err.Error(), "hados") {
		t.Errorf("plan without hados: %v", err)
	}
	write(t, tr.Root, "proc/4242/comm", "hados-agent\n")
	if c := hadosCheck(t, h); c.Status != switchdev.CheckOK {
		t.Errorf("hados process: %+v", c)
	}
	tr2, h2 := open(t, yusur.Config{HadosPaths: []string{"/srv/yusur/hados"}})
	write(t, tr2.Root, "proc/1/comm", "systemd\n")
	write(t, tr2.Root, "srv/yusur/hados/VERSION", "1.0\n")
	if c := hadosCheck(t, h2); c.Status != switchdev.CheckOK || !strings.Contains(c.Detail, "/srv/yusur/hados") {
		t.Errorf("hados installed: %+v", c)
	}
}

// TestPlanVFsOnly: a YUSUR plan only sets the VF count, with a note on
// DPDK representors, and applies.
func TestPlanVFsOnly(t *testing.T) {
	t.Parallel()
	_, h := open(t, yusur.Config{})
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:00:0b.0")
	spec := switchdev.Spec{NumVFs: 7, HWTCOffload: true, Mode: offload.ESwitchModeSwitchdev}
	p, err := h.Plan(ctx, pf, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 1 || p.Steps[0].Kind != switchdev.StepSetNumVFs || !strings.Contains(p.String(), "representor=[N]") {
		t.Fatalf("plan:\n%s", p)
	}
	if err := p.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if p, err = h.Plan(ctx, pf, spec); err != nil || !p.Empty() {
		t.Fatalf("second plan: %v\n%s", err, p)
	}
}

// TestPlatName: a 1f47 card whose hw/plat_name is not a smart-nic platform
// is flagged.
func TestPlatName(t *testing.T) {
	t.Parallel()
	tr, h := open(t, yusur.Config{})
	write(t, tr.Root, "sys/bus/pci/devices/0000:00:0b.0/hw/plat_name", "conflux-1200-nic\n")
	rep, err := h.Doctor(context.Background(), switchdev.DoctorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]switchdev.CheckStatus{}
	for _, c := range rep.Checks {
		if c.Name == "yusur-card" {
			got[c.Subject] = c.Status
		}
	}
	if got["0000:00:0a.0"] != switchdev.CheckOK || got["0000:00:0b.0"] != switchdev.CheckFail {
		t.Errorf("card checks: %v", got)
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

// TestPortName checks Kube-OVN's "pf<N>vf<M>rep" (GetYusurNicVfRepresentor
// in kube-ovn pkg/net/yusur/yusur_sriovnet.go): N is the PF's PCI function
// digit, M the VF's index on its PF.
func TestPortName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pf   string
		vf   int
		want string
	}{
		{"0000:00:0a.0", 0, "pf0vf0rep"},
		{"0000:00:0a.0", 6, "pf0vf6rep"},
		{"0000:00:0b.0", 6, "pf0vf6rep"}, // the guide's second PF: function 0 too, as in Kube-OVN
		{"0000:3b:00.1", 12, "pf1vf12rep"},
		{"0000:3b:00.7", 65535, "pf7vf65535rep"},
	} {
		got, err := yusur.PortName(offload.MustParsePCIAddress(c.pf), c.vf)
		if err != nil || got != c.want {
			t.Errorf("PortName(%s, %d) = %q, %v; want %q", c.pf, c.vf, got, err, c.want)
		}
	}
	for _, vf := range []int{-1, 1 << 40} {
		if got, err := yusur.PortName(offload.MustParsePCIAddress("0000:00:0a.0"), vf); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("PortName(vf %d) = %q, %v; want ErrInvalidArgument", vf, got, err)
		}
	}
	if got, err := yusur.PortName(offload.PCIAddress{}, 0); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("PortName(zero PF) = %q, %v; want ErrInvalidArgument", got, err)
	}

	// Through the host: 00:0a.3 is VF 2 of 00:0a.0 on the bundled tree.
	_, h := open(t, yusur.Config{})
	ctx := context.Background()
	be := yusur.New(yusur.Config{})
	got, err := be.PortName(ctx, switchdev.ViewOf(h.Host), offload.MustParsePCIAddress("0000:00:0a.3"))
	if err != nil || got != "pf0vf2rep" {
		t.Errorf("Backend.PortName(00:0a.3) = %q, %v; want pf0vf2rep", got, err)
	}
	if got, err := be.PortName(ctx, switchdev.ViewOf(h.Host), offload.MustParsePCIAddress("0000:00:0a.0")); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("Backend.PortName(a PF) = %q, %v; want ErrNotFound", got, err)
	}
}
