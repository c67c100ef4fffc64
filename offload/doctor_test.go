package offload_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
func statuses(r *offload.Report) map[string]offload.CheckStatus {
	m := map[string]offload.CheckStatus{}
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
	want := map[string]offload.CheckStatus{
		"kernel host":                 offload.CheckFail,
		"networkmanager host":         offload.CheckWarn,
		"ovs host":                    offload.CheckUnknown,
		"ovs-hw-offload host":         offload.CheckUnknown,
		"ovn-lb host":                 offload.CheckUnknown,
		"sriov 0000:84:00.0":          offload.CheckWarn, // no VFs yet
		"eswitch-mode 0000:84:00.0":   offload.CheckWarn,
		"hw-tc-offload enp132s0f0np0": offload.CheckWarn,
		"bond enp132s0f0np0":          offload.CheckWarn,
		"mellanox-model 0000:84:00.0": offload.CheckOK,
		"uplink-up enp132s0f0np0":     offload.CheckOK,
		"uplink-up enp132s0f1np1":     offload.CheckWarn,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s, want %s", k, got[k], w)
		}
	}
	if rep.Worst() != offload.CheckFail {
		t.Errorf("worst %s", rep.Worst())
	}
	for _, c := range rep.Checks {
		if c.Status != offload.CheckOK && c.Status != offload.CheckSkipped && c.Fix == "" {
			t.Errorf("%s %s is %s without a fix hint", c.Name, c.Subject, c.Status)
		}
	}

	// Fix what the guides say, then ask again.
	writeFile(t, tr.Root, "proc/sys/kernel/osrelease", "6.1.0-13-amd64\n")
	writeFile(t, tr.Root, "etc/NetworkManager/conf.d/offload.conf", "[keyfile]\nunmanaged-devices=driver:mlx5_core\n")
	p, err := h.PlanSwitchdev(ctx, offload.MustParsePCIAddress("0000:84:00.0"), offload.Spec{NumVFs: 2, HWTCOffload: true, Bond: offload.BondVFLAG})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	probe := offload.WithOVSProbe(func(context.Context) (offload.OVSStatus, error) {
		return offload.OVSStatus{Running: true, HWOffload: true, TCPolicy: "none", LoadBalancers: 3}, nil
	})
	rep, err = h.Doctor(ctx, probe)
	if err != nil {
		t.Fatal(err)
	}
	got = statuses(rep)
	for k, w := range map[string]offload.CheckStatus{
		"kernel host": offload.CheckOK, "networkmanager host": offload.CheckOK, "ovs host": offload.CheckOK,
		"ovs-hw-offload host": offload.CheckOK, "ovn-lb host": offload.CheckWarn,
		"eswitch-mode 0000:84:00.0": offload.CheckOK, "hw-tc-offload enp132s0f0np0": offload.CheckOK,
		"bond enp132s0f0np0": offload.CheckOK, "sriov 0000:84:00.1": offload.CheckOK,
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
	rep, err := h.Doctor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if statuses(rep)["sriov host"] != offload.CheckFail {
		t.Errorf("no SR-IOV PF must fail:\n%s", rep)
	}
}
