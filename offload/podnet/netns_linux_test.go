//go:build linux

package podnet

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// TestNetNSPathsThatAreNotNetworkNamespaces: on ADD, a FIFO, a regular
// file, a directory, a device node, a symlink loop, another kind of
// namespace and a missing path are each refused (ErrInvalidArgument, or
// ErrNotFound for the missing path) well within the deadline, with no lock
// taken (no lock file even created), no record, no link or VF setting
// changed. On DEL the same paths are refused too, except the missing one,
// which is a pod already gone: nil.
func TestNetNSPathsThatAreNotNetworkNamespaces(t *testing.T) {
	t.Parallel()
	r := newRig(t, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("not a namespace\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dev := filepath.Join(dir, "null")
	if err := unix.Mknod(dev, unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	loopA, loopB := filepath.Join(dir, "loopA"), filepath.Join(dir, "loopB")
	if err := os.Symlink(loopB, loopA); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(loopA, loopB); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		want       error
	}{
		{"FIFO", fifo, errs.ErrInvalidArgument},
		{"regular file", regular, errs.ErrInvalidArgument},
		{"/etc/passwd", "/etc/passwd", errs.ErrInvalidArgument},
		{"directory", dir, errs.ErrInvalidArgument},
		{"device node", dev, errs.ErrInvalidArgument},
		{"/dev/null", "/dev/null", errs.ErrInvalidArgument},
		{"symlink loop", loopA, errs.ErrInvalidArgument},
		{"mount namespace", "/proc/self/ns/mnt", errs.ErrInvalidArgument},
		{"missing", filepath.Join(dir, "gone"), errs.ErrNotFound},
	}
	before := r.state(t)
	const deadline = 2 * time.Second
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			_, err := r.p.AttachVF(ctx, r.vf, podA, c.path, attachOpts())
			took := time.Since(start)
			if !errors.Is(err, c.want) {
				t.Errorf("ADD: got %v, want %v", err, c.want)
			}
			if took > deadline/2 {
				t.Errorf("ADD took %v", took)
			}
			t.Logf("ADD refused in %v: %v", took.Round(time.Microsecond), err)
			err = r.p.DetachVF(ctx, r.vf, podA, c.path)
			if c.want == errs.ErrNotFound {
				if err != nil {
					t.Errorf("DEL with the pod's namespace gone: %v", err)
				}
			} else if !errors.Is(err, errs.ErrInvalidArgument) {
				t.Errorf("DEL: got %v, want ErrInvalidArgument", err)
			}
			if err := r.p.CheckVF(ctx, r.vf, podA, c.path); !errors.Is(err, c.want) {
				t.Errorf("CHECK: got %v, want %v", err, c.want)
			}
			// No lock: not even its file was made (the namespace is
			// checked first), and the VF can be locked at once.
			if ents, _ := os.ReadDir(r.p.runDir); len(ents) != 0 && c.want != errs.ErrNotFound {
				t.Errorf("run directory holds %v", ents)
			}
			defer os.Remove(vfFile(r.p.runDir, r.vf, ".lock")) // the one made just below
			short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel2()
			unlock, err := lockVF(short, r.p.runDir, r.vf)
			if err != nil {
				t.Fatalf("VF lock not free: %v", err)
			}
			unlock()
			if d := cmp.Diff(before, r.state(t)); d != "" {
				t.Errorf("host changed (-before +after):\n%s", d)
			}
			if w := r.tree.Writes(); len(w) != 0 {
				t.Errorf("sysfs writes: %v", w)
			}
		})
	}
	// And a real namespace still works afterwards.
	if _, err := r.p.AttachVF(context.Background(), r.vf, podA, r.podNS, attachOpts()); err != nil {
		t.Fatal(err)
	}
	if err := r.p.DetachVF(context.Background(), r.vf, podA, r.podNS); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, r.state(t)); d != "" {
		t.Errorf("(-before +after):\n%s", d)
	}
}
