package main

import (
	"context"
	"strings"

	"github.com/offloadkit/offloadkit/internal/errs"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// dumpLive fetches `dpctl/dump-flows [-m] [type=T]` from the running
// ovs-vswitchd over its control socket (what ovs-appctl does, without
// running it). It returns the dump text, held as one string that the
// scanner parses in place, and a description of the source.
func dumpLive(ctx context.Context, c config) (string, string, error) {
	var args []string
	if c.verbose {
		args = append(args, "-m")
	}
	if c.dumpType != "" {
		if strings.Trim(c.dumpType, "abcdefghijklmnopqrstuvwxyz-,") != "" {
			return "", "", errs.Invalid("dump type", c.dumpType, "want words like offloaded, non-offloaded, ovs, tc, dpdk, partially-offloaded")
		}
		args = append(args, "type="+c.dumpType)
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	cl, err := unixctl.Dial(ctx, unixctl.Target{Path: c.ctl})
	if err != nil {
		return "", "", err
	}
	defer cl.Close()
	dump, err := cl.Call(ctx, "dpctl/dump-flows", args...)
	if err != nil {
		return "", "", err
	}
	return dump, "unixctl:" + cl.Path() + " dpctl/dump-flows " + strings.Join(args, " "), nil
}
