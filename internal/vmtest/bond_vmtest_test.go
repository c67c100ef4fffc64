//go:build vmtest

package vmtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/offloadkit/offloadkit/offload"
)

// requireBonding probes for the bonding driver by creating a bond.
func requireBonding(t *testing.T) {
	t.Helper()
	needRoot(t)
	needTools(t, "ip")
	Require(t, FeatureBonding, func() error {
		out, err := runErr("ip", "link", "add", "vmtbondp", "type", "bond")
		if err != nil {
			return fmt.Errorf("ip link add type bond: %v: %s", err, out)
		}
		runErr("ip", "link", "del", "vmtbondp")
		return nil
	})
}

// ipLinkUp reads IFF_UP as iproute2 reports it: "UP" in the flags of
// `ip -j link show dev <name>`.
func ipLinkUp(t *testing.T, name string) bool {
	t.Helper()
	var links []struct {
		Ifname string   `json:"ifname"`
		Flags  []string `json:"flags"`
	}
	out := run(t, "ip", "-j", "link", "show", "dev", name)
	if err := json.Unmarshal([]byte(out), &links); err != nil || len(links) != 1 || links[0].Ifname != name {
		t.Fatalf("ip -j link show dev %s: %v: %s", name, err, out)
	}
	return slices.Contains(links[0].Flags, "UP")
}

func readSys(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestBondModeRealKernel pins what the bonding driver does with a mode
// write (EBUSY on an up bond, ENOTEMPTY with slaves, even when up) and
// checks that Host.SetBondMode works with it: an up empty bond is changed
// and left up, a down one left down, one with slaves refused with ErrBusy
// and left as it was; and that Host.SetLinkUp/LinkUp agree with ip.
func TestBondModeRealKernel(t *testing.T) {
	requireBonding(t)
	const bond = "vmtbm0"
	modeFile := "/sys/class/net/" + bond + "/bonding/mode"
	run(t, "ip", "link", "add", bond, "type", "bond", "mode", "balance-rr")
	t.Cleanup(func() { runErr("ip", "link", "del", bond) })
	run(t, "ip", "link", "set", bond, "up")
	h := openHost(t)
	ctx := t.Context()

	// The kernel fact the plan tripped over: no mode change while up.
	if err := os.WriteFile(modeFile, []byte("active-backup"), 0); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("raw mode write on an up bond: %v, want EBUSY", err)
	}
	if got := readSys(t, modeFile); got != "balance-rr 0" {
		t.Fatalf("refused write changed the mode to %q", got)
	}

	if err := h.SetBondMode(ctx, bond, offload.BondModeActiveBackup); err != nil {
		t.Fatalf("SetBondMode on an up bond without slaves: %v", err)
	}
	if got := readSys(t, modeFile); got != "active-backup 1" {
		t.Errorf("mode after SetBondMode: %q", got)
	}
	if !ipLinkUp(t, bond) {
		t.Error("SetBondMode left the bond down; it was up")
	}

	// A bond that is down stays down (and the raw write goes through).
	run(t, "ip", "link", "set", bond, "down")
	if err := h.SetBondMode(ctx, bond, offload.BondModeBalanceXOR); err != nil {
		t.Fatalf("SetBondMode on a down bond: %v", err)
	}
	if got := readSys(t, modeFile); got != "balance-xor 2" || ipLinkUp(t, bond) {
		t.Errorf("down bond: mode %q, up %v; want balance-xor 2, down", got, ipLinkUp(t, bond))
	}
	if err := os.WriteFile(modeFile, []byte("active-backup"), 0); err != nil {
		t.Errorf("raw mode write on a down empty bond: %v", err)
	}

	// With slaves: ENOTEMPTY from the kernel even when up (it checks the
	// slaves first), ErrBusy from SetBondMode, and nothing changes.
	for _, s := range []string{"vmtbmd0", "vmtbmd1"} {
		run(t, "ip", "link", "add", s, "type", "dummy")
		t.Cleanup(func() { runErr("ip", "link", "del", s) })
		run(t, "ip", "link", "set", s, "master", bond)
	}
	run(t, "ip", "link", "set", bond, "up")
	if err := os.WriteFile(modeFile, []byte("802.3ad"), 0); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("raw mode write on an up bond with slaves: %v, want ENOTEMPTY", err)
	}
	err := h.SetBondMode(ctx, bond, offload.BondMode8023AD)
	if !errors.Is(err, errs.ErrBusy) || !strings.Contains(err.Error(), "vmtbmd0 vmtbmd1") {
		t.Errorf("SetBondMode with slaves = %v, want ErrBusy naming the slaves", err)
	}
	if got := readSys(t, modeFile); got != "active-backup 1" || !ipLinkUp(t, bond) {
		t.Errorf("refused SetBondMode changed the bond: mode %q, up %v", got, ipLinkUp(t, bond))
	}
	if got := readSys(t, "/sys/class/net/"+bond+"/bonding/slaves"); got != "vmtbmd0 vmtbmd1" {
		t.Errorf("refused SetBondMode changed the slaves: %q", got)
	}
	if b, err := h.BondOf(ctx, "vmtbmd1"); err != nil || b == nil || b.Mode != offload.BondModeActiveBackup {
		t.Errorf("BondOf(vmtbmd1) = %+v, %v", b, err)
	}
}

// TestBondLinkUpRealKernel: Host.SetLinkUp and LinkUp against ip's view
// of IFF_UP, on one end of a veth pair, both ways, and on a missing link.
func TestBondLinkUpRealKernel(t *testing.T) {
	needRoot(t)
	needTools(t, "ip")
	const dev = "vmtlink0"
	Require(t, FeatureVeth, func() error {
		out, err := runErr("ip", "link", "add", dev, "type", "veth", "peer", "name", "vmtlink1")
		if err != nil {
			return fmt.Errorf("ip link add type veth: %v: %s", err, out)
		}
		return nil
	})
	t.Cleanup(func() { runErr("ip", "link", "del", dev) })
	h := openHost(t)
	ctx := t.Context()
	for _, up := range []bool{true, true, false, false, true} {
		if err := h.SetLinkUp(ctx, dev, up); err != nil {
			t.Fatalf("SetLinkUp(%s, %v): %v", dev, up, err)
		}
		got, err := h.LinkUp(ctx, dev)
		if err != nil {
			t.Fatal(err)
		}
		if ip := ipLinkUp(t, dev); got != up || ip != up {
			t.Fatalf("after SetLinkUp(%v): LinkUp %v, ip says %v", up, got, ip)
		}
	}
	// ip changes it behind the Host's back: LinkUp reads the kernel.
	run(t, "ip", "link", "set", dev, "down")
	if got, err := h.LinkUp(ctx, dev); err != nil || got {
		t.Errorf("LinkUp after ip set it down = %v, %v", got, err)
	}
	if _, err := h.LinkUp(ctx, "vmtnosuch0"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("LinkUp(missing) = %v, want ErrNotFound", err)
	}
	if err := h.SetLinkUp(ctx, "vmtnosuch0", true); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("SetLinkUp(missing) = %v, want ErrNotFound", err)
	}
}
