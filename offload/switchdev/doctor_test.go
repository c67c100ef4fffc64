package switchdev_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload/switchdev"
	"github.com/offloadkit/offloadkit/ovs/ovnnb"
	"github.com/offloadkit/offloadkit/ovs/ovnnb/ovnnbtest"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

func writeFile(t *testing.T, root, rel, data string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// statuses maps "name subject" to status.
func statuses(r *switchdev.Report) map[string]switchdev.CheckStatus {
	m := map[string]switchdev.CheckStatus{}
	for _, c := range r.Checks {
		m[c.Name+" "+c.Subject] = c.Status
	}
	return m
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	tr, h := openTree(t, "cx5-bond")
	ctx := context.Background()
	writeFile(t, tr.Root, "proc/sys/kernel/osrelease", "5.4.0-150-generic\n")
	writeFile(t, tr.Root, "proc/812/comm", "NetworkManager\n")
	writeFile(t, tr.Root, "sys/class/net/enp132s0f1np1/operstate", "down\n")
	rep, err := h.Doctor(ctx, switchdev.DoctorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := statuses(rep)
	want := map[string]switchdev.CheckStatus{
		"kernel host":                 switchdev.CheckFail,
		"networkmanager host":         switchdev.CheckFail,
		"ovs host":                    switchdev.CheckUnknown,
		"ovs-hw-offload host":         switchdev.CheckUnknown,
		"ovn-lb host":                 switchdev.CheckUnknown,
		"sriov 0000:84:00.0":          switchdev.CheckFail, // no VFs yet
		"eswitch-mode 0000:84:00.0":   switchdev.CheckFail,
		"hw-tc-offload enp132s0f0np0": switchdev.CheckFail,
		"bond enp132s0f0np0":          switchdev.CheckFail,
		"mellanox-model 0000:84:00.0": switchdev.CheckOK,
		"uplink-up enp132s0f0np0":     switchdev.CheckOK,
		"uplink-up enp132s0f1np1":     switchdev.CheckFail,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s, want %s", k, got[k], w)
		}
	}
	if rep.Worst() != switchdev.CheckFail {
		t.Errorf("worst %s", rep.Worst())
	}
	for _, c := range rep.Checks {
		if c.Status != switchdev.CheckOK && c.Fix == "" {
			t.Errorf("%s %s is %s without a fix hint", c.Name, c.Subject, c.Status)
		}
	}

	// Fix what the guides say, then ask again.
	writeFile(t, tr.Root, "proc/sys/kernel/osrelease", "6.1.0-13-amd64\n")
	writeFile(t, tr.Root, "etc/NetworkManager/conf.d/offload.conf", "[keyfile]\nunmanaged-devices=driver:mlx5_core\n")
	p, err := h.Plan(ctx, offload.MustParsePCIAddress("0000:84:00.0"), switchdev.Spec{NumVFs: 2, HWTCOffload: true, Bond: switchdev.BondVFLAG, Mode: offload.ESwitchModeSwitchdev})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	probe := switchdev.DoctorConfig{OVS: func(context.Context) (switchdev.OVSStatus, error) {
		return switchdev.OVSStatus{Running: true, HWOffload: true, TCPolicy: "none", LoadBalancers: 3}, nil
	}}
	rep, err = h.Doctor(ctx, probe)
	if err != nil {
		t.Fatal(err)
	}
	got = statuses(rep)
	for k, w := range map[string]switchdev.CheckStatus{
		"kernel host": switchdev.CheckOK, "networkmanager host": switchdev.CheckOK, "ovs host": switchdev.CheckOK,
		"ovs-hw-offload host": switchdev.CheckOK, "ovn-lb host": switchdev.CheckFail,
		"eswitch-mode 0000:84:00.0": switchdev.CheckOK, "hw-tc-offload enp132s0f0np0": switchdev.CheckOK,
		"bond enp132s0f0np0": switchdev.CheckOK, "sriov 0000:84:00.1": switchdev.CheckOK,
	} {
		if got[k] != w {
			t.Errorf("after fixing: %s: %s, want %s", k, got[k], w)
		}
	}
	if s := rep.String(); !strings.Contains(s, "a VF LAG") || !strings.Contains(s, "dp_hash") {
		t.Errorf("report:\n%s", s)
	}
}

func TestDoctorEmptyHost(t *testing.T) {
	t.Parallel()
	h, err := offload.Open(offload.Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	rep, err := switchdev.New(h, switchdev.Config{}).Doctor(context.Background(), switchdev.DoctorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if statuses(rep)["sriov host"] != switchdev.CheckFail {
		t.Errorf("no SR-IOV PF must fail:\n%s", rep)
	}
}

// TestDoctorNoProc: on a bundled tree (no proc/) the host-only checks are
// unknown, never ok, with the reason, and the report says plainly that
// they were not run; on the BlueField Arm side the advice is the DPU's
// (VFs are made on the host), not "create VFs".
func TestDoctorNoProc(t *testing.T) {
	t.Parallel()
	for _, name := range offloadtest.Names() {
		if name == "large" {
			continue // 16x256 VFs: the same checks, a minute to build
		}
		_, h := openTree(t, name)
		rep, err := h.Doctor(context.Background(), switchdev.DoctorConfig{})
		if err != nil {
			t.Fatal(err)
		}
		got := statuses(rep)
		for _, k := range []string{"kernel host", "networkmanager host", "ovs host", "ovs-offload-running host"} {
			if got[k] != switchdev.CheckUnknown {
				t.Errorf("%s: %s is %s on a tree without proc/", name, k, got[k])
			}
		}
		if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "host-only checks were not run") {
			t.Errorf("%s: no note that host-only checks were not run: %q", name, rep.Notes)
		}
		for _, c := range rep.Checks {
			if c.Status == switchdev.CheckUnknown && c.Detail == "" {
				t.Errorf("%s: %s %s is unknown without a reason", name, c.Name, c.Subject)
			}
			if strings.Contains(c.Detail, "no such file") {
				t.Errorf("%s: %s %s shows a raw file error: %s", name, c.Name, c.Subject, c.Detail)
			}
		}
		if name == "bf2-dpu" {
			for _, c := range rep.Checks {
				if c.Name == "sriov" && (c.Status != switchdev.CheckOK || !strings.Contains(c.Detail, "DPU") || strings.Contains(c.Fix, "create VFs")) {
					t.Errorf("bf2-dpu sriov check gives no DPU view: %+v", c)
				}
			}
		}
	}
}

// TestDoctorDPUWithoutHostVFs: the Arm side with no host VF representors
// fails with the DPU's advice: create the VFs on the host.
func TestDoctorDPUWithoutHostVFs(t *testing.T) {
	t.Parallel()
	spec := offloadtest.BlueField2DPU()
	spec.PFs[0].FixedReps = spec.PFs[0].FixedReps[:2] // host PF and SF representors only
	tr := offloadtest.New(t, spec)
	h := newTestHost(tr.Host(t))
	rep, err := h.Doctor(context.Background(), switchdev.DoctorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if c.Name == "sriov" && (c.Status != switchdev.CheckFail || !strings.Contains(c.Fix, "on the host side") || strings.HasPrefix(c.Fix, "create VFs: echo N > /sys/bus/pci/devices/0000:03:00.0")) {
			t.Errorf("sriov check on a DPU without host VFs: %+v", c)
		}
	}
}

// TestDoctorOVNNorthbound: the ovn-lb check reads a real OVN northbound
// database (ovsdb-server with Debian's schema): ok with no load balancer,
// FAIL naming a load balancer with a VIP and its dp_hash selection, unknown
// with the reason when the database cannot be reached.
func TestDoctorOVNNorthbound(t *testing.T) {
	t.Parallel()
	ep := ovnnbtest.Start(t)
	_, h := openTree(t, "cx5-switchdev")
	ctx := context.Background()
	check := func(cfg switchdev.DoctorConfig) switchdev.Check {
		t.Helper()
		rep, err := h.Doctor(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rep.Checks {
			if c.Name == "ovn-lb" {
				return c
			}
		}
		t.Fatalf("no ovn-lb check:\n%s", rep)
		return switchdev.Check{}
	}
	nb := switchdev.DoctorConfig{OVNNorthbound: &ovnnb.Config{Endpoint: ep}}
	if c := check(nb); c.Status != switchdev.CheckOK {
		t.Errorf("empty northbound database: %+v", c)
	}
	ovnnbtest.Seed(t, ep, &ovnnbtest.LoadBalancer{UUID: "lb", Name: "cluster-tcp-loadbalancer",
		VIPs: map[string]string{"10.96.0.10:53": "10.16.0.2:53"}})
	if c := check(nb); c.Status != switchdev.CheckFail || !strings.Contains(c.Detail, "cluster-tcp-loadbalancer (dp_hash)") || !strings.Contains(c.Fix, "ENABLE_LB=false") {
		t.Errorf("a dp_hash load balancer: %+v", c)
	}
	gone := switchdev.DoctorConfig{OVNNorthbound: &ovnnb.Config{Endpoint: "unix:" + t.TempDir() + "/nb.sock"}}
	if c := check(gone); c.Status != switchdev.CheckUnknown || !strings.Contains(c.Detail, "cannot read the OVN northbound database") {
		t.Errorf("unreachable database: %+v", c)
	}
}
