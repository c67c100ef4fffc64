//go:build linux

package filelock_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/internal/filelock"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// TestModes: shared holders coexist and keep an exclusive taker out until
// the last one releases; an exclusive holder keeps everyone out; a waiter
// gives up with its context, with ErrTimeout. Each Acquire is its own
// open file description, so the goroutines of one test exclude each other
// as processes do.
func TestModes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run", "switchdev-0000:03:00.0.lock")
	ctx := context.Background()
	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		t.Cleanup(cancel)
		return c
	}
	a, err := filelock.Acquire(ctx, path, filelock.Shared)
	if err != nil {
		t.Fatal(err)
	}
	b, err := filelock.Acquire(short(), path, filelock.Shared)
	if err != nil {
		t.Fatalf("second shared holder: %v", err)
	}
	if _, err := filelock.Acquire(short(), path, filelock.Exclusive); !errors.Is(err, errs.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("exclusive under two shared: %v, want ErrTimeout", err)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := filelock.Acquire(short(), path, filelock.Exclusive); !errors.Is(err, errs.ErrTimeout) {
		t.Fatalf("exclusive under one shared: %v, want ErrTimeout", err)
	}
	if err := b.Release(); err != nil {
		t.Fatal(err)
	}
	x, err := filelock.Acquire(short(), path, filelock.Exclusive)
	if err != nil {
		t.Fatalf("exclusive once free: %v", err)
	}
	if _, err := filelock.Acquire(short(), path, filelock.Shared); !errors.Is(err, errs.ErrTimeout) {
		t.Fatalf("shared under exclusive: %v, want ErrTimeout", err)
	}
	// A waiter gets the lock when the holder lets go.
	got := make(chan error, 1)
	go func() {
		l, err := filelock.Acquire(ctx, path, filelock.Shared)
		if err == nil {
			err = l.Release()
		}
		got <- err
	}()
	time.Sleep(3 * filelock.PollInterval)
	if err := x.Release(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	if err := x.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
}
