package main

import (
	"context"
	"errors"
)

// dumpLive fetches `dpctl/dump-flows` from the running ovs-vswitchd. It
// returns the dump text and a description of the source.
func dumpLive(ctx context.Context, c config) (string, string, error) {
	return "", "", errors.New("-unixctl: the ovs/unixctl client has not landed yet")
}
