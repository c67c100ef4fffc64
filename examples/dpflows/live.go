package main

import (
	"context"
	"strings"

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
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	cl, err := unixctl.Dial(ctx, unixctl.Config{Path: c.ctl})
	if err != nil {
		return nil, "", err
	}
	defer cl.Close()
	sc, err := cl.ScanFlows(ctx, o)
	if err != nil {
		return nil, "", err
	}
	return sc, "unixctl:" + cl.Path() + " dpctl/dump-flows " + strings.Join(args, " "), nil
}
