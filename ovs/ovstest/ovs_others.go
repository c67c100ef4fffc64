//go:build !linux

package ovstest

import (
	"net/netip"
	"testing"

	"github.com/offloadkit/offloadkit/ovs/ovsdb"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// DefaultSchema is where Debian's openvswitch-common installs the
// Open_vSwitch schema.
const DefaultSchema = "/usr/share/openvswitch/vswitch.ovsschema"

// OVS is a running private Open vSwitch; on this OS there never is one.
type OVS struct {
	// Dir is the run, database and log directory.
	Dir string
	// Endpoint is the OVSDB endpoint.
	Endpoint string
	// Version is ovs-vswitchd's version.
	Version unixctl.Version
	// DB is a connected OVSDB client.
	DB *ovsdb.Client
}

// Start skips: ovstest needs Linux network namespaces.
func Start(t testing.TB) *OVS {
	t.Skip("ovstest needs Linux (network namespaces, ovs-vswitchd)")
	return nil
}

// Target is the ovs-vswitchd control socket target.
func (o *OVS) Target() unixctl.Target { return unixctl.Target{RunDir: o.Dir} }

// Env returns the OVS_RUNDIR-style environment of the instance.
func (o *OVS) Env() []string { return nil }

// Bin finds an OVS program; never on this OS.
func (o *OVS) Bin(name string) (string, bool) { return "", false }

// VswitchdPID returns 0: there is no ovs-vswitchd on this OS.
func (o *OVS) VswitchdPID() int { return 0 }

// Log returns ovs-vswitchd's log; empty on this OS.
func (o *OVS) Log() string { return "" }

// AddBridge is not available on this OS.
func (o *OVS) AddBridge(t testing.TB, name string) { t.Skip("needs Linux") }

// RestartVswitchd is not available on this OS.
func (o *OVS) RestartVswitchd(t testing.TB) { t.Skip("needs Linux") }

// Port is a bridge port whose peer lives in its own network namespace.
type Port struct {
	// Name is the OVS port name.
	Name string
	// IP is the peer's address.
	IP netip.Addr
	// Prefix is IP with its prefix length.
	Prefix netip.Prefix
}

// AddNetnsPort is not available on this OS.
func (o *OVS) AddNetnsPort(t testing.TB, bridge, name, cidr string) *Port {
	t.Skip("needs Linux")
	return nil
}

// Do is not available on this OS.
func (p *Port) Do(fn func() error) error { return errNotLinux }

// Ping is not available on this OS.
func (p *Port) Ping(dst netip.Addr, count int) error { return errNotLinux }
