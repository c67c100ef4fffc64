package filelock

import (
	"path/filepath"
	"time"
)

// Mode is how a lock is held.
type Mode int

const (
	// Exclusive excludes every other holder.
	Exclusive Mode = iota
	// Shared coexists with other Shared holders and excludes an
	// Exclusive one.
	Shared
)

// String is "shared" or "exclusive", for errors and logs.
func (m Mode) String() string {
	if m == Shared {
		return "shared"
	}
	return "exclusive"
}

// PollInterval is how often a waiting Lock retries.
const PollInterval = 5 * time.Millisecond

// PFPath is the lock file of the PF with PCI address pf (a validated
// address: no path separators) under runDir: offload/switchdev holds it
// exclusively while a plan applies, offload/podnet shares it while it
// plumbs one of the PF's VFs.
func PFPath(runDir, pf string) string {
	return filepath.Join(runDir, "switchdev-"+pf+".lock")
}
