//go:build linux

package datapath

import (
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Dial opens a generic netlink socket and resolves the OVS datapath
// families. cfg may be nil; cfg.NetNS selects the network namespace (an
// open /proc/<pid>/ns/net or /run/netns/<name> descriptor) whose datapaths
// the client sees.
func Dial(cfg *netlink.Config) (*Client, error) {
	if cfg == nil {
		cfg = &netlink.Config{Strict: true}
	}
	c, err := netlink.Dial(unix.NETLINK_GENERIC, cfg)
	if err != nil {
		return nil, &errs.Error{Op: "dial generic netlink", Err: err}
	}
	return New(c)
}

// monotonicMsec is CLOCK_MONOTONIC in milliseconds, the clock the kernel
// reports OVS_FLOW_ATTR_USED in; 0 if it cannot be read.
func monotonicMsec() uint64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) != nil {
		return 0
	}
	return uint64(ts.Sec)*1000 + uint64(ts.Nsec)/1e6
}
