package sysfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func TestParseInt(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"0": 0, "8": 8, "127": 127, "-1": -1, "65536": 65536} {
		got, err := ParseInt(in)
		if err != nil || got != want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", " 1", "1 ", "0x10", "1e3", "abc", "99999999999999999999", "+-1"} {
		if _, err := ParseInt(in); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("ParseInt(%q) = %v, want ErrInvalidArgument", in, err)
		}
	}
}

func TestParseHex16(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]uint16{"0x15b3": 0x15b3, "15b3": 0x15b3, "0X1F47": 0x1f47, "0x0": 0, "ffff": 0xffff} {
		got, err := ParseHex16(in)
		if err != nil || got != want {
			t.Errorf("ParseHex16(%q) = %#x, %v; want %#x", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0x", "0x10000", "12345", "0xg", "-1", "0x-1", " 0x1", "0x0Xab", "0X0x1"} {
		if _, err := ParseHex16(in); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("ParseHex16(%q) = %v, want ErrInvalidArgument", in, err)
		}
	}
}

func TestJoinRefusesClimbing(t *testing.T) {
	t.Parallel()
	if p, err := Join("sys/class/net", "eth0", "device"); err != nil || p != "sys/class/net/eth0/device" {
		t.Fatalf("Join = %q, %v", p, err)
	}
	for _, bad := range [][]string{{"sys", ".."}, {"sys/../etc"}, {"sys", ""}, {"sys", "a\x00"}, {"sys", "."}, {"/etc"}} {
		if _, err := Join(bad...); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("Join(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
}

type hangHooks struct{}

func (hangHooks) ReadFile(string) ([]byte, bool, error) { return nil, true, syscall.EOPNOTSUPP }
func (hangHooks) WriteFile(ctx context.Context, _ string, _ []byte) (bool, error) {
	<-ctx.Done()
	return true, syscall.EINTR
}

func TestFS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sys/a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sys/a/n"), []byte("42\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../a", filepath.Join(dir, "sys/link")); err != nil {
		t.Fatal(err)
	}
	fs, err := New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := fs.ReadInt("sys/a/n"); err != nil || n != 42 {
		t.Fatalf("ReadInt = %d, %v", n, err)
	}
	if b, err := fs.LinkBase("sys/link"); err != nil || b != "a" {
		t.Fatalf("LinkBase = %q, %v", b, err)
	}
	if err := fs.WriteFile(context.Background(), "sys/a/n", []byte("7")); err != nil {
		t.Fatal(err)
	}
	if n, _ := fs.ReadInt("sys/a/n"); n != 7 {
		t.Fatalf("after write ReadInt = %d, want 7 (truncated)", n)
	}
	// Two ReadInt and one link read; writes are not reads.
	if fs.Reads() != 3 {
		t.Errorf("Reads = %d, want 3", fs.Reads())
	}
	if _, err := New(filepath.Join(dir, "nope"), nil); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("New on a missing root = %v", err)
	}

	hfs, _ := New(dir, hangHooks{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = hfs.WriteFile(ctx, "sys/a/n", []byte("1"))
	if !errors.Is(err, errs.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hanging write = %v", err)
	}
	// The typed error names the file, as every error of the contract does.
	var e *errs.Error
	if !errors.As(err, &e) || e.Path != filepath.Join(dir, "sys/a/n") {
		t.Errorf("hanging write = %#v, want an *errs.Error with the file's path", err)
	}
	_, err = hfs.ReadFile("sys/a/n")
	if !IsAbsentAttribute(err) {
		t.Errorf("EOPNOTSUPP read not treated as an absent attribute: %v", err)
	}
}

func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "8", "-1", "127", "", "0x10", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseInt(s)
		if err != nil {
			return
		}
		m, err := ParseInt(strconv.Itoa(n))
		if err != nil || m != n {
			t.Fatalf("round trip %q -> %d -> %d, %v", s, n, m, err)
		}
	})
}

func FuzzParseHex16(f *testing.F) {
	for _, s := range []string{"0x15b3", "15b3", "0X1F47", "0x", "ffff", "0x10000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseHex16(s)
		if err != nil {
			return
		}
		if len(s) > 6 {
			t.Fatalf("accepted %q (too long) as %#x", s, v)
		}
	})
}

// gateHooks blocks writes to one file until release is closed, then lets
// them through to the file system, recording their order.
type gateHooks struct {
	rel     string
	release chan struct{}
	order   chan string
}

func (g *gateHooks) ReadFile(string) ([]byte, bool, error) { return nil, false, nil }

func (g *gateHooks) WriteFile(_ context.Context, rel string, data []byte) (bool, error) {
	if rel == g.rel && string(data) == "late" {
		<-g.release // a write the kernel cannot interrupt
	}
	g.order <- string(data)
	return false, nil
}

// TestWriteInFlight: a write that outlives its context is reported as in
// flight (errs.ErrTimeout wrapping a *Pending), listed by InFlight until
// it returns, and a later write to the same file waits for it, so the
// kernel sees the two in order and the file ends with the later value.
func TestWriteInFlight(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "attr"), []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := &gateHooks{rel: "attr", release: make(chan struct{}), order: make(chan string, 2)}
	f, err := New(dir, g)
	if err != nil {
		t.Fatal(err)
	}
	seq := f.WriteSeq()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = f.WriteFile(ctx, "attr", []byte("late"))
	var p *Pending
	if !errors.Is(err, errs.ErrTimeout) || !errors.As(err, &p) || p.Path != "attr" || p.Data != "late" {
		t.Fatalf("WriteFile past its deadline: %v, want errs.ErrTimeout wrapping the pending write", err)
	}
	if got := f.InFlight(seq); len(got) != 1 || got[0] != p {
		t.Fatalf("InFlight = %v, want the late write", got)
	}
	// A second write with a short deadline gives up waiting for the first,
	// naming it, and writes nothing.
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if err := f.WriteFile(short, "attr", []byte("next")); !errors.Is(err, errs.ErrTimeout) || !errors.As(err, new(*Pending)) {
		t.Fatalf("second write while the first is in flight: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- f.WriteFile(context.Background(), "attr", []byte("next")) }()
	close(g.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if p.Result() != nil {
		t.Errorf("late write result: %v", p.Result())
	}
	if first, second := <-g.order, <-g.order; first != "late" || second != "next" {
		t.Errorf("kernel saw %q then %q, want late then next", first, second)
	}
	if got := f.InFlight(seq); len(got) != 0 {
		t.Errorf("InFlight after the write returned: %v", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "attr")); string(b) != "next" {
		t.Errorf("file holds %q, want next", b)
	}
}
