package fwlink

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// TestFirmwareLink: a link is made, replaced (the undo of a step that
// changed an existing link) and removed (the undo of one that made it);
// a regular file in its place is never replaced or removed.
func TestFirmwareLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "pci-0000:af:00.0.nffw")
	for _, target := range []string{"nic/nic_AMDA0097.nffw", "flower/nic_AMDA0097.nffw", ""} {
		if err := Set(p, target); err != nil {
			t.Fatalf("set %q: %v", target, err)
		}
		if got, err := Read(p); err != nil || got != target {
			t.Fatalf("after set %q: %q, %v", target, got, err)
		}
	}
	if _, err := os.Lstat(p + ".offloadkit-tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary link left behind: %v", err)
	}
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"flower/nic_AMDA0097.nffw", ""} {
		if err := Set(p, target); !errors.Is(err, errs.ErrExists) {
			t.Errorf("set %q over a regular file: %v, want ErrExists", target, err)
		}
	}
	if _, err := Read(p); !errors.Is(err, errs.ErrExists) {
		t.Errorf("read of a regular file: %v, want ErrExists (not \"no link\")", err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "x" {
		t.Errorf("regular file changed: %q, %v", b, err)
	}
}
