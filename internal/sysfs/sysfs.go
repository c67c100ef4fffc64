package sysfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Hooks lets a fake kernel intercept file access. A hook that returns
// handled=false leaves the access to the real file system. Paths are relative
// to the root and use forward slashes ("sys/bus/pci/devices/0000:84:00.0/sriov_numvfs").
type Hooks interface {
	ReadFile(rel string) (data []byte, handled bool, err error)
	WriteFile(ctx context.Context, rel string, data []byte) (handled bool, err error)
}

// FS is a sysfs tree below Root.
type FS struct {
	root  string
	hooks Hooks
	reads atomic.Int64

	// seq numbers writes; inflight are the writes that outlived their
	// caller's context and have not returned yet (see WriteFile).
	seq      atomic.Uint64
	mu       sync.Mutex
	inflight map[*Pending]struct{}
}

// Pending is a write that outlived its caller's context. A sysfs write
// cannot be interrupted: the kernel may still apply it (sriov_numvfs on a
// slow driver takes minutes), so it is state to wait for or report, not a
// forgotten goroutine. It is also an error: WriteFile's timeout wraps it,
// so errors.As finds it.
type Pending struct {
	// Path is the file, relative to the root; Data what was written.
	Path string
	Data string
	// Seq is the write's number in this FS (see FS.WriteSeq).
	Seq  uint64
	abs  string
	done chan struct{}
	err  error // the write's own result, set before done is closed
	// finished is set, under FS.mu, when the write returned; the
	// goroutine then removes p from FS.inflight, so WriteFile adds p
	// there only while finished is false.
	finished bool
}

// Done is closed when the write has returned.
func (p *Pending) Done() <-chan struct{} { return p.done }

// Result is the write's own result once Done is closed (nil: the kernel
// took the value, late); before that it is an error saying it is still in
// flight.
func (p *Pending) Result() error {
	select {
	case <-p.done:
		return p.err
	default:
		return p
	}
}

// Error says that the write is still in flight and may yet be applied.
func (p *Pending) Error() string {
	return fmt.Sprintf("write of %q to %s still in flight after the deadline: the kernel may still apply it", p.Data, p.abs)
}

// New returns an FS rooted at root ("/" for the real system). hooks may be nil.
func New(root string, hooks Hooks) (*FS, error) {
	if root == "" {
		root = "/"
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("sysfs root %q: %w", root, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, &errs.Error{Op: "open sysfs root", Path: abs, Err: err}
	}
	if !st.IsDir() {
		return nil, &errs.Error{Op: "open sysfs root", Path: abs, Err: syscall.ENOTDIR}
	}
	return &FS{root: abs, hooks: hooks}, nil
}

// Root returns the absolute root directory.
func (f *FS) Root() string { return f.root }

// Reads returns how many files and links this FS has read so far.
func (f *FS) Reads() int64 { return f.reads.Load() }

// Join joins path elements below the root into a relative path, refusing
// elements that are empty, contain a slash or NUL, or are "." or "..". The
// elements are expected to be already validated; this is the last guard.
func Join(elem ...string) (string, error) {
	for _, e := range elem {
		// A literal multi-component prefix such as "sys/bus/pci/devices" is
		// allowed; a component that came from input must not climb.
		for _, c := range strings.Split(e, "/") {
			if c == "" || c == "." || c == ".." || strings.ContainsRune(c, 0) {
				return "", errs.Invalid("sysfs path element", e, "not a plain name")
			}
		}
	}
	return strings.Join(elem, "/"), nil
}

func (f *FS) abs(rel string) string { return filepath.Join(f.root, filepath.FromSlash(rel)) }

// Abs returns the absolute path of rel below the root, for error messages
// and for callers that must hand a path to the OS.
func (f *FS) Abs(rel string) string { return f.abs(rel) }

// ReadFile returns the contents of rel.
func (f *FS) ReadFile(rel string) ([]byte, error) {
	f.reads.Add(1)
	if f.hooks != nil {
		data, handled, err := f.hooks.ReadFile(rel)
		if handled {
			if err != nil {
				return nil, &os.PathError{Op: "read", Path: f.abs(rel), Err: err}
			}
			return data, nil
		}
	}
	return readAttr(f.abs(rel))
}

// readAttr reads a sysfs attribute with one read(2): the kernel renders an
// attribute into at most a page and returns it whole, so the stat and the
// second read that os.ReadFile does are wasted syscalls on the lookup path.
// Larger (regular) files are read to the end.
func readAttr(name string) ([]byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	buf := make([]byte, 4096)
	n, err := fh.Read(buf)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if n < len(buf) {
		return buf[:n], nil
	}
	rest, err := io.ReadAll(fh)
	if err != nil {
		return nil, err
	}
	return append(buf, rest...), nil
}

// ReadString returns the contents of rel with surrounding white space removed.
func (f *FS) ReadString(rel string) (string, error) {
	b, err := f.ReadFile(rel)
	if err != nil {
		return "", err
	}
	return string(bytes.TrimSpace(b)), nil
}

// ReadInt reads a decimal integer file such as sriov_totalvfs.
func (f *FS) ReadInt(rel string) (int, error) {
	s, err := f.ReadString(rel)
	if err != nil {
		return 0, err
	}
	n, err := ParseInt(s)
	if err != nil {
		return 0, &errs.Error{Op: "parse", Path: f.abs(rel), Err: err}
	}
	return n, nil
}

// ReadHex16 reads a file holding a 16-bit hex value such as "0x15b3\n"
// (PCI vendor and device IDs).
func (f *FS) ReadHex16(rel string) (uint16, error) {
	s, err := f.ReadString(rel)
	if err != nil {
		return 0, err
	}
	v, err := ParseHex16(s)
	if err != nil {
		return 0, &errs.Error{Op: "parse", Path: f.abs(rel), Err: err}
	}
	return v, nil
}

// Readlink returns the target of the symbolic link rel, as stored.
func (f *FS) Readlink(rel string) (string, error) {
	f.reads.Add(1)
	return os.Readlink(f.abs(rel))
}

// LinkBase returns the last element of what link rel points to: the PCI
// address behind "physfn", the driver name behind "driver". The target is
// resolved, not just split, because a relative target such as "../.." names
// its directory only once resolved from the link's real location.
func (f *FS) LinkBase(rel string) (string, error) {
	t, err := f.Readlink(rel)
	if err != nil {
		return "", err
	}
	if b := filepath.Base(t); b != ".." && b != "." {
		return b, nil
	}
	resolved, err := filepath.EvalSymlinks(f.abs(rel))
	if err != nil {
		return "", err
	}
	return filepath.Base(resolved), nil
}

// ReadDir returns the names in directory rel, sorted.
func (f *FS) ReadDir(rel string) ([]string, error) {
	f.reads.Add(1)
	ents, err := os.ReadDir(f.abs(rel))
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names, nil
}

// Exists reports whether rel exists (following links).
func (f *FS) Exists(rel string) bool {
	f.reads.Add(1)
	_, err := os.Stat(f.abs(rel))
	return err == nil
}

// WriteFile writes data to the existing file rel, as `echo data > file`
// does, giving up when ctx expires. sysfs writes cannot be interrupted: on
// expiry the write goes on in the background and is recorded as in flight
// (InFlight lists it; the error wraps errs.ErrTimeout and the *Pending, so
// the caller can wait for it with Done or report it). A later write to the
// same file through this FS first waits for the one in flight, until its
// own ctx ends (errs.ErrTimeout naming the earlier write), so two writes
// of one process never reach the kernel out of order. Other processes are
// kept out by the caller's locks (the switchdev engine keeps its per-PF
// lock while a write of its own is in flight).
func (f *FS) WriteFile(ctx context.Context, rel string, data []byte) error {
	op := fmt.Sprintf("write %q", bytes.TrimSpace(data))
	if err := ctx.Err(); err != nil {
		return &errs.Error{Op: op, Path: f.abs(rel), Err: fmt.Errorf("%w: %w", errs.ErrTimeout, err)}
	}
	for _, p := range f.inFlightTo(rel) {
		select {
		case <-p.done:
		case <-ctx.Done():
			return &errs.Error{Op: op, Path: f.abs(rel), Err: fmt.Errorf("%w: waiting for an earlier write: %w: %w", errs.ErrTimeout, ctx.Err(), p)}
		}
	}
	p := &Pending{Path: rel, Data: string(bytes.TrimSpace(data)), Seq: f.seq.Add(1), abs: f.abs(rel), done: make(chan struct{})}
	go func() {
		err := f.write(ctx, rel, data)
		f.mu.Lock()
		p.err, p.finished = err, true
		delete(f.inflight, p)
		f.mu.Unlock()
		close(p.done)
	}()
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
	}
	f.mu.Lock()
	if p.finished {
		// It returned as the context ended: the outcome is known.
		err := p.err
		f.mu.Unlock()
		if err == nil {
			return nil
		}
		return &errs.Error{Op: op, Path: f.abs(rel), Err: fmt.Errorf("%w: %w: %w", errs.ErrTimeout, ctx.Err(), err)}
	}
	if f.inflight == nil {
		f.inflight = map[*Pending]struct{}{}
	}
	f.inflight[p] = struct{}{}
	f.mu.Unlock()
	return &errs.Error{Op: op, Path: f.abs(rel), Err: fmt.Errorf("%w: %w: %w", errs.ErrTimeout, ctx.Err(), p)}
}

// WriteSeq returns the number of the last write started through this FS;
// InFlight(WriteSeq()) taken before an operation lists, after it, the
// writes of that operation still in flight.
func (f *FS) WriteSeq() uint64 { return f.seq.Load() }

// InFlight returns the writes numbered after seq that outlived their
// caller's context and have not returned yet, oldest first.
func (f *FS) InFlight(after uint64) []*Pending {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*Pending
	for p := range f.inflight {
		if p.Seq > after {
			out = append(out, p)
		}
	}
	sortPending(out)
	return out
}

func (f *FS) inFlightTo(rel string) []*Pending {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*Pending
	for p := range f.inflight {
		if p.Path == rel {
			out = append(out, p)
		}
	}
	sortPending(out)
	return out
}

func sortPending(ps []*Pending) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Seq < ps[j].Seq })
}

func (f *FS) write(ctx context.Context, rel string, data []byte) error {
	if f.hooks != nil {
		handled, err := f.hooks.WriteFile(ctx, rel, data)
		if handled {
			if err != nil {
				return &os.PathError{Op: "write", Path: f.abs(rel), Err: err}
			}
			return nil
		}
	}
	// O_TRUNC is not used: sysfs attributes ignore it, and a regular file in a
	// fake tree must end up holding exactly the value, so truncate explicitly.
	fh, err := os.OpenFile(f.abs(rel), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if st, err := fh.Stat(); err == nil && st.Mode().IsRegular() {
		_ = fh.Truncate(0)
	}
	_, werr := fh.Write(data)
	cerr := fh.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

// IsNotExist reports whether err says a file is absent.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// IsAbsentAttribute reports whether a read error means the attribute has no
// value on this device rather than that the read failed: the file is absent,
// or the driver answers EOPNOTSUPP, EINVAL or ENODATA (phys_port_name on a
// netdev without a switch does this).
func IsAbsentAttribute(err error) bool {
	if IsNotExist(err) {
		return true
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.EOPNOTSUPP, syscall.EINVAL, syscall.ENODATA, syscall.ENOENT, syscall.ENODEV:
			return true
		}
	}
	return false
}

// ParseInt parses a sysfs decimal integer ("8\n" trimmed to "8").
func ParseInt(s string) (int, error) {
	if s == "" || len(s) > 19 {
		return 0, errs.Invalid("integer", s, "empty or too long")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errs.Invalid("integer", s, "not a decimal integer")
	}
	return int(n), nil
}

// ParseHex16 parses "0x15b3" (with or without 0x) as a 16-bit value.
func ParseHex16(s string) (uint16, error) {
	// One prefix at most: trimming "0x" and then "0X" took "0x0Xab".
	t := s
	if len(t) >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		t = t[2:]
	}
	if t == "" || len(t) > 4 {
		return 0, errs.Invalid("16-bit hex value", s, "want 1 to 4 hex digits")
	}
	v, err := strconv.ParseUint(t, 16, 16)
	if err != nil {
		return 0, errs.Invalid("16-bit hex value", s, "not hexadecimal")
	}
	return uint16(v), nil
}
