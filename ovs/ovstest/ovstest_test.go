package ovstest

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// TestStartPing starts the private OVS, builds br0 with two namespaced
// ports and checks that ICMP crosses the bridge, and that the ports are
// where ovs-vswitchd says.
func TestStartPing(t *testing.T) {
	t.Parallel()
	o := Start(t)
	o.AddBridge(t, "br0")
	a := o.AddNetnsPort(t, "br0", "ovt-a", "10.77.0.1/24")
	b := o.AddNetnsPort(t, "br0", "ovt-b", "10.77.0.2/24")
	if err := a.Ping(b.IP, 3); err != nil {
		t.Fatal(err)
	}
	if err := b.Ping(a.IP, 1); err != nil {
		t.Fatal(err)
	}
	if err := a.Ping(netip.MustParseAddr("10.77.0.99"), 1); err == nil {
		t.Error("ping to an absent address succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := unixctl.Dial(ctx, o.Target())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dps, err := c.DpifShow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dps) != 1 || dps[0].Type != "netdev" || len(dps[0].Bridges) != 1 || len(dps[0].Bridges[0].Ports) != 3 {
		t.Fatalf("dpif/show: %+v", dps)
	}
	for _, p := range dps[0].Bridges[0].Ports[1:] {
		if p.Type != "system" || p.OFPort == nil || *p.OFPort == 0 {
			t.Errorf("port %+v", p)
		}
	}
}
