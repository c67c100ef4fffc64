package switchdev

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/offloadkit/offloadkit/internal/filelock"
	"github.com/offloadkit/offloadkit/offload"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// PFLock is an exclusive lock on one PF, held through a file lock (flock)
// on <runDir>/switchdev-<pci>.lock. It serialises agents that reconfigure
// the PF, in this process or in others; Plan.Apply takes it. offload/podnet
// holds the same file shared while it plumbs one of the PF's VFs, so a
// plan waits for pods being attached or detached, and they wait for it.
// The lock is released with Unlock or when the process exits.
type PFLock struct {
	PF   offload.PCIAddress
	Path string
	l    *filelock.Lock
}

// LockPF takes the lock of pf under runDir (created 0755 if missing),
// waiting until it is free or ctx ends (errs.ErrTimeout).
func LockPF(ctx context.Context, runDir string, pf offload.PCIAddress) (*PFLock, error) {
	if runDir == "" {
		return nil, errs.Invalid("run directory", runDir, "empty")
	}
	// pf.String() is a validated PCI address: no path separators.
	path := filelock.PFPath(runDir, pf.String())
	l, err := filelock.Acquire(ctx, path, filelock.Exclusive)
	if err != nil {
		if errors.Is(err, errs.ErrTimeout) {
			err = fmt.Errorf("another agent, or a pod being plumbed on one of its VFs, holds the PF: %w", err)
		}
		return nil, &errs.Error{Op: "lock PF", Device: pf.String(), Path: path, Err: err}
	}
	// Record the holder for people looking at a stuck lock.
	if f := l.File(); f != nil {
		_ = f.Truncate(0)
		_, _ = f.WriteAt([]byte(fmt.Sprintf("%d\n", os.Getpid())), 0)
	}
	return &PFLock{PF: pf, Path: path, l: l}, nil
}

// Unlock releases the lock. The file stays, so that the next locker opens
// the same inode.
func (l *PFLock) Unlock() error {
	if l == nil {
		return nil
	}
	return l.l.Release()
}
