//go:build !linux

package ethtool

import (
	"fmt"

	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Dial returns ErrNotSupported: the ethtool netlink family exists only on
// Linux.
func Dial(cfg *netlink.Config) (*Client, error) {
	return nil, &errs.Error{Op: "dial ethtool", Err: fmt.Errorf("%w: ethtool netlink needs Linux", errs.ErrNotSupported)}
}
