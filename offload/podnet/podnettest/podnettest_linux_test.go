//go:build linux

package podnettest

import (
	"errors"
	"net"
	"os"
	"testing"

	"github.com/vishvananda/netlink"
)

// TestStandIn checks what podnet's tests rely on: both ends exist in the
// given namespace, the representor is up and the VF end down, a missing
// representor gets the "x" peer, and removal leaves neither the pair nor
// the namespace behind.
func TestStandIn(t *testing.T) {
	t.Parallel()
	var nsPath string
	t.Run("make", func(t *testing.T) {
		nsPath = NetNS(t, "okt-kit")
		if peer := StandIn(t, nsPath, "enp132s0f0v0", "enp132s0f0r0"); peer != "enp132s0f0r0" {
			t.Errorf("peer %q, want the representor's name", peer)
		}
		if peer := StandIn(t, nsPath, "p0v2", ""); peer != "p0v2x" {
			t.Errorf("peer %q, want p0v2x", peer)
		}
		h := Handle(t, nsPath)
		for name, up := range map[string]bool{"enp132s0f0v0": false, "enp132s0f0r0": true, "p0v2": false, "p0v2x": false} {
			l, err := h.LinkByName(name)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if got := l.Attrs().Flags&net.FlagUp != 0; got != up {
				t.Errorf("%s up=%v, want %v", name, got, up)
			}
		}
		if _, err := AddStandIn(nsPath, "enp132s0f0v0", "other"); err == nil {
			t.Error("a second pair with a taken name: no error")
		}
		if err := RemoveStandIn(nsPath, "p0v2"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.LinkByName("p0v2x"); err == nil {
			t.Error("p0v2x outlived its pair's removal")
		}
		if err := RemoveStandIn(nsPath, "p0v2"); err != nil {
			t.Errorf("removing a gone pair: %v", err)
		}
	})
	if nsPath == "" {
		return // skipped inside
	}
	if _, err := os.Stat(nsPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("namespace %s left behind: %v", nsPath, err)
	}
	if err := InNS(nsPath, func(*netlink.Handle) error { return nil }); err == nil {
		t.Errorf("InNS on a removed namespace: no error")
	}
}
