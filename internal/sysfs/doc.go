// Package sysfs reads and writes a Linux sysfs tree below a configurable root
// directory, the way prometheus/procfs does: every access goes through an FS
// value, so a Host rooted at a fake tree never touches the real /sys and two
// FS values on two trees work side by side.
//
// Paths are built from components that callers have validated (PCI addresses,
// interface names); Join refuses anything that would leave the root. Writes
// take a context because some drivers block a sysfs write for a long time
// (sriov_numvfs on mlx5 can take a minute). A write cannot be interrupted:
// on expiry the caller gets ErrTimeout, and the write, which the kernel may
// still apply, is recorded as in flight (a *Pending the error wraps, listed
// by FS.InFlight until it returns); the next write to the same file waits
// for it, and callers that hold locks keep them until it returns (the
// switchdev engine does).
//
// Hooks let a fake kernel (offload/offloadtest) give reads and writes the
// semantics the real kernel has: a write to sriov_numvfs that creates VFs, an
// EBUSY, a read that fails with EOPNOTSUPP.
//
// FS counts the files it reads, so benchmarks can show how many sysfs reads
// a lookup costs. The count is per FS, not global.
package sysfs
