package unixctl_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// Dump the offloaded flows of the local ovs-vswitchd, as the guides'
// "ovs-appctl dpctl/dump-flows -m type=offloaded" does, and count the
// ones in hardware.
func ExampleClient_DumpFlows() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The zero Config is ovs-vswitchd in $OVS_RUNDIR or /var/run/openvswitch.
	c, err := unixctl.Dial(ctx, unixctl.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	d, err := c.DumpFlows(ctx, unixctl.DumpOptions{More: true, Type: "offloaded"})
	if err != nil {
		log.Fatal(err)
	}
	hw := 0
	for i := range d.Flows {
		if d.Flows[i].InHardware() {
			hw++
		}
	}
	fmt.Printf("%d of %d flows in hardware (%d lines did not parse)\n", hw, len(d.Flows), len(d.Errors))
}
