//go:build linux

package podnet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// TestLockVF: one VF's lock excludes a second taker in the same process
// (flock belongs to the open file description), times out with the
// context, leaves other VFs free, and is free again after unlock.
func TestLockVF(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := offload.MustParsePCIAddress("0000:84:00.2")
	b := offload.MustParsePCIAddress("0000:84:00.3")
	ctx := context.Background()
	unlockA, err := lockVF(ctx, dir, a)
	if err != nil {
		t.Fatal(err)
	}
	unlockB, err := lockVF(ctx, dir, b)
	if err != nil {
		t.Fatal(err)
	}
	unlockB()
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := lockVF(short, dir, a); !errors.Is(err, errs.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock of the same VF: got %v, want ErrTimeout wrapping the deadline", err)
	}
	got := make(chan error)
	go func() {
		u, err := lockVF(ctx, dir, a)
		if err == nil {
			u()
		}
		got <- err
	}()
	unlockA()
	if err := <-got; err != nil {
		t.Errorf("lock after unlock: %v", err)
	}
}
