//go:build !linux

package datapath

import (
	"fmt"

	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Dial returns ErrNotSupported: the OVS kernel datapath exists only on
// Linux.
func Dial(cfg *netlink.Config) (*Client, error) {
	return nil, &errs.Error{Op: "dial ovs datapath", Err: fmt.Errorf("%w: the OVS kernel datapath needs Linux", errs.ErrNotSupported)}
}

// monotonicMsec has no kernel clock to read off Linux.
func monotonicMsec() uint64 { return 0 }
