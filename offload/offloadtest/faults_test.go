package offloadtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// TestFailWriteNth: only the n-th write (counted from arming) fails, once;
// the writes before and after go through, and the failed one changes
// nothing.
func TestFailWriteNth(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

// TestFaultKinds: the late and half-applied faults change the fake
// kernel's state, as real sysfs writes, devlink and ethtool requests can;
// the refused one does not.
func TestFaultKinds(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := tr.Host(t)
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.1")
	numvfs := "sys/bus/pci/devices/0000:84:00.1/sriov_numvfs"

	// Applied, then an error: the VFs exist although the write failed.
	tr.AppliedThenFailWriteNth(numvfs, 1, syscall.EIO)
	if err := write(t, tr, numvfs, "2"); !errors.Is(err, syscall.EIO) {
		t.Fatalf("applied-then-error write: %v, want EIO", err)
	}
	if n, _ := h.NumVFs(ctx, pf); n != 2 {
		t.Errorf("after an applied-then-error write of 2: %d VFs", n)
	}

	// Late: the write outlives the writer's deadline and lands after it.
	tr.LateWriteNth(numvfs, 1, 10*time.Millisecond)
	dctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	handled, err := tr.WriteFile(dctx, numvfs, []byte("0"))
	if !handled || err != nil || dctx.Err() == nil {
		t.Fatalf("late write: handled %v, %v, writer's context %v; want it applied once the deadline had passed", handled, err, dctx.Err())
	}
	if n, _ := h.NumVFs(ctx, pf); n != 0 {
		t.Errorf("after the late write of 0: %d VFs", n)
	}

	// devlink: late (a socket timeout, mode changed) and applied then an
	// error.
	dev := h.Devlink(offload.PCIDevice(pf))
	tr.LateDevlinkNth(pf.String(), offloadtest.DevlinkESwitchSet, 1)
	if err := dev.SetESwitchMode(ctx, offload.ESwitchModeSwitchdev); err == nil {
		t.Error("late devlink request: no error")
	}
	if m := tr.ESwitchMode(pf.String()); m != offload.ESwitchModeSwitchdev {
		t.Errorf("late devlink request: mode %s, want switchdev", m)
	}
	tr.AppliedThenFailDevlinkNth(pf.String(), offloadtest.DevlinkESwitchSet, 1, syscall.EIO, "representor creation failed")
	if err := dev.SetESwitchMode(ctx, offload.ESwitchModeLegacy); !strings.Contains(fmt.Sprint(err), "representor creation failed") {
		t.Errorf("applied-then-error devlink request: %v", err)
	}
	if m := tr.ESwitchMode(pf.String()); m != offload.ESwitchModeLegacy {
		t.Errorf("applied-then-error devlink request: mode %s, want legacy", m)
	}
	tr.FailDevlinkNth(pf.String(), offloadtest.DevlinkESwitchSet, 1, syscall.EBUSY, "")
	if err := dev.SetESwitchMode(ctx, offload.ESwitchModeSwitchdev); !errors.Is(err, errs.ErrBusy) {
		t.Errorf("refused devlink request: %v", err)
	}
	if m := tr.ESwitchMode(pf.String()); m != offload.ESwitchModeLegacy {
		t.Errorf("refused devlink request changed the mode to %s", m)
	}

	// ethtool: both kinds change hw-tc-offload and report an error.
	uplink := "enp132s0f1np1"
	for _, arm := range []func(){
		func() { tr.LateFeaturesSetNth(uplink, 1) },
		func() { tr.AppliedThenFailFeaturesSetNth(uplink, 1, syscall.EIO) },
	} {
		on, err := h.HWTCOffload(ctx, uplink)
		if err != nil {
			t.Fatal(err)
		}
		arm()
		if err := h.SetHWTCOffload(ctx, uplink, !on); err == nil {
			t.Error("faulted ethtool request: no error")
		}
		if now, _ := h.HWTCOffload(ctx, uplink); now == on {
			t.Errorf("faulted ethtool request did not change hw-tc-offload (%v)", now)
		}
	}
}
