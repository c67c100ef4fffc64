package offload_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

const (
	bond1Mode   = "sys/class/net/bond1/bonding/mode"
	bond1Slaves = "sys/class/net/bond1/bonding/slaves"
)

// emptyBond builds cx5-bond and releases both PFs from bond1 (802.3ad,
// up), as a VF LAG plan does before it changes the mode.
func emptyBond(t *testing.T) (*offloadtest.Tree, *offload.Host) {
	t.Helper()
	tr := offloadtest.NewByName(t, "cx5-bond")
	for _, op := range []string{"-enp132s0f0np0", "-enp132s0f1np1"} {
		if _, err := tr.WriteFile(context.Background(), bond1Slaves, []byte(op)); err != nil {
			t.Fatal(err)
		}
	}
	return tr, tr.Host(t)
}

func bondMode(t *testing.T, tr *offloadtest.Tree) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tr.Root, bond1Mode))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestSetBondModeUpBond: on an up bond without slaves, SetBondMode takes
// it down, writes the mode and brings it up again; a bond that was down
// stays down; the mode it already has is no change at all.
func TestSetBondModeUpBond(t *testing.T) {
	t.Parallel()
	tr, h := emptyBond(t)
	ctx := context.Background()
	// The raw write is what the plan used to do: the kernel refuses it.
	if _, err := tr.WriteFile(ctx, bond1Mode, []byte("active-backup")); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("raw mode write on the up bond = %v, want EBUSY", err)
	}
	if err := h.SetBondMode(ctx, "bond1", offload.BondModeActiveBackup); err != nil {
		t.Fatal(err)
	}
	if got := bondMode(t, tr); got != "active-backup 1" {
		t.Errorf("mode reads %q", got)
	}
	if !tr.LinkUp("bond1") {
		t.Error("bond1 was left down")
	}
	n := len(tr.Writes())
	if err := h.SetBondMode(ctx, "bond1", offload.BondModeActiveBackup); err != nil {
		t.Fatal(err)
	}
	if len(tr.Writes()) != n {
		t.Errorf("setting the mode it has wrote %v", tr.Writes()[n:])
	}
	if err := h.SetLinkUp(ctx, "bond1", false); err != nil {
		t.Fatal(err)
	}
	if err := h.SetBondMode(ctx, "bond1", offload.BondModeBalanceXOR); err != nil {
		t.Fatal(err)
	}
	if got := bondMode(t, tr); got != "balance-xor 2" || tr.LinkUp("bond1") {
		t.Errorf("down bond: mode %q, up %v; want balance-xor 2 and still down", got, tr.LinkUp("bond1"))
	}
}

// TestSetBondModeRefuses: slaves are errs.ErrBusy, bad input is
// errs.ErrInvalidArgument, a netdev that is not a bond errs.ErrNotFound, a host
// without rtnetlink errs.ErrNotSupported; none of them writes anything or
// changes the bond's state.
func TestSetBondModeRefuses(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-bond")
	h := tr.Host(t)
	ctx := context.Background()
	for _, c := range []struct {
		bond string
		mode offload.BondMode
		want error
	}{
		{"bond1", offload.BondModeActiveBackup, errs.ErrBusy},
		{"../bond1", offload.BondModeActiveBackup, errs.ErrInvalidArgument},
		{"", offload.BondModeActiveBackup, errs.ErrInvalidArgument},
		{"bond1", offload.BondModeUnknown, errs.ErrInvalidArgument},
		{"bond1", offload.BondMode(99), errs.ErrInvalidArgument},
		{"eno1", offload.BondModeActiveBackup, errs.ErrNotFound},
		{"nosuch0", offload.BondModeActiveBackup, errs.ErrNotFound},
	} {
		err := h.SetBondMode(ctx, c.bond, c.mode)
		if !errors.Is(err, c.want) {
			t.Errorf("SetBondMode(%q, %v) = %v, want %v", c.bond, c.mode, err, c.want)
		}
	}
	err := h.SetBondMode(ctx, "bond1", offload.BondModeActiveBackup)
	if msg := err.Error(); !strings.Contains(msg, "bond1") || !strings.Contains(msg, "enp132s0f0np0 enp132s0f1np1") || !strings.Contains(msg, "release them first") {
		t.Errorf("slaves error does not name the bond, the slaves and the fix: %v", err)
	}
	if w := tr.Writes(); len(w) != 0 {
		t.Errorf("refused calls wrote %v", w)
	}
	if got := bondMode(t, tr); got != "802.3ad 4" || !tr.LinkUp("bond1") {
		t.Errorf("refused calls changed bond1: mode %q, up %v", got, tr.LinkUp("bond1"))
	}

	// No rtnetlink: the bond cannot be taken down, so nothing is tried.
	tr2, _ := emptyBond(t)
	bare, err := offload.Open(offload.Config{Root: tr2.Root, SysfsHooks: tr2})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	n := len(tr2.Writes())
	if err := bare.SetBondMode(ctx, "bond1", offload.BondModeActiveBackup); !errors.Is(err, errs.ErrNotSupported) {
		t.Errorf("without rtnetlink = %v, want errs.ErrNotSupported", err)
	}
	if len(tr2.Writes()) != n {
		t.Errorf("without rtnetlink wrote %v", tr2.Writes()[n:])
	}
}

// TestSetBondModeRollsBack fails each sub-step once (bond down, mode
// write, bond up) and checks the error names it and the bond is back in
// its old mode and up.
func TestSetBondModeRollsBack(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		arm  func(tr *offloadtest.Tree)
		want string
	}{
		{"link-down", func(tr *offloadtest.Tree) { tr.FailSetLinkNth("bond1", 1, syscall.EPERM) }, "set link down bond1"},
		{"mode-set", func(tr *offloadtest.Tree) {
			tr.RtnlFaultNth("bond1", offloadtest.RtnlChangeLink, 1, offloadtest.FaultRefused, syscall.EIO)
		}, "set bond mode bond1"},
		{"mode-set-applied-then-error", func(tr *offloadtest.Tree) {
			tr.RtnlFaultNth("bond1", offloadtest.RtnlChangeLink, 1, offloadtest.FaultAppliedThenError, syscall.EIO)
		}, "set bond mode bond1"},
		{"link-up", func(tr *offloadtest.Tree) { tr.FailSetLinkNth("bond1", 2, syscall.EIO) }, "set link up bond1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr, h := emptyBond(t)
			c.arm(tr)
			err := h.SetBondMode(context.Background(), "bond1", offload.BondModeActiveBackup)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("SetBondMode = %v, want an error saying %q", err, c.want)
			}
			if strings.Contains(err.Error(), "ROLLBACK INCOMPLETE") {
				t.Errorf("rollback incomplete: %v", err)
			}
			if got := bondMode(t, tr); got != "802.3ad 4" || !tr.LinkUp("bond1") {
				t.Errorf("after the failure: mode %q, up %v; want 802.3ad 4 and up", got, tr.LinkUp("bond1"))
			}
			// The fault is spent: the same call now goes through.
			if err := h.SetBondMode(context.Background(), "bond1", offload.BondModeActiveBackup); err != nil {
				t.Fatal(err)
			}
			if got := bondMode(t, tr); got != "active-backup 1" || !tr.LinkUp("bond1") {
				t.Errorf("retry: mode %q, up %v", got, tr.LinkUp("bond1"))
			}
		})
	}
	// A rollback that cannot finish says so, and keeps the cause.
	tr, h := emptyBond(t)
	tr.FailSetLinkNth("bond1", 2, syscall.EIO) // bringing it up again
	tr.FailSetLinkNth("bond1", 3, syscall.EIO) // and the rollback's retry
	err := h.SetBondMode(context.Background(), "bond1", offload.BondModeActiveBackup)
	if err == nil || !strings.Contains(err.Error(), "ROLLBACK INCOMPLETE") || !strings.Contains(err.Error(), "set link up bond1") {
		t.Fatalf("double failure = %v, want the cause and ROLLBACK INCOMPLETE", err)
	}
	if got := bondMode(t, tr); got != "802.3ad 4" {
		t.Errorf("the mode was not restored: %q", got)
	}
}

// TestLinkUp: LinkUp and SetLinkUp agree with the fake kernel, read back,
// leave a link in the wanted state alone, and refuse bad names before
// anything is sent.
func TestLinkUp(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-bond")
	h := tr.Host(t)
	ctx := context.Background()
	for _, name := range []string{"enp132s0f0np0", "bond1", "eno1"} {
		up, err := h.LinkUp(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if up != tr.LinkUp(name) {
			t.Errorf("%s: LinkUp %v, fake kernel %v", name, up, tr.LinkUp(name))
		}
	}
	for _, up := range []bool{false, false, true} {
		if err := h.SetLinkUp(ctx, "enp132s0f0np0", up); err != nil {
			t.Fatal(err)
		}
		got, err := h.LinkUp(ctx, "enp132s0f0np0")
		if err != nil || got != up || tr.LinkUp("enp132s0f0np0") != up {
			t.Fatalf("after SetLinkUp(%v): LinkUp %v, %v; fake %v", up, got, err, tr.LinkUp("enp132s0f0np0"))
		}
	}
	// Already up: nothing is sent, so a fault armed on the next request
	// stays armed.
	tr.FailSetLinkNth("enp132s0f0np0", 1, syscall.EIO)
	if err := h.SetLinkUp(ctx, "enp132s0f0np0", true); err != nil {
		t.Fatalf("SetLinkUp on an up link sent a request: %v", err)
	}
	if err := h.SetLinkUp(ctx, "enp132s0f0np0", false); err == nil || !strings.Contains(err.Error(), "enp132s0f0np0") {
		t.Fatalf("refused SetLinkUp = %v, want an error naming the netdev", err)
	}
	if !tr.LinkUp("enp132s0f0np0") {
		t.Error("a refused request changed the state")
	}
	for _, bad := range []string{"", "../x", "a/b", strings.Repeat("x", 16)} {
		if _, err := h.LinkUp(ctx, bad); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("LinkUp(%q) = %v, want errs.ErrInvalidArgument", bad, err)
		}
		if err := h.SetLinkUp(ctx, bad, true); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("SetLinkUp(%q) = %v, want errs.ErrInvalidArgument", bad, err)
		}
	}
	if _, err := h.LinkUp(ctx, "nosuch0"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("LinkUp(nosuch0) = %v, want errs.ErrNotFound", err)
	}
	if err := h.SetLinkUp(ctx, "nosuch0", true); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("SetLinkUp(nosuch0) = %v, want errs.ErrNotFound", err)
	}
	bare, err := offload.Open(offload.Config{Root: tr.Root})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if _, err := bare.LinkUp(ctx, "bond1"); !errors.Is(err, errs.ErrNotSupported) {
		t.Errorf("LinkUp without rtnetlink = %v, want errs.ErrNotSupported", err)
	}
}
