//go:build linux

package rtnl

import (
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Dial opens a NETLINK_ROUTE socket; cfg may set the network namespace.
func Dial(cfg *netlink.Config) (*Client, error) {
	c, err := netlink.Dial(netlinkRoute, cfg)
	if err != nil {
		return nil, &errs.Error{Op: "dial rtnetlink", Err: err}
	}
	// Ask for extended acks so that refusals carry the driver's reason
	// (a VF setting the PF does not take); a kernel without the option
	// only costs the message.
	_ = c.SetOption(netlink.ExtendedAcknowledge, true)
	return &Client{c: c}, nil
}
