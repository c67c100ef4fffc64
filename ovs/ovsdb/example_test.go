package ovsdb_test

import (
	"context"
	"log"
	"time"

	"github.com/offloadkit/offloadkit/ovs/ovsdb"
)

// Turn hardware offload on and attach a VF representor for a pod, what the
// guides do with ovs-vsctl. hw-offload takes effect when ovs-vswitchd
// restarts.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := ovsdb.Connect(ctx, ovsdb.Config{}) // unix:/var/run/openvswitch/db.sock
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	g, err := c.SetOffloadConfig(ctx, ovsdb.OffloadConfig{HWOffload: true, TCPolicy: ovsdb.TCPolicyNone})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.WaitApplied(ctx, g); err != nil {
		log.Fatal(err)
	}
	// ... restart ovs-vswitchd here ...
	if err := c.AddPort(ctx, ovsdb.RepresentorPort("br-int", "enp3s0f0_1", "pod1_default")); err != nil {
		log.Fatal(err)
	}
}
