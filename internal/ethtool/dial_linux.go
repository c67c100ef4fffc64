//go:build linux

package ethtool

import (
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/genl"
)

// Dial opens a generic netlink socket and resolves the ethtool family. cfg
// may be nil; cfg.NetNS selects the network namespace whose interfaces the
// client sees.
func Dial(cfg *netlink.Config) (*Client, error) {
	c, err := genl.Dial(cfg)
	if err != nil {
		return nil, err
	}
	return New(c)
}
