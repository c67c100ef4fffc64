//go:build linux

package podnet

import (
	"context"
	"errors"
	"fmt"

	"github.com/offloadkit/offloadkit/internal/filelock"
	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// lockVF takes the VF's lock, an exclusive flock on <runDir>/podnet-<pci>.lock,
// waiting until it is free or ctx ends (errs.ErrTimeout). flock locks
// belong to open file descriptions, so separate processes and separate
// calls in one process exclude each other alike; the kernel drops the lock
// when its holder dies. The file stays, so every locker opens one inode.
func lockVF(ctx context.Context, runDir string, vf offload.PCIAddress) (unlock func(), err error) {
	path := vfFile(runDir, vf, ".lock")
	l, err := filelock.Acquire(ctx, path, filelock.Exclusive)
	if err != nil {
		if errors.Is(err, errs.ErrTimeout) {
			err = fmt.Errorf("another ADD or DEL holds the VF: %w", err)
		}
		return nil, &errs.Error{Op: "lock VF", Device: vf.String(), Path: path, Err: err}
	}
	return func() { _ = l.Release() }, nil
}

// lock takes the locks an ADD, DEL or CHECK of vf holds: the PF's lock
// shared (offload/switchdev holds it exclusively while a plan reconfigures
// the PF: a pod is never plumbed on a PF whose VFs or eswitch mode are
// changing, and a plan waits for the pods being plumbed), then the VF's
// exclusively. Always in that order, so two callers never wait on each
// other crosswise. A VF whose PF cannot be found (it is gone, or is no
// VF) has no PF to protect: only its own lock is taken, and the call goes
// on to find what it finds (a DEL of a vanished VF still cleans up its
// record).
func (p *Plumber) lock(ctx context.Context, vf offload.PCIAddress) (unlock func(), err error) {
	pf, err := p.host.PFOf(vf)
	var pfLock *filelock.Lock
	switch {
	case errors.Is(err, errs.ErrNotFound):
		p.log.Debug("VF has no PF to lock", "vf", vf, "err", err)
	case err != nil:
		return nil, err
	default:
		path := filelock.PFPath(p.runDir, pf.String())
		if pfLock, err = filelock.Acquire(ctx, path, filelock.Shared); err != nil {
			if errors.Is(err, errs.ErrTimeout) {
				err = fmt.Errorf("a switchdev plan is reconfiguring PF %s: %w", pf, err)
			}
			return nil, &errs.Error{Op: "lock PF of VF", Device: vf.String(), Path: path, Err: err}
		}
	}
	unlockVF, err := lockVF(ctx, p.runDir, vf)
	if err != nil {
		_ = pfLock.Release()
		return nil, err
	}
	return func() {
		unlockVF()
		_ = pfLock.Release()
	}, nil
}
