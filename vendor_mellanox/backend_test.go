package mellanox_test

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
	mellanox "github.com/offloadkit/offloadkit/vendor_mellanox"
)

func TestMatches(t *testing.T) {
	t.Parallel()
	b := mellanox.New()
	cases := []struct {
		id     string
		driver string
		want   bool
	}{
		{"15b3:1017", "mlx5_core", true},
		{"15b3:1017", "", true}, // known ID, unbound
		{"15b3:101e", "", true}, // the generic VF
		{"15b3:a2dc", "", true}, // BlueField-3
		{"15b3:9999", "mlx5_core", true},
		{"15b3:9999", "", false}, // unknown and not mlx5
		{"19ee:4000", "mlx5_core", false},
		{"8086:1592", "ice", false},
	}
	for _, c := range cases {
		id, err := offload.ParsePCIID(c.id)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Matches(id, c.driver); got != c.want {
			t.Errorf("Matches(%s, %q) = %v, want %v", c.id, c.driver, got, c.want)
		}
	}
}

// TestModels checks the table is consistent: every PF names a VF device
// that is in the table as a VF, and only ConnectX-4 lacks ASAP².
func TestModels(t *testing.T) {
	t.Parallel()
	seen := map[offload.DeviceID]bool{}
	for _, m := range mellanox.Models() {
		if seen[m.Device] {
			t.Errorf("%s listed twice", m.Device)
		}
		seen[m.Device] = true
		if m.VF {
			continue
		}
		vf, ok := mellanox.Lookup(m.VFDevice)
		if !ok || !vf.VF {
			t.Errorf("%s (%s): VF device %s is not a VF in the table", m.Device, m.Name, m.VFDevice)
		}
		if !m.ASAP2 != strings.HasPrefix(m.Name, "ConnectX-4") {
			t.Errorf("%s (%s): ASAP2 %v", m.Device, m.Name, m.ASAP2)
		}
	}
	for _, d := range []offload.DeviceID{0x1013, 0x1015, 0x1017, 0x1019, 0x101b, 0x101d, 0x101f, 0x1021, 0x1023, 0xa2d6, 0xa2dc, 0x101e} {
		if !seen[d] {
			t.Errorf("%s missing", d)
		}
	}
}

// TestSteeringCompatFallback: on a host whose devlink lacks
// flow_steering_mode (here: no devlink at all) but whose MLNX_OFED driver
// has compat/devlink/steering_mode, the plan writes the compat file, and
// the write is verified.
func TestSteeringCompatFallback(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	for _, f := range []struct{ name, val string }{{"mode", "legacy"}, {"steering_mode", "dmfs"}} {
		p := filepath.Join(tr.Root, "sys/class/net/enp132s0f1np1/compat/devlink", f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.val+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A kernel without devlink: the Host has sysfs only, as with
	// MLNX_OFED on an old kernel.
	h0, err := offload.Open(offload.Config{Root: tr.Root, SysfsHooks: tr, Devlink: offloadtest.NoFamilyConn()})
	if err != nil {
		t.Fatal(err)
	}
	h := withEngine(h0, mellanox.New())
	defer h.Close()
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.1")
	spec := switchdev.Spec{NumVFs: switchdev.KeepNumVFs, Mode: offload.ESwitchModeLegacy, FlowSteering: offload.FlowSteeringSMFS, RunDir: t.TempDir()}
	p, err := h.Plan(ctx, pf, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 1 || p.Steps[0].Kind != switchdev.StepSetCompat || !strings.Contains(p.String(), "echo smfs > /sys/class/net/enp132s0f1np1/compat/devlink/steering_mode") {
		t.Fatalf("want one compat step:\n%s", p)
	}
	if err := p.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := switchdev.CompatDevlink(h.Host, "enp132s0f1np1", "steering_mode")
	if err != nil || got != "smfs" {
		t.Fatalf("steering_mode after apply: %q, %v", got, err)
	}
	p, err = h.Plan(ctx, pf, spec)
	if err != nil || !p.Empty() {
		t.Fatalf("second plan: %v\n%v", err, p)
	}
}

// TestSteeringUnavailable: no devlink parameter and no compat file: a
// steering mode cannot be planned, and the error says why.
func TestSteeringUnavailable(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	// A kernel without devlink (and no MLNX_OFED compat file).
	h0, err := offload.Open(offload.Config{Root: tr.Root, SysfsHooks: tr, Devlink: offloadtest.NoFamilyConn()})
	if err != nil {
		t.Fatal(err)
	}
	h := withEngine(h0, mellanox.New())
	defer h.Close()
	_, err = h.Plan(context.Background(), offload.MustParsePCIAddress("0000:84:00.1"), switchdev.Spec{NumVFs: 1, FlowSteering: offload.FlowSteeringDMFS, Mode: offload.ESwitchModeSwitchdev})
	if !errorsIs(err, errs.ErrNotSupported) || !strings.Contains(err.Error(), "flow_steering_mode") {
		t.Fatalf("got %v", err)
	}
}

// TestSteeringInSwitchdev: changing smfs/dmfs on a switchdev PF goes
// through legacy mode with no VFs, then back.
func TestSteeringInSwitchdev(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h := withEngine(tr.Host(t), mellanox.New())
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	spec := switchdev.Spec{NumVFs: 4, HWTCOffload: true, FlowSteering: offload.FlowSteeringSMFS, Mode: offload.ESwitchModeSwitchdev}
	p, err := h.Plan(ctx, pf, spec)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range p.Steps {
		kinds = append(kinds, s.Kind.String()+":"+s.To())
	}
	got := strings.Join(kinds, " ")
	want := "set-numvfs:0 set-eswitch-mode:legacy set-devlink-param:smfs set-autoprobe:0 set-numvfs:4 set-eswitch-mode:switchdev set-hw-tc-offload:on bind-vf:mlx5_core bind-vf:mlx5_core bind-vf:mlx5_core bind-vf:mlx5_core set-autoprobe:1"
	if got != want {
		t.Fatalf("steps\n got %s\nwant %s", got, want)
	}
	if err := p.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := h.Devlink(offload.PCIDevice(pf)).Param(ctx, "flow_steering_mode", offload.ParamCModeRuntime)
	if err != nil || v.String != "smfs" {
		t.Fatalf("flow_steering_mode after apply: %+v, %v", v, err)
	}
}

// TestVFLAGWithoutBond: BondVFLAG on a PF in no bond plans it alone.
func TestVFLAGWithoutBond(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := withEngine(tr.Host(t), mellanox.New())
	p, err := h.Plan(context.Background(), offload.MustParsePCIAddress("0000:84:00.1"), switchdev.Spec{NumVFs: 1, Bond: switchdev.BondVFLAG, Mode: offload.ESwitchModeSwitchdev})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.PFs) != 1 || !strings.Contains(p.String(), "planned alone") {
		t.Errorf("plan:\n%s", p)
	}
}

// TestCheck: ConnectX-4 (partial offload) is unknown, ConnectX-5 passes.
func TestCheck(t *testing.T) {
	t.Parallel()
	b := mellanox.New()
	for _, c := range []struct {
		dev  offload.DeviceID
		want switchdev.CheckStatus
	}{{0x1015, switchdev.CheckUnknown}, {0x1017, switchdev.CheckOK}, {0x1018, switchdev.CheckFail}, {0x4242, switchdev.CheckUnknown}} {
		pf := &offload.PF{ID: offload.PCIID{Vendor: offload.VendorMellanox, Device: c.dev}}
		got := b.Check(context.Background(), nil, pf)
		if len(got) != 1 || got[0].Status != c.want {
			t.Errorf("%s: %+v, want %s", c.dev, got, c.want)
		}
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// TestVFLAGUnbindsBoundVFs: PFs already in switchdev with bound VFs get
// their VFs unbound before the bond forms and rebound after it.
func TestVFLAGUnbindsBoundVFs(t *testing.T) {
	t.Parallel()
	spec := offloadtest.CX5Switchdev()
	spec.Bonds = []offloadtest.BondSpec{{Name: "bond1", Mode: "active-backup 1", Slaves: []string{"enp132s0f0np0", "enp132s0f1np1"}}}
	tr := offloadtest.New(t, spec)
	h := withEngine(tr.Host(t), mellanox.New())
	p, err := h.Plan(context.Background(), offload.MustParsePCIAddress("0000:84:00.1"), switchdev.Spec{NumVFs: 4, HWTCOffload: true, Bond: switchdev.BondVFLAG, Mode: offload.ESwitchModeSwitchdev})
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for _, s := range p.Steps {
		seq = append(seq, s.Kind.String())
	}
	got := strings.Join(seq, " ")
	unb := strings.Repeat(" unbind-vf", 4)
	bind := strings.Repeat(" bind-vf", 4)
	want := "release-bond-slave release-bond-slave set-hw-tc-offload" + unb + " set-hw-tc-offload" + unb + " enslave enslave" + bind + bind
	if got != want {
		t.Fatalf("steps\n got %s\nwant %s\n%s", got, want, p)
	}
	if len(p.PFs) != 2 {
		t.Errorf("plan locks %v, want both PFs", p.PFs)
	}
}

// TestHMFSNeedsNewKernel: hmfs is refused at plan time on kernels before
// 6.14, before any VF is taken down.
func TestHMFSNeedsNewKernel(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := withEngine(tr.Host(t), mellanox.New())
	write := func(rel string) {
		p := filepath.Join(tr.Root, "proc/sys/kernel/osrelease")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(rel+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	spec := switchdev.Spec{NumVFs: 4, FlowSteering: offload.FlowSteeringHMFS, Mode: offload.ESwitchModeSwitchdev}
	write("6.1.0-13-amd64")
	if _, err := h.Plan(context.Background(), pf, spec); !errors.Is(err, errs.ErrNotSupported) || !strings.Contains(err.Error(), "6.14") {
		t.Errorf("hmfs on 6.1: %v", err)
	}
	write("6.14.2")
	if _, err := h.Plan(context.Background(), pf, spec); err != nil {
		t.Errorf("hmfs on 6.14: %v", err)
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
