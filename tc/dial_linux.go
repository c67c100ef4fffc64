//go:build linux

package tc

import (
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Dial opens a NETLINK_ROUTE socket in the namespace cfg names (the zero
// Config: the calling thread's).
func Dial(cfg Config) (*Client, error) {
	// A fixed 64 KiB receive buffer, as iproute2 uses a large one: the
	// kernel sizes dump datagrams by the caller's last recvmsg length (up
	// to 32 KiB), so a dump of thousands of filters then takes a few
	// hundred reads instead of a peek and a read per 4 KiB datagram.
	nc := netlink.Config{MessageBufferSize: 64 << 10, NetNS: cfg.NetNS}
	c, err := netlink.Dial(unix.NETLINK_ROUTE, &nc)
	if err != nil {
		return nil, &errs.Error{Op: "dial rtnetlink", Err: err}
	}
	// Ask for extended acks so that refusals carry the kernel's reason
	// ("TC classifier not found", a driver's "unsupported action").
	_ = c.SetOption(netlink.ExtendedAcknowledge, true)
	return NewClient(c), nil
}
