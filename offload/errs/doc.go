// Package errs holds offloadkit's error contract: the sentinel errors every
// package wraps, and Error, the one typed error that carries the operation,
// the device or path, the kernel's extended-ack text and the cause.
//
// It also holds ValidateIfName, the kernel's rule for interface names,
// because every package that takes a name from a CNI request refuses a bad
// one with it before touching anything.
//
// Every offloadkit package (offload, the vendor backends, tc, ovs/...)
// returns errors that wrap these sentinels; callers match them with
// errors.Is after importing only this package, which depends on nothing but
// the standard library. Kernel errnos are mapped to sentinels in one place,
// Error.Is, so that errors.Is(err, errs.ErrBusy) holds for an EBUSY from
// sysfs, netlink or devlink alike.
//
// The package has no state, needs no privileges, never touches the host and
// has no build tags.
package errs
