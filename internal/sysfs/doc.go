// Package sysfs reads and writes a Linux sysfs tree below a configurable root
// directory, the way prometheus/procfs does: every access goes through an FS
// value, so a Host rooted at a fake tree never touches the real /sys and two
// FS values on two trees work side by side.
//
// Paths are built from components that callers have validated (PCI addresses,
// interface names); Join refuses anything that would leave the root. Writes
// take a context because some drivers block a sysfs write for a long time
// (sriov_numvfs on mlx5 can take a minute); on expiry the write is abandoned
// and ErrTimeout returned.
//
// Hooks let a fake kernel (offload/offloadtest) give reads and writes the
// semantics the real kernel has: a write to sriov_numvfs that creates VFs, an
// EBUSY, a read that fails with EOPNOTSUPP.
//
// FS counts the files it reads, so benchmarks can show how many sysfs reads
// a lookup costs. The count is per FS, not global.
package sysfs
