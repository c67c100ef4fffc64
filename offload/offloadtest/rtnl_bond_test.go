package offloadtest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/offloadkit/offloadkit/internal/rtnl"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// TestFakeBondLifecycle: the fake rtnetlink creates a bond down in the mode
// asked, refuses a taken name (EEXIST), changes the mode only of an empty
// bond that is down (ENOTEMPTY with slaves before EBUSY while up, as the
// bonding driver checks them), reports master and kind, deletes a bond
// (releasing and closing its slaves) and refuses to delete a PF uplink.
func TestFakeBondLifecycle(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	c := rtnl.New(tr.RtnetlinkConn())
	defer c.Close()
	ctx := context.Background()
	mode := func() string {
		b, err := os.ReadFile(filepath.Join(tr.Root, "sys/class/net/bond7/bonding/mode"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	if err := c.NewBond(ctx, "bond7", 2); err != nil {
		t.Fatal(err)
	}
	if got := mode(); got != "balance-xor 2" || tr.LinkUp("bond7") {
		t.Fatalf("new bond: mode %q, up %v; want balance-xor 2, down", got, tr.LinkUp("bond7"))
	}
	for _, name := range []string{"bond7", "enp132s0f0np0"} {
		if err := c.NewBond(ctx, name, 1); !errors.Is(err, errs.ErrExists) {
			t.Errorf("NewBond(%s) = %v, want EEXIST", name, err)
		}
	}
	if err := c.NewBond(ctx, "bond8", 9); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("NewBond with mode 9 = %v, want EINVAL", err)
	}
	l, err := c.Link(ctx, "bond7")
	if err != nil {
		t.Fatal(err)
	}
	if l.Kind != "bond" {
		t.Errorf("kind %q", l.Kind)
	}
	if err := c.SetBondMode(ctx, l.Index, "bond7", 4); err != nil {
		t.Fatalf("mode change on a down empty bond: %v", err)
	}
	if got := mode(); got != "802.3ad 4" {
		t.Errorf("mode %q after the change", got)
	}
	if err := c.SetUp(ctx, l.Index, "bond7", true); err != nil {
		t.Fatal(err)
	}
	if err := c.SetBondMode(ctx, l.Index, "bond7", 1); !errors.Is(err, syscall.EBUSY) {
		t.Errorf("mode change on an up bond = %v, want EBUSY", err)
	}
	if _, err := tr.WriteFile(ctx, "sys/class/net/bond7/bonding/slaves", []byte("+enp132s0f1np1")); err != nil {
		t.Fatal(err)
	}
	if err := c.SetBondMode(ctx, l.Index, "bond7", 1); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("mode change with a slave = %v, want ENOTEMPTY", err)
	}
	if s, err := c.Link(ctx, "enp132s0f1np1"); err != nil || s.Master != l.Index || !s.Up() {
		t.Errorf("slave: %+v, %v; want master %d and up", s, err, l.Index)
	}
	if got := mode(); got != "802.3ad 4" {
		t.Errorf("refused changes left mode %q", got)
	}
	up, err := c.Link(ctx, "enp132s0f0np0")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLink(ctx, up.Index, "enp132s0f0np0"); !errors.Is(err, errs.ErrNotSupported) {
		t.Errorf("deleting a PF uplink = %v, want EOPNOTSUPP", err)
	}
	if err := c.DeleteLink(ctx, l.Index, "bond7"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Link(ctx, "bond7"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("bond7 after delete: %v", err)
	}
	if s, err := c.Link(ctx, "enp132s0f1np1"); err != nil || s.Master != 0 || s.Up() {
		t.Errorf("slave after its bond was deleted: %+v, %v; want no master, down (released and closed)", s, err)
	}
}
