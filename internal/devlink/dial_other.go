//go:build !linux

package devlink

import (
	"fmt"

	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Dial returns ErrNotSupported: devlink exists only on Linux.
func Dial(cfg *netlink.Config) (*Client, error) {
	return nil, &errs.Error{Op: "dial devlink", Err: fmt.Errorf("%w: devlink needs Linux", errs.ErrNotSupported)}
}
