//go:build linux

package filelock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Lock is a held lock.
type Lock struct {
	Path string
	Mode Mode
	f    *os.File
}

// Acquire takes the lock on path in mode, creating the file (0644) and its
// directory (0755) if missing, and waits until it is free or ctx ends.
// The file stays when the lock is released, so every holder locks the same
// inode.
func Acquire(ctx context.Context, path string, mode Mode) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, err
	}
	how := unix.LOCK_EX
	if mode == Shared {
		how = unix.LOCK_SH
	}
	var tick *time.Ticker
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		switch {
		case err == nil:
			if tick != nil {
				tick.Stop()
			}
			return &Lock{Path: path, Mode: mode, f: f}, nil
		case errors.Is(err, unix.EINTR):
			continue
		case !errors.Is(err, unix.EWOULDBLOCK):
			f.Close()
			return nil, err
		}
		if tick == nil {
			tick = time.NewTicker(PollInterval)
			defer tick.Stop()
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("%w: held by another process or goroutine: %w", errs.ErrTimeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// File is the open lock file, for a holder that records itself in it.
func (l *Lock) File() *os.File { return l.f }

// Release drops the lock; releasing a released or nil Lock does nothing.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
