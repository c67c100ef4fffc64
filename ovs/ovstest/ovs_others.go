//go:build !linux

package ovstest

import (
	"net/netip"
	"testing"

	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// OVS is a running private Open vSwitch; on this OS there never is one.
type OVS struct {
	// Dir is the run, database and log directory.
	Dir string
	// Endpoint is the OVSDB endpoint.
	Endpoint string
}

// Start skips: ovstest needs Linux network namespaces.
func Start(t testing.TB) *OVS {
	t.Skip("ovstest needs Linux (network namespaces, ovs-vswitchd)")
	return nil
}

// Target is the ovs-vswitchd control socket target.
func (o *OVS) Target() unixctl.Target { return unixctl.Target{RunDir: o.Dir} }

// AddBridge is not available on this OS.
func (o *OVS) AddBridge(t testing.TB, name string) { t.Skip("needs Linux") }

// Port is a bridge port whose peer lives in its own network namespace.
type Port struct {
	// Name is the OVS port name.
	Name string
	// IP is the peer's address.
	IP netip.Addr
}

// AddNetnsPort is not available on this OS.
func (o *OVS) AddNetnsPort(t testing.TB, bridge, name, cidr string) *Port {
	t.Skip("needs Linux")
	return nil
}

// Ping is not available on this OS.
func (p *Port) Ping(dst netip.Addr, count int) error { return nil }
