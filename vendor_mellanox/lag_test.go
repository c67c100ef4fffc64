package mellanox_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	"github.com/offloadkit/offloadkit/offload/switchdev"
	mellanox "github.com/offloadkit/offloadkit/vendor_mellanox"
)

// TestStateChecksVFLAG: the vf-lag-hw check is tri-state on what mlx5's
// debugfs says (mlx5/<bdf>/lag/state and lag/type, whose words come from
// the kernel's drivers/net/ethernet/mellanox/mlx5/core/lag/debugfs.c:
// state_show prints "active" or "disabled", type_show "roce",
// "switchdev", "multipath" or "multiport_eswitch"): ok only on active and
// switchdev, unknown without the files, fail when disabled or another
// type. A PF in no bond gets no check. The Doctor reports it; Plan does
// not refuse on it (a plan is how a disabled LAG gets fixed).
func TestStateChecksVFLAG(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addr := offload.MustParsePCIAddress("0000:84:00.0")
	{
		tr := offloadtest.NewByName(t, "cx5-switchdev")
		h := tr.Host(t)
		pf, err := h.PF(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := mellanox.New().StateChecks(ctx, switchdev.ViewOf(h), pf); len(got) != 0 {
			t.Errorf("PF in no bond: %+v, want no check", got)
		}
	}
	for _, c := range []struct {
		name       string
		state, typ string // "" leaves the file out
		want       switchdev.CheckStatus
		detailSays string
	}{
		{"no debugfs", "", "", switchdev.CheckUnknown, "absent"},
		{"active switchdev", "active", "switchdev", switchdev.CheckOK, "active in hardware"},
		{"disabled", "disabled", "", switchdev.CheckFail, "disabled"},
		{"active roce", "active", "roce", switchdev.CheckFail, "roce"},
		{"active no type", "active", "", switchdev.CheckUnknown, "type cannot be read"},
		{"odd state", "booting", "", switchdev.CheckUnknown, "booting"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr := offloadtest.NewByName(t, "cx5-bond")
			dir := filepath.Join(tr.Root, "sys/kernel/debug/mlx5/0000:84:00.0/lag")
			for f, v := range map[string]string{"state": c.state, "type": c.typ} {
				if v == "" {
					continue
				}
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), []byte(v+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			h := tr.Host(t)
			pf, err := h.PF(ctx, addr)
			if err != nil {
				t.Fatal(err)
			}
			got := mellanox.New().StateChecks(ctx, switchdev.ViewOf(h), pf)
			if len(got) != 1 || got[0].Name != "vf-lag-hw" || got[0].Status != c.want || !strings.Contains(got[0].Detail, c.detailSays) {
				t.Fatalf("StateChecks = %+v, want one vf-lag-hw %s saying %q", got, c.want, c.detailSays)
			}
			if c.want != switchdev.CheckOK && got[0].Fix == "" {
				t.Errorf("%s without a fix", c.want)
			}
			e := switchdev.New(h, switchdev.Config{Backends: []switchdev.Backend{mellanox.New()}})
			rep, err := e.Doctor(ctx, switchdev.DoctorConfig{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, ch := range rep.Checks {
				if ch.Name == "vf-lag-hw" && ch.Subject == addr.String() {
					found = ch.Status == c.want
				}
			}
			if !found {
				t.Errorf("Doctor has no vf-lag-hw %s check for %s:\n%s", c.want, addr, rep)
			}
			if _, err := e.Plan(ctx, addr, switchdev.Spec{Bond: switchdev.BondVFLAG, Mode: offload.ESwitchModeSwitchdev}); err != nil {
				t.Errorf("Plan refused with the LAG check %s: %v", c.want, err)
			}
		})
	}
}
