//go:build !linux

package ovstest

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// errNotLinux is what the stubs below return. It lives here, not in a file
// without build tags, because nothing on Linux uses it (staticcheck U1000).
var errNotLinux = fmt.Errorf("%w: ovstest needs Linux", errs.ErrNotSupported)

// Start skips: ovstest needs Linux network namespaces.
func Start(t testing.TB) *OVS {
	t.Skip("ovstest needs Linux (network namespaces, ovs-vswitchd)")
	return nil
}

// VswitchdPID returns 0: there is no ovs-vswitchd on this OS.
func (o *OVS) VswitchdPID() int { return 0 }

// Log returns ovs-vswitchd's log; empty on this OS.
func (o *OVS) Log() string { return "" }

// AddBridge is not available on this OS.
func (o *OVS) AddBridge(t testing.TB, name string) { t.Skip("needs Linux") }

// RestartVswitchd is not available on this OS.
func (o *OVS) RestartVswitchd(t testing.TB) { t.Skip("needs Linux") }

// AddNetnsPort is not available on this OS.
func (o *OVS) AddNetnsPort(t testing.TB, bridge, name, cidr string) *Port {
	t.Skip("needs Linux")
	return nil
}

// Do is not available on this OS.
func (p *Port) Do(fn func() error) error { return errNotLinux }

// Ping is not available on this OS.
func (p *Port) Ping(dst netip.Addr, count int) error { return errNotLinux }
