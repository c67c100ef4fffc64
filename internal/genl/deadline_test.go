package genl

import (
	"context"
	"sync"
	"testing"
	"time"
)

// deadlines records what BindContext sets on a socket.
type deadlines struct {
	mu  sync.Mutex
	set []time.Time
}

func (d *deadlines) SetDeadline(t time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.set = append(d.set, t)
	return nil
}

func (d *deadlines) last() (time.Time, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.set[len(d.set)-1], len(d.set)
}

func TestBindContext(t *testing.T) {
	t.Parallel()
	// The context's deadline becomes the socket's; release clears it.
	dl := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(context.Background(), dl)
	var s deadlines
	release := BindContext(ctx, &s)
	if got, _ := s.last(); !got.Equal(dl) {
		t.Fatalf("deadline %v, want the context's %v", got, dl)
	}
	release()
	if got, _ := s.last(); !got.IsZero() {
		t.Fatalf("after release the deadline is %v, want none", got)
	}
	// A cancellation after release leaves the socket alone.
	_, n := s.last()
	cancel()
	if _, m := s.last(); m != n {
		t.Errorf("cancel after release set the deadline again (%d -> %d calls)", n, m)
	}

	// Cancelling during a request moves the deadline into the past, which
	// ends a blocked read.
	ctx, cancel = context.WithCancel(context.Background())
	var s2 deadlines
	s2.set = []time.Time{{}}
	release = BindContext(ctx, &s2)
	cancel()
	for start := time.Now(); ; {
		if got, _ := s2.last(); !got.IsZero() && got.Before(time.Now()) {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("cancel did not move the deadline into the past")
		}
		time.Sleep(time.Millisecond)
	}
	release()
	if got, _ := s2.last(); !got.IsZero() {
		t.Errorf("after release the deadline is %v, want none", got)
	}
}
