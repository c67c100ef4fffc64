//go:build linux

package nldgram

import (
	"os"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// NewReader returns a Reader of c's socket, or nil when c has no
// descriptor to read (an nltest connection).
func NewReader(c *netlink.Conn) Reader {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil
	}
	return func(p []byte) (int, error) {
		var n, flags int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			// MSG_TRUNC: recvmsg reports the datagram's whole length, so
			// one larger than p is seen, not silently cut.
			n, _, flags, _, rerr = unix.Recvmsg(int(fd), p, nil, unix.MSG_DONTWAIT|unix.MSG_TRUNC)
			// Not ready yet: wait on the poller, under the deadline.
			return rerr != unix.EAGAIN && rerr != unix.EINTR
		})
		switch {
		case err != nil:
			return 0, &netlink.OpError{Op: "receive", Err: err}
		case rerr != nil:
			return 0, &netlink.OpError{Op: "receive", Err: os.NewSyscallError("recvmsg", rerr)}
		case n > len(p) || flags&unix.MSG_TRUNC != 0:
			return 0, &netlink.OpError{Op: "receive", Err: ErrTruncated}
		}
		return n, nil
	}
}
