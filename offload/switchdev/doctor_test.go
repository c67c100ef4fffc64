package switchdev_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload/switchdev"

	"github.com/offloadkit/offloadkit/offload"
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
	tr, h := openTree(t, "cx5-bond")
	ctx := context.Background()
	writeFile(t, tr.Root, "proc/sys/kernel/osrelease", "5.4.0-150-generic\n")
	writeFile(t, tr.Root, "proc/812/comm", "NetworkManager\n")
	writeFile(t, tr.Root, "sys/class/net/enp132s0f1np1/operstate", "down\n")
	rep, err := h.Doctor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := statuses(rep)
	want := map[string]switchdev.CheckStatus{
		"kernel host":                 switchdev.CheckFail,
		"networkmanager host":         switchdev.CheckWarn,
		"ovs host":                    switchdev.CheckUnknown,
		"ovs-hw-offload host":         switchdev.CheckUnknown,
		"ovn-lb host":                 switchdev.CheckUnknown,
		"sriov 0000:84:00.0":          switchdev.CheckWarn, // no VFs yet
		"eswitch-mode 0000:84:00.0":   switchdev.CheckWarn,
		"hw-tc-offload enp132s0f0np0": switchdev.CheckWarn,
		"bond enp132s0f0np0":          switchdev.CheckWarn,
		"mellanox-model 0000:84:00.0": switchdev.CheckOK,
		"uplink-up enp132s0f0np0":     switchdev.CheckOK,
		"uplink-up enp132s0f1np1":     switchdev.CheckWarn,
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
		if c.Status != switchdev.CheckOK && c.Status != switchdev.CheckSkipped && c.Fix == "" {
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
	probe := switchdev.WithOVSProbe(func(context.Context) (switchdev.OVSStatus, error) {
		return switchdev.OVSStatus{Running: true, HWOffload: true, TCPolicy: "none", LoadBalancers: 3}, nil
	})
	rep, err = h.Doctor(ctx, probe)
	if err != nil {
		t.Fatal(err)
	}
	got = statuses(rep)
	for k, w := range map[string]switchdev.CheckStatus{
		"kernel host": switchdev.CheckOK, "networkmanager host": switchdev.CheckOK, "ovs host": switchdev.CheckOK,
		"ovs-hw-offload host": switchdev.CheckOK, "ovn-lb host": switchdev.CheckWarn,
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
	h, err := offload.Open(offload.WithRoot(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	rep, err := switchdev.New(h, switchdev.Config{}).Doctor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if statuses(rep)["sriov host"] != switchdev.CheckFail {
		t.Errorf("no SR-IOV PF must fail:\n%s", rep)
	}
}
