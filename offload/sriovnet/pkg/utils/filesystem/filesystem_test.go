package filesystem

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDefaultFs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ppn := filepath.Join(dir, "net", "p0", "phys_port_name")
	if err := os.MkdirAll(filepath.Dir(ppn), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ppn, []byte("p0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "net", "a0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("net/p0", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	// Kube-OVN's call.
	b, err := Fs.ReadFile(ppn)
	if err != nil || string(b) != "p0\n" {
		t.Errorf("ReadFile: %q, %v", b, err)
	}
	if _, err := Fs.ReadFile(filepath.Join(dir, "nosuch")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v, want fs.ErrNotExist", err)
	}
	infos, err := Fs.ReadDir(filepath.Join(dir, "net"))
	if err != nil || len(infos) != 2 || infos[0].Name() != "a0" || infos[1].Name() != "p0" {
		t.Errorf("ReadDir: %v, %v", infos, err)
	}
	if l, err := Fs.Readlink(filepath.Join(dir, "link")); err != nil || l != "net/p0" {
		t.Errorf("Readlink: %q, %v", l, err)
	}
	if st, err := Fs.Stat(filepath.Join(dir, "link")); err != nil || !st.IsDir() {
		t.Errorf("Stat follows links: %v, %v", st, err)
	}
}

// sriovnetFs has the method set of sriovnet's filesystem.Filesystem (the
// reads plus writes); it satisfies this package's Filesystem, so fakes
// written for sriovnet keep working.
type sriovnetFs struct{ DefaultFs }

func (sriovnetFs) Create(string) (any, error)                  { return nil, nil }
func (sriovnetFs) Rename(string, string) error                 { return nil }
func (sriovnetFs) MkdirAll(string, os.FileMode) error          { return nil }
func (sriovnetFs) Chtimes(string, time.Time, time.Time) error  { return nil }
func (sriovnetFs) RemoveAll(string) error                      { return nil }
func (sriovnetFs) Remove(string) error                         { return nil }
func (sriovnetFs) Symlink(string, string) error                { return nil }
func (sriovnetFs) WriteFile(string, []byte, os.FileMode) error { return nil }
func (sriovnetFs) TempDir(string, string) (string, error)      { return "", nil }
func (sriovnetFs) Walk(string, filepath.WalkFunc) error        { return nil }

var _ Filesystem = sriovnetFs{}
