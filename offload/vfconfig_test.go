package offload_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

func TestVFStateAndConfigure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h := tr.Host(t)
	pf := pci("0000:84:00.0")
	p, err := h.PF(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	st := p.VFs[2].State
	if st == nil || st.MAC != "00:00:00:00:00:00" || st.SpoofChk == nil || !*st.SpoofChk || st.Trust == nil || *st.Trust || st.LinkState != "auto" {
		t.Fatalf("default VF state = %+v", st)
	}
	mac, _ := net.ParseMAC("0a:c9:1c:70:01:09")
	vlan, off, on := 100, false, true
	if err := h.ConfigureVF(ctx, pf, 2, offload.VFConfig{MAC: mac, VLAN: &vlan, QoS: 2, SpoofChk: &off, Trust: &on}); err != nil {
		t.Fatal(err)
	}
	p, _ = h.PF(ctx, pf)
	st = p.VFs[2].State
	if st.MAC != "0a:c9:1c:70:01:09" || st.VLAN != 100 || st.QoS != 2 || *st.SpoofChk || !*st.Trust {
		t.Fatalf("after ConfigureVF: %+v", st)
	}
	if p.VFs[1].State.MAC != "00:00:00:00:00:00" {
		t.Fatalf("VF 1 changed too: %+v", p.VFs[1].State)
	}
	bad := []offload.VFConfig{{MAC: net.HardwareAddr{1, 2, 3}}, {VLAN: ptr(4095)}, {VLAN: ptr(1), QoS: 8}}
	for _, c := range bad {
		if err := h.ConfigureVF(ctx, pf, 2, c); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("ConfigureVF(%+v) = %v, want errs.ErrInvalidArgument", c, err)
		}
	}
	if err := h.ConfigureVF(ctx, pf, 9, offload.VFConfig{Trust: &on}); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("ConfigureVF on VF 9 of 4 = %v, want errs.ErrNotFound", err)
	}
	// A Host on a fake root without rtnetlink has no VF state and says so.
	h2, _ := offload.Open(offload.Config{Root: tr.Root})
	if p, err := h2.PF(ctx, pf); err != nil || p.VFs[0].State != nil {
		t.Errorf("without rtnetlink: %v, state %+v", err, p.VFs[0].State)
	}
	if err := h2.ConfigureVF(ctx, pf, 0, offload.VFConfig{Trust: &on}); !errors.Is(err, errs.ErrNotSupported) {
		t.Errorf("ConfigureVF without rtnetlink = %v, want errs.ErrNotSupported", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestConfigureVFEveryTree sets a VF MAC on the first VF of every PF with
// VFs in every bundled tree and reads it back: whichever netdev of the PF
// the Host picks (uplink, PF vNIC), the fake kernel must take it, as the
// real one does.
func TestConfigureVFEveryTree(t *testing.T) {
	t.Parallel()
	for _, name := range offloadtest.Names() {
		if name == "large" {
			continue // same shape as cx5-switchdev, 16x bigger
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := offloadtest.NewByName(t, name).Host(t)
			pfs, err := h.Discover(ctx)
			if err != nil {
				t.Fatal(err)
			}
			configured := 0
			for _, p := range pfs {
				if p.NumVFs == 0 {
					continue
				}
				mac := net.HardwareAddr{0x0a, 0xc9, 0x1c, 0x70, 0x01, byte(configured)}
				if err := h.ConfigureVF(ctx, p.Address, 0, offload.VFConfig{MAC: mac}); err != nil {
					t.Fatalf("PF %s: %v", p.Address, err)
				}
				again, err := h.PF(ctx, p.Address)
				if err != nil {
					t.Fatal(err)
				}
				if st := again.VFs[0].State; st == nil || st.MAC != mac.String() {
					t.Errorf("PF %s VF 0 state after setting %s: %+v", p.Address, mac, st)
				}
				configured++
			}
			t.Logf("%d PFs configured", configured)
		})
	}
}

// TestDiscoverWithoutVFState: when rtnetlink cannot see the PF netdev (it
// moved to another netns, or /sys is bind-mounted from elsewhere), Discover
// still lists the PF and its VFs, without their settings.
func TestDiscoverWithoutVFState(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	gone := nltest.Dial(func(reqs []netlink.Message) ([]netlink.Message, error) {
		return nltest.Error(int(unix.ENODEV), reqs)
	})
	cfg := tr.Config()
	cfg.Rtnetlink = gone
	h := tr.HostWith(t, cfg)
	pfs, err := h.Discover(context.Background())
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if len(pfs) != 2 || len(pfs[0].VFs) != 4 {
		t.Fatalf("got %d PFs, %d VFs on the first", len(pfs), len(pfs[0].VFs))
	}
	if st := pfs[0].VFs[0].State; st != nil {
		t.Errorf("VF state %+v from a kernel that answered ENODEV", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Discover(ctx); err == nil {
		t.Error("Discover with a cancelled context succeeded")
	}
}
