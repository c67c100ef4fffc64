//go:build linux

package datapath

import (
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Dial opens a generic netlink socket and resolves the OVS datapath
// families. cfg may be nil (Strict, 64 KiB receive buffer); cfg.NetNS selects the network namespace (an
// open /proc/<pid>/ns/net or /run/netns/<name> descriptor) whose datapaths
// the client sees.
func Dial(cfg *netlink.Config) (*Client, error) {
	if cfg == nil {
		cfg = &netlink.Config{Strict: true}
	}
	if cfg.MessageBufferSize == 0 {
		// A fixed 64 KiB receive buffer instead of a peek per datagram:
		// the kernel sizes dump datagrams by the caller's last recvmsg
		// length (up to 32 KiB), so a dump of 100,000 flows takes a few
		// thousand reads instead of a peek and a read per 4 KiB page
		// (as in tc.Dial).
		c := *cfg
		c.MessageBufferSize = 64 << 10
		cfg = &c
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
