//go:build !linux

package rtnl

import (
	"fmt"

	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Dial returns an error matching errs.ErrNotSupported: rtnetlink exists
// only on Linux.
func Dial(cfg *netlink.Config) (*Client, error) {
	return nil, &errs.Error{Op: "dial rtnetlink", Err: fmt.Errorf("%w: rtnetlink needs Linux", errs.ErrNotSupported)}
}
