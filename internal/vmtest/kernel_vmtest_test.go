//go:build vmtest

package vmtest

import (
	"os"
	"strings"
	"testing"
)

// TestGuestIsRootInHarness checks the ground rules every other vmtest relies
// on: inside the guest we are root, OFFLOADKIT_VMTEST=1 is set, /tmp is
// writable and /proc/sys exists.
func TestGuestIsRootInHarness(t *testing.T) {
	if !InGuest() {
		t.Skip("not inside the vmtest guest (OFFLOADKIT_VMTEST unset); run make vmtest")
	}
	if os.Geteuid() != 0 {
		t.Fatalf("euid %d in the guest, want 0", os.Geteuid())
	}
	f, err := os.CreateTemp("", "vmtest-")
	if err != nil {
		t.Fatalf("/tmp not writable in the guest: %v", err)
	}
	f.Close()
	os.Remove(f.Name())
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		t.Fatalf("no /proc/sys in the guest: %v", err)
	}
	t.Logf("guest kernel %s (%s)", strings.TrimSpace(string(b)), GuestKernel())
}
