package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// dumpLive runs `dpctl/dump-flows [-m] [type=T]` on the running
// ovs-vswitchd over its control socket (what ovs-appctl does, without
// running it) and returns a Scanner over the reply and a description of
// the source.
func dumpLive(ctx context.Context, c config) (*dpflow.Scanner, string, error) {
	o := unixctl.DumpOptions{More: c.verbose, Type: c.dumpType, Parse: dpflow.Options{Strict: c.strict}}
	args, err := o.Args() // validates -type before anything is dialled
	if err != nil {
		return nil, "", err
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, c.timeout, fmt.Errorf("-timeout %v expired", c.timeout))
		defer cancel()
	}
	cl, err := unixctl.Dial(ctx, unixctl.Config{Path: c.ctl})
	if err != nil {
		return nil, "", deadline(ctx, err)
	}
	defer cl.Close()
	sc, err := cl.ScanFlows(ctx, o)
	if err != nil {
		return nil, "", deadline(ctx, err)
	}
	return sc, "unixctl:" + cl.Path() + " dpctl/dump-flows " + strings.Join(args, " "), nil
}

// deadline names the deadline that expired when err is a timeout: the
// -timeout flag's, or the caller's.
func deadline(ctx context.Context, err error) error {
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, errs.ErrTimeout) {
		return err
	}
	if _, ok := ctx.Deadline(); ok && ctx.Err() == nil {
		// The socket deadline, taken from ctx's, can fire a moment before
		// ctx's own timer: wait for it, so the cause names the deadline.
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	cause := context.Cause(ctx)
	if cause == nil || cause == ctx.Err() { // no -timeout cause: the caller's deadline
		if dl, ok := ctx.Deadline(); ok {
			return fmt.Errorf("deadline %s expired: %w", dl.Format(time.RFC3339Nano), err)
		}
		return err
	}
	return fmt.Errorf("%w: %w", cause, err)
}
