//go:build linux

package tc

import (
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/internal/errs"
)

// Dial opens a NETLINK_ROUTE socket in the namespace cfg names (nil: the
// calling thread's).
func Dial(cfg *Config) (*Client, error) {
	var nc netlink.Config
	if cfg != nil {
		nc.NetNS = cfg.NetNS
	}
	c, err := netlink.Dial(unix.NETLINK_ROUTE, &nc)
	if err != nil {
		return nil, &errs.Error{Op: "dial rtnetlink", Err: err}
	}
	// Ask for extended acks so that refusals carry the kernel's reason
	// ("TC classifier not found", a driver's "unsupported action").
	_ = c.SetOption(netlink.ExtendedAcknowledge, true)
	return NewClient(c), nil
}
