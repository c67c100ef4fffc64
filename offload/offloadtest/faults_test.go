package offloadtest_test

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// TestFailWriteNth: only the n-th write (counted from arming) fails, once;
// the writes before and after go through, and the failed one changes
// nothing.
func TestFailWriteNth(t *testing.T) {
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := tr.Host(t)
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.1")
	numvfs := "sys/bus/pci/devices/0000:84:00.1/sriov_numvfs"
	numVFs := func() int {
		t.Helper()
		n, err := h.NumVFs(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// A write before arming does not count.
	if err := write(t, tr, numvfs, "0"); err != nil {
		t.Fatal(err)
	}
	tr.FailWriteNth(numvfs, 2, syscall.EIO)
	if err := write(t, tr, numvfs, "2"); err != nil {
		t.Fatalf("first write after arming: %v", err)
	}
	if err := write(t, tr, numvfs, "0"); !errors.Is(err, syscall.EIO) {
		t.Fatalf("second write: %v, want EIO", err)
	}
	if n := numVFs(); n != 2 {
		t.Errorf("the failed write changed the VF count to %d", n)
	}
	if err := write(t, tr, numvfs, "0"); err != nil {
		t.Fatalf("third write (the rollback's): %v", err)
	}
	if n := numVFs(); n != 0 {
		t.Errorf("VFs after the third write = %d", n)
	}

	// Through the library, with two faults armed on one path.
	tr.FailWriteOnce(numvfs, syscall.EBUSY)
	tr.FailWriteNth(numvfs, 3, syscall.ENOMEM)
	if err := h.SetNumVFs(ctx, pf, 1); !errors.Is(err, errs.ErrBusy) {
		t.Errorf("SetNumVFs with the next write failing: %v, want ErrBusy", err)
	}
	if err := h.SetNumVFs(ctx, pf, 1); err != nil {
		t.Errorf("SetNumVFs after the one-shot fault: %v", err)
	}
	if err := write(t, tr, numvfs, "0"); !errors.Is(err, syscall.ENOMEM) {
		t.Errorf("third write: %v, want ENOMEM", err)
	}
	if err := write(t, tr, numvfs, "0"); err != nil {
		t.Errorf("fourth write: %v", err)
	}
	// The write log keeps the failed writes too.
	if w := tr.Writes(); len(w) != 8 || !strings.HasSuffix(w[len(w)-1], "sriov_numvfs=0") {
		t.Errorf("write log = %q, want all 8 writes", w)
	}
}

// TestFailWriteNthOtherPaths: a fault on one path does not count or fail
// writes to another, and a persistent FailWrite wins over a one-shot.
func TestFailWriteNthOtherPaths(t *testing.T) {
	tr := offloadtest.NewByName(t, "cx5-bond")
	tr.FailWriteOnce(bondSlaves, syscall.EAGAIN)
	if err := write(t, tr, bondModeFile, "1"); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("mode write: %v, want the bonding driver's ENOTEMPTY, not the fault", err)
	}
	if err := write(t, tr, bondSlaves, "-enp132s0f0np0"); !errors.Is(err, syscall.EAGAIN) {
		t.Errorf("first slaves write: %v, want EAGAIN", err)
	}
	if err := write(t, tr, bondSlaves, "-enp132s0f0np0"); err != nil {
		t.Errorf("second slaves write: %v", err)
	}
	tr.FailWrite(bondSlaves, syscall.EIO)
	tr.FailWriteOnce(bondSlaves, syscall.EAGAIN)
	for i := 0; i < 2; i++ {
		if err := write(t, tr, bondSlaves, "+enp132s0f0np0"); !errors.Is(err, syscall.EIO) {
			t.Errorf("write %d with FailWrite set: %v, want EIO", i+1, err)
		}
	}
}

func TestFailWriteNthRefusesNonsense(t *testing.T) {
	tr := offloadtest.NewByName(t, "cx5-legacy")
	for _, c := range []struct {
		n     int
		errno syscall.Errno
	}{{0, syscall.EIO}, {-1, syscall.EIO}, {1, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("FailWriteNth(n=%d, errno=%d) did not panic", c.n, c.errno)
				}
			}()
			tr.FailWriteNth("sys/bus/pci/devices/0000:84:00.0/sriov_numvfs", c.n, c.errno)
		}()
	}
}

// TestFailDevlinkNth: the n-th request of one devlink command on one PF
// fails once, with the extended ack; the other PF and later requests are
// answered.
func TestFailDevlinkNth(t *testing.T) {
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := tr.Host(t)
	ctx := context.Background()
	pf0 := offload.MustParsePCIAddress("0000:84:00.0")
	pf1 := offload.MustParsePCIAddress("0000:84:00.1")
	tr.FailDevlinkNth(pf1.String(), offloadtest.DevlinkESwitchSet, 2, syscall.EBUSY, "fake: VFs are busy")
	if err := h.Devlink(offload.PCIDevice(pf0)).SetESwitchMode(ctx, offload.ESwitchModeSwitchdev); err != nil {
		t.Fatalf("other PF: %v", err)
	}
	if err := h.Devlink(offload.PCIDevice(pf1)).SetESwitchMode(ctx, offload.ESwitchModeSwitchdev); err != nil {
		t.Fatalf("first eswitch set: %v", err)
	}
	err := h.Devlink(offload.PCIDevice(pf1)).SetESwitchMode(ctx, offload.ESwitchModeLegacy)
	if !errors.Is(err, errs.ErrBusy) || !strings.Contains(err.Error(), "fake: VFs are busy") {
		t.Fatalf("second eswitch set: %v, want ErrBusy with the extended ack", err)
	}
	if m := tr.ESwitchMode(pf1.String()); m != offload.ESwitchModeSwitchdev {
		t.Errorf("the refused request changed the mode to %s", m)
	}
	if err := h.Devlink(offload.PCIDevice(pf1)).SetESwitchMode(ctx, offload.ESwitchModeLegacy); err != nil {
		t.Fatalf("third eswitch set (the rollback's): %v", err)
	}
	if m := tr.ESwitchMode(pf1.String()); m != offload.ESwitchModeLegacy {
		t.Errorf("mode after the third request = %s", m)
	}
	// A persistent refusal takes precedence and the one-shot stays armed
	// for the request it names.
	tr.FailDevlinkNth(pf0.String(), offloadtest.DevlinkESwitchGet, 2, syscall.EIO, "")
	tr.FailDevlink(pf0.String(), offloadtest.DevlinkESwitchGet, syscall.EOPNOTSUPP, "")
	if _, err := h.Devlink(offload.PCIDevice(pf0)).ESwitchMode(ctx); !errors.Is(err, errs.ErrNotSupported) {
		t.Errorf("eswitch get with FailDevlink: %v, want ErrNotSupported", err)
	}
	tr.FailDevlink(pf0.String(), offloadtest.DevlinkESwitchGet, 0, "")
	if _, err := h.Devlink(offload.PCIDevice(pf0)).ESwitchMode(ctx); !errors.Is(err, syscall.EIO) {
		t.Errorf("second eswitch get: %v, want the one-shot EIO", err)
	}
	if m, err := h.Devlink(offload.PCIDevice(pf0)).ESwitchMode(ctx); err != nil || m != offload.ESwitchModeSwitchdev {
		t.Errorf("third eswitch get: %s, %v", m, err)
	}
}

// TestFailFeaturesSetNth: the n-th FEATURES_SET for a netdev fails once.
func TestFailFeaturesSetNth(t *testing.T) {
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h := tr.Host(t)
	ctx := context.Background()
	tr.FailFeaturesSetNth("enp132s0f0np0", 1, syscall.EOPNOTSUPP)
	if err := h.SetHWTCOffload(ctx, "enp132s0f1np1", true); err != nil {
		t.Fatalf("other netdev: %v", err)
	}
	if err := h.SetHWTCOffload(ctx, "enp132s0f0np0", true); !errors.Is(err, errs.ErrNotSupported) {
		t.Fatalf("first set: %v, want ErrNotSupported", err)
	}
	if on, ok := tr.Feature("enp132s0f0np0", "hw-tc-offload"); !ok || on {
		t.Errorf("the refused request turned hw-tc-offload on (%v, %v)", on, ok)
	}
	if err := h.SetHWTCOffload(ctx, "enp132s0f0np0", true); err != nil {
		t.Fatalf("second set: %v", err)
	}
	if on, _ := tr.Feature("enp132s0f0np0", "hw-tc-offload"); !on {
		t.Error("hw-tc-offload is off after the second request")
	}
}
