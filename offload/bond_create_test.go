package offload_test

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// TestCreateDeleteBond: CreateBond makes a down bond in the mode asked
// (read back from sysfs), refuses a taken name and bad input without
// touching anything, DeleteBond refuses a bond with slaves and removes an
// empty one, and the raw tree is as it was afterwards.
func TestCreateDeleteBond(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h := tr.Host(t)
	ctx := context.Background()
	before, err := tr.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		name string
		mode offload.BondMode
		want error
	}{
		{"bad/name", offload.BondMode8023AD, errs.ErrInvalidArgument},
		{"bond9", offload.BondModeUnknown, errs.ErrInvalidArgument},
		{"enp132s0f0np0", offload.BondModeActiveBackup, errs.ErrExists},
	} {
		if err := h.CreateBond(ctx, bad.name, bad.mode); !errors.Is(err, bad.want) {
			t.Errorf("CreateBond(%q, %s) = %v, want %v", bad.name, bad.mode, err, bad.want)
		}
	}
	if err := h.CreateBond(ctx, "bond9", offload.BondModeBalanceXOR); err != nil {
		t.Fatal(err)
	}
	b, err := h.ReadBond("bond9")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&offload.Bond{Name: "bond9", Mode: offload.BondModeBalanceXOR}, b, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("created bond (-want +got):\n%s", d)
	}
	if tr.LinkUp("bond9") {
		t.Error("a new bond is up; the kernel creates links down")
	}
	if err := h.CreateBond(ctx, "bond9", offload.BondModeBalanceXOR); !errors.Is(err, errs.ErrExists) {
		t.Errorf("second CreateBond = %v, want ErrExists", err)
	}
	if _, err := h.ReadBond("enp132s0f0np0"); !errors.Is(err, errs.ErrExists) {
		t.Errorf("ReadBond of a PF uplink = %v, want ErrExists (not a bond)", err)
	}
	if _, err := tr.WriteFile(ctx, "sys/class/net/bond9/bonding/slaves", []byte("+enp132s0f0np0")); err != nil {
		t.Fatal(err)
	}
	if !tr.LinkUp("enp132s0f0np0") {
		t.Error("enslaving did not leave the slave up (bond_enslave opens it)")
	}
	if err := h.DeleteBond(ctx, "bond9"); !errors.Is(err, errs.ErrBusy) {
		t.Errorf("DeleteBond with a slave = %v, want ErrBusy", err)
	}
	if _, err := tr.WriteFile(ctx, "sys/class/net/bond9/bonding/slaves", []byte("-enp132s0f0np0")); err != nil {
		t.Fatal(err)
	}
	if tr.LinkUp("enp132s0f0np0") {
		t.Error("releasing left the slave up (__bond_release_one closes it)")
	}
	if err := h.SetLinkUp(ctx, "enp132s0f0np0", true); err != nil {
		t.Fatal(err)
	}
	tr.RtnlFaultNth("bond9", offloadtest.RtnlDelLink, 1, offloadtest.FaultRefused, syscall.EIO)
	if err := h.DeleteBond(ctx, "bond9"); err == nil {
		t.Error("DeleteBond with the kernel refusing succeeded")
	}
	if err := h.DeleteBond(ctx, "bond9"); err != nil {
		t.Fatal(err)
	}
	if b, err := h.ReadBond("bond9"); b != nil || err != nil {
		t.Errorf("ReadBond after delete = %+v, %v", b, err)
	}
	if err := h.DeleteBond(ctx, "bond9"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("DeleteBond of a missing bond = %v, want ErrNotFound", err)
	}
	after, err := tr.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("raw state after create, enslave, release, delete (-before +after):\n%s", d)
	}
}
