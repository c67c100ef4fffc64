package errs

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestErrorIsMapsErrno(t *testing.T) {
	t.Parallel()
	tests := []struct {
		errno  syscall.Errno
		target error
	}{
		{syscall.ENOENT, ErrNotFound},
		{syscall.ENODEV, ErrNotFound},
		{syscall.EOPNOTSUPP, ErrNotSupported},
		{syscall.EBUSY, ErrBusy},
		{syscall.ENOTEMPTY, ErrBusy},
		{syscall.EINVAL, ErrInvalidArgument},
		{syscall.EPERM, ErrPermission},
		{syscall.EEXIST, ErrExists},
		{syscall.ENOENT, os.ErrNotExist},
	}
	for _, tt := range tests {
		err := fmt.Errorf("outer: %w", &Error{Op: "op", Device: "dev", Err: &os.PathError{Op: "write", Path: "/x", Err: tt.errno}})
		if !errors.Is(err, tt.target) {
			t.Errorf("errors.Is(%v, %v) = false, want true", tt.errno, tt.target)
		}
	}
	err := &Error{Op: "op", Err: syscall.EBUSY}
	if errors.Is(err, ErrNotFound) {
		t.Errorf("EBUSY matched ErrNotFound")
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	err := &Error{Op: "devlink eswitch set", Device: "pci/0000:03:00.0", Message: "VFs exist", Err: syscall.EBUSY}
	want := "devlink eswitch set pci/0000:03:00.0: device or resource busy: kernel says: VFs exist"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(Invalid("PCI address", "zz", "bad"), ErrInvalidArgument) {
		t.Errorf("Invalid does not wrap ErrInvalidArgument")
	}
}
