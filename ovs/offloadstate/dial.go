package offloadstate

import (
	"context"
	"errors"

	"github.com/offloadkit/offloadkit/ovs/ovsdb"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
	"github.com/offloadkit/offloadkit/tc"
)

// Dial connects the clients Check uses to the local Open vSwitch: the
// running ovs-vswitchd's control socket (the default unixctl.Config), the
// OVSDB server at ovsdbEndpoint ("" for the default socket) and tc in the
// caller's network namespace. A client that cannot be reached is left nil,
// so Check says what it could not look at, and its error is in err (joined;
// nil when all three connected). close releases the others.
func Dial(ctx context.Context, ovsdbEndpoint string) (cfg Config, close func(), err error) {
	var errsList []error
	if c, err := unixctl.Dial(ctx, unixctl.Config{}); err == nil {
		cfg.Unixctl = c
	} else {
		errsList = append(errsList, err)
	}
	if c, err := ovsdb.Connect(ctx, ovsdb.Config{Endpoint: ovsdbEndpoint}); err == nil {
		cfg.OVSDB = c
	} else {
		errsList = append(errsList, err)
	}
	if c, err := tc.Dial(tc.Config{}); err == nil {
		cfg.TC = c
	} else {
		errsList = append(errsList, err)
	}
	return cfg, func() {
		if cfg.Unixctl != nil {
			cfg.Unixctl.Close()
		}
		if cfg.OVSDB != nil {
			cfg.OVSDB.Close()
		}
		if cfg.TC != nil {
			cfg.TC.Close()
		}
	}, errors.Join(errsList...)
}
