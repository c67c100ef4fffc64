package errs

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// Sentinel errors. Match them with errors.Is; they are never returned bare,
// always wrapped with the device, path or value they concern.
var (
	// ErrNotFound: a device, netdev, representor, file or OVS object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNotSupported: the kernel, driver or firmware does not offer the operation.
	ErrNotSupported = errors.New("not supported")
	// ErrNotSwitchdev: the operation needs the eswitch in switchdev mode.
	ErrNotSwitchdev = errors.New("eswitch is not in switchdev mode")
	// ErrBusy: the kernel refused because the device is in use (EBUSY;
	// ENOTEMPTY, which the bonding driver answers for a change it only
	// allows without slaves).
	ErrBusy = errors.New("device or resource busy")
	// ErrInvalidArgument: a value was rejected, by offloadkit's validation
	// before anything was touched, or by the kernel (EINVAL, ERANGE).
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrPermission: the caller lacks the privilege (EPERM, EACCES).
	ErrPermission = errors.New("permission denied")
	// ErrExists: the object already exists (EEXIST).
	ErrExists = errors.New("already exists")
	// ErrNotApplied: the kernel accepted a request but did not apply all of
	// it (for example an ethtool feature that cannot change on this device).
	ErrNotApplied = errors.New("not applied")
	// ErrTimeout: a wait ended because its context expired. The error also
	// wraps the context's error.
	ErrTimeout = errors.New("timed out")
)

// Error is the typed error of offloadkit. Op says what was attempted
// ("set sriov_numvfs", "devlink eswitch set"), Device names the PCI address,
// netdev or devlink handle, Path the file when sysfs was involved, Message the
// kernel's extended acknowledgement when it sent one, and Err the cause.
type Error struct {
	Op      string
	Device  string
	Path    string
	Message string
	Err     error
}

// Error formats "op device (path): cause: kernel says: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Device != "" {
		b.WriteString(" ")
		b.WriteString(e.Device)
	}
	if e.Path != "" {
		b.WriteString(" (")
		b.WriteString(e.Path)
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Message != "" {
		b.WriteString(": kernel says: ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is maps kernel errnos found in the cause to the sentinels, so callers need
// not know whether an error came from sysfs, netlink or devlink.
func (e *Error) Is(target error) bool {
	var errno syscall.Errno
	if !errors.As(e.Err, &errno) {
		return false
	}
	return ErrnoIs(errno, target)
}

// ErrnoIs reports whether errno corresponds to the sentinel target.
func ErrnoIs(errno syscall.Errno, target error) bool {
	switch target {
	case ErrNotFound:
		return errno == syscall.ENOENT || errno == syscall.ENODEV || errno == syscall.ENXIO
	case ErrNotSupported:
		return errno == syscall.EOPNOTSUPP || errno == syscall.ENOTSUP || errno == syscall.ENOSYS
	case ErrBusy:
		return errno == syscall.EBUSY || errno == syscall.ENOTEMPTY
	case ErrInvalidArgument:
		return errno == syscall.EINVAL || errno == syscall.ERANGE
	case ErrPermission:
		return errno == syscall.EPERM || errno == syscall.EACCES
	case ErrExists:
		return errno == syscall.EEXIST
	case os.ErrNotExist:
		return errno == syscall.ENOENT || errno == syscall.ENODEV
	}
	return false
}

// Invalid returns an ErrInvalidArgument error for a value that failed
// validation. what names the kind of value ("PCI address", "interface name").
func Invalid(what, value, why string) error {
	return fmt.Errorf("%w: %s %q: %s", ErrInvalidArgument, what, value, why)
}
