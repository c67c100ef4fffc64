package offload

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// openNetNS opens path and checks that it is a network namespace
// (NS_GET_NSTYPE, Linux 4.11; older kernels are taken at their word and the
// first dial tells).
func openNetNS(path string) (int, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &errs.Error{Op: "open network namespace", Path: path, Err: err}
	}
	t, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	switch {
	case err == nil && t != unix.CLONE_NEWNET:
		unix.Close(fd)
		return -1, &errs.Error{Op: "open network namespace", Path: path, Err: fmt.Errorf("%w: not a network namespace (type %#x)", errs.ErrInvalidArgument, t)}
	case err != nil && !errors.Is(err, unix.ENOTTY):
		unix.Close(fd)
		return -1, &errs.Error{Op: "open network namespace", Path: path, Err: fmt.Errorf("%w: not a namespace file: %w", errs.ErrInvalidArgument, err)}
	}
	return fd, nil
}

func closeFD(fd int) error { return unix.Close(fd) }
