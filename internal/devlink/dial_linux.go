//go:build linux

package devlink

import (
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/errs"
)

// Dial opens a generic netlink socket and resolves the devlink family. cfg
// may be nil; cfg.NetNS selects the network namespace (an open
// /proc/<pid>/ns/net or /run/netns/<name> descriptor) the client talks in,
// which decides which devlink instances and port netdevs it sees.
func Dial(cfg *netlink.Config) (*Client, error) {
	if cfg == nil {
		cfg = &netlink.Config{Strict: true}
	}
	c, err := genetlink.Dial(cfg)
	if err != nil {
		return nil, &errs.Error{Op: "dial generic netlink", Err: err}
	}
	return New(c)
}
