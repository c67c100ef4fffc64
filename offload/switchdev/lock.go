package switchdev

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/offloadkit/offloadkit/offload"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// PFLock is an exclusive lock on one PF, held through a file lock (flock)
// on <runDir>/switchdev-<pci>.lock. It serialises agents that reconfigure
// the PF, in this process or in others; Plan.Apply takes it. The lock is
// released with Unlock or when the process exits.
type PFLock struct {
	PF   offload.PCIAddress
	Path string
	f    *os.File
}

// lockPollInterval is how often a waiting LockPF retries: flock cannot be
// interrupted by a context, so the lock is polled without blocking.
const lockPollInterval = 10 * time.Millisecond

// LockPF takes the lock of pf under runDir (created 0755 if missing),
// waiting until it is free or ctx ends (errs.ErrTimeout).
func LockPF(ctx context.Context, runDir string, pf offload.PCIAddress) (*PFLock, error) {
	if runDir == "" {
		return nil, errs.Invalid("run directory", runDir, "empty")
	}
	// pf.String() is a validated PCI address: no path separators.
	path := filepath.Join(runDir, "switchdev-"+pf.String()+".lock")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, &errs.Error{Op: "create lock directory", Device: pf.String(), Path: runDir, Err: err}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, &errs.Error{Op: "open lock file", Device: pf.String(), Path: path, Err: err}
	}
	tick := time.NewTicker(lockPollInterval)
	defer tick.Stop()
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, &errs.Error{Op: "lock PF", Device: pf.String(), Path: path, Err: err}
		}
		if ok {
			// Record the holder for people looking at a stuck lock.
			_ = f.Truncate(0)
			_, _ = f.WriteAt([]byte(fmt.Sprintf("%d\n", os.Getpid())), 0)
			return &PFLock{PF: pf, Path: path, f: f}, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, &errs.Error{Op: "lock PF", Device: pf.String(), Path: path,
				Err: fmt.Errorf("%w: another agent holds the lock: %w", errs.ErrTimeout, ctx.Err())}
		case <-tick.C:
		}
	}
}

// Unlock releases the lock. The file stays, so that the next locker opens
// the same inode.
func (l *PFLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
