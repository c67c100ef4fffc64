package offloadstate_test

import (
	"context"
	"fmt"
	"time"

	"github.com/offloadkit/offloadkit/ovs/offloadstate"
	"github.com/offloadkit/offloadkit/ovs/ovsdb"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
	"github.com/offloadkit/offloadkit/tc"
)

// ExampleCheck asks the host's ovs-vswitchd whether hardware offload is
// in effect, with OVSDB to explain a "no" and the kernel's qdiscs as
// evidence, read in the daemon's network namespace.
func ExampleCheck() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	uc, err := unixctl.Dial(ctx, unixctl.Config{}) // OVS_RUNDIR or /var/run/openvswitch
	if err != nil {
		fmt.Println("unknown: cannot reach ovs-vswitchd:", err)
		return
	}
	defer uc.Close()
	cfg := offloadstate.Config{Unixctl: uc}
	if db, err := ovsdb.Connect(ctx, ovsdb.Config{}); err == nil {
		defer db.Close()
		cfg.OVSDB = db
	}
	// On the host (or a hostNetwork pod) ovs-vswitchd shares our network
	// namespace; otherwise dial tc in /proc/<its pid>/ns/net.
	if c, err := tc.Dial(tc.Config{}); err == nil {
		defer c.Close()
		cfg.TC = c
	}
	r := offloadstate.Check(ctx, cfg)
	fmt.Printf("%s: %s\n", r.State, r.Reason)
	for _, e := range r.Evidence {
		fmt.Printf("  %s: %s%s\n", e.Source, e.Says, e.Err)
	}
	if err := r.Err(); err != nil {
		fmt.Println(err)
	}
}
