package nlerr

import (
	"context"
	"errors"
	"fmt"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/mdlayher/netlink"
)

// Netlink wraps err from a netlink request (rtnetlink or generic netlink)
// as an *Error naming op and dev. It is the one mapping the devlink,
// ethtool, rtnl and tc clients share, so the same kernel answer reads and
// matches the same whichever socket carried it.
//
// The kernel's extended-ack text goes to Message and, when there is one,
// the errno alone becomes the cause: the netlink.OpError's own text would
// repeat the message. A failure once ctx has ended (its cancelled context,
// or the socket deadline taken from it) matches errs.ErrTimeout and wraps
// ctx.Err(), because the kernel refused nothing: the caller gave up.
func Netlink(ctx context.Context, op, dev string, err error) error {
	e := &errs.Error{Op: op, Device: dev, Err: err}
	var oe *netlink.OpError
	if errors.As(err, &oe) {
		e.Message = oe.Message
		if oe.Err != nil && oe.Message != "" {
			e.Err = oe.Err
		}
	}
	if cerr := ctx.Err(); cerr != nil && (errors.Is(err, cerr) || isTimeout(err)) {
		e.Err = fmt.Errorf("%w: %w", errs.ErrTimeout, cerr)
	}
	return e
}

// isTimeout reports an I/O timeout, which is how a socket deadline set from
// a context shows up.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
