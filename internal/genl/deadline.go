package genl

import (
	"context"
	"sync"
	"time"
)

// Deadliner is a netlink socket whose reads a deadline can end:
// *genetlink.Conn and *netlink.Conn both are.
type Deadliner interface {
	SetDeadline(t time.Time) error
}

// BindContext makes a request on s honour ctx: the context's deadline
// becomes the socket's, and cancelling ctx unblocks a pending read by
// moving the deadline into the past. Call the returned func when the
// request ends, with the socket still held, so the next request starts
// without a deadline. It serves any netlink socket; the rtnetlink clients
// (tc, rtnl) use it as well as Conn.Do. Fake sockets that cannot set
// deadlines cost only the bound.
func BindContext(ctx context.Context, s Deadliner) (release func()) {
	if dl, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(dl)
	}
	// mu and done keep a cancellation that fires while the request ends
	// from leaving a past deadline on the socket for the next caller.
	var mu sync.Mutex
	done := false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			_ = s.SetDeadline(time.Unix(1, 0))
		}
	})
	return func() {
		stop()
		mu.Lock()
		done = true
		_ = s.SetDeadline(time.Time{})
		mu.Unlock()
	}
}
