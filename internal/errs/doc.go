// Package errs holds offloadkit's error contract: the sentinel errors every
// package wraps, and Error, the one typed error that carries the operation,
// the device or path, the kernel's extended-ack text and the cause.
//
// The sentinels are re-exported by package offload (offload.ErrNotFound, ...);
// callers match them with errors.Is. Kernel errnos are mapped to sentinels in
// one place, Error.Is, so that errors.Is(err, offload.ErrBusy) holds for an
// EBUSY from sysfs, netlink or devlink alike. Netlink builds that Error
// from a failed netlink request (the errno, the extended ack, a context
// that ended) for the rtnetlink and generic netlink clients alike.
//
// The package has no state and no build tags.
package errs
