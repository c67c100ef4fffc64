//go:build linux

package podnet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// lockPollInterval is how often a waiting lockVF retries: flock(2) cannot
// be interrupted by a context, so the lock is polled without blocking.
const lockPollInterval = 5 * time.Millisecond

// lockVF takes the VF's lock, an exclusive flock on <runDir>/podnet-<pci>.lock,
// waiting until it is free or ctx ends (errs.ErrTimeout). flock locks
// belong to open file descriptions, so separate processes and separate
// calls in one process exclude each other alike; the kernel drops the lock
// when its holder dies. The file stays, so every locker opens one inode.
func lockVF(ctx context.Context, runDir string, vf offload.PCIAddress) (unlock func(), err error) {
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, &errs.Error{Op: "create run directory", Device: vf.String(), Path: runDir, Err: err}
	}
	path := vfFile(runDir, vf, ".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, &errs.Error{Op: "open VF lock", Device: vf.String(), Path: path, Err: err}
	}
	var tick *time.Ticker
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			if tick != nil {
				tick.Stop()
			}
			return func() { _ = unix.Flock(int(f.Fd()), unix.LOCK_UN); f.Close() }, nil
		case errors.Is(err, unix.EINTR):
			continue
		case !errors.Is(err, unix.EWOULDBLOCK):
			f.Close()
			return nil, &errs.Error{Op: "lock VF", Device: vf.String(), Path: path, Err: err}
		}
		if tick == nil {
			tick = time.NewTicker(lockPollInterval)
			defer tick.Stop()
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, &errs.Error{Op: "lock VF", Device: vf.String(), Path: path,
				Err: fmt.Errorf("%w: another ADD or DEL holds the VF: %w", errs.ErrTimeout, ctx.Err())}
		case <-tick.C:
		}
	}
}
