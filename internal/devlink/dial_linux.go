//go:build linux

package devlink

import (
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/genl"
)

// Dial opens a generic netlink socket and resolves the devlink family. cfg
// may be nil; cfg.NetNS selects the network namespace (an open
// /proc/<pid>/ns/net or /run/netns/<name> descriptor) the client talks in,
// which decides which devlink instances and port netdevs it sees.
func Dial(cfg *netlink.Config) (*Client, error) {
	c, err := genl.Dial(cfg)
	if err != nil {
		return nil, err
	}
	return New(c)
}
