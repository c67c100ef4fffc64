package offload

import "github.com/offloadkit/offloadkit/internal/errs"

// Sentinel errors. Every error offloadkit returns wraps its cause and names
// the device or path; match the kind with errors.Is. Kernel errnos map to
// these too: errors.Is(err, ErrBusy) holds for an EBUSY from sysfs or netlink.
var (
	// ErrNotFound: no such device, netdev, representor or file.
	ErrNotFound = errs.ErrNotFound
	// ErrNotSupported: the kernel, driver or firmware does not offer this.
	ErrNotSupported = errs.ErrNotSupported
	// ErrNotSwitchdev: the eswitch must be in switchdev mode for this.
	ErrNotSwitchdev = errs.ErrNotSwitchdev
	// ErrBusy: the device is in use (EBUSY), for example VFs exist.
	ErrBusy = errs.ErrBusy
	// ErrInvalidArgument: a value failed validation (before anything was
	// touched) or the kernel rejected it (EINVAL, ERANGE).
	ErrInvalidArgument = errs.ErrInvalidArgument
	// ErrPermission: the operation needs privileges the caller lacks.
	ErrPermission = errs.ErrPermission
	// ErrExists: the object already exists.
	ErrExists = errs.ErrExists
	// ErrNotApplied: the kernel accepted a change but did not apply it all.
	ErrNotApplied = errs.ErrNotApplied
	// ErrTimeout: a wait or a blocking write outlived its context.
	ErrTimeout = errs.ErrTimeout
)

// Error is the typed error offloadkit returns for kernel-facing operations:
// the operation, the device, the sysfs path, the kernel's extended-ack
// message and the cause. Use errors.As to get at it.
type Error = errs.Error
