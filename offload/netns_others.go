//go:build !linux

package offload

import (
	"fmt"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func openNetNS(path string) (int, error) {
	return -1, &errs.Error{Op: "open network namespace", Path: path, Err: fmt.Errorf("%w: network namespaces are Linux only", errs.ErrNotSupported)}
}

func closeFD(int) error { return nil }
