//go:build linux

package podnettest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// NewNetNS creates the network namespace /var/run/netns/<prefix>-<pid>-<random>
// and returns its path and a function that removes it. The pid and random
// parts keep parallel test binaries and a crashed earlier run from colliding.
func NewNetNS(prefix string) (path string, remove func(), err error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("%s-%d-%s", prefix, os.Getpid(), hex.EncodeToString(b))
	errc := make(chan error, 1)
	go func() {
		// netns.NewNamed switches the calling thread into the new
		// namespace; this thread goes back at once, and if it cannot it
		// stays locked so the runtime throws it away with the goroutine.
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		ns, err := netns.NewNamed(name)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		ns.Close()
		if err := netns.Set(orig); err != nil {
			_ = netns.DeleteNamed(name) // leave no namespace behind on failure
			errc <- err
			return
		}
		runtime.UnlockOSThread()
		errc <- nil
	}()
	if err := <-errc; err != nil {
		return "", nil, fmt.Errorf("create network namespace %s: %w", name, err)
	}
	return "/var/run/netns/" + name, func() { _ = netns.DeleteNamed(name) }, nil
}

// NetNS is NewNetNS for a test: it skips the test when the process is not
// root or namespaces cannot be made here, and removes the namespace when the
// test ends.
func NetNS(t testing.TB, prefix string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces and veth pairs (CAP_SYS_ADMIN, CAP_NET_ADMIN)")
	}
	path, remove, err := NewNetNS(prefix)
	if err != nil {
		t.Skipf("cannot create a network namespace here (%v): these tests need CAP_SYS_ADMIN and a writable /var/run/netns", err)
	}
	t.Cleanup(remove)
	return path
}

// InNS runs f with a netlink handle bound to the network namespace at path
// (a /var/run/netns bind mount or a /proc/<pid>/ns/net), so the caller's
// thread never changes namespace.
func InNS(path string, f func(h *netlink.Handle) error) error {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return fmt.Errorf("open network namespace %s: %w", path, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netlink handle in %s: %w", path, err)
	}
	defer h.Close()
	return f(h)
}

// Handle returns a netlink handle bound to the network namespace at path,
// closed when the test ends.
func Handle(t testing.TB, path string) *netlink.Handle {
	t.Helper()
	ns, err := netns.GetFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// AddStandIn creates, in the network namespace at nsPath, a veth pair named
// vf and rep standing in for a VF netdev and its representor, and sets the
// representor up, as OVS and the CNIs leave representors (DetachVF does not
// take them down, so a test comparing before and after needs it up from the
// start). With rep empty (a VF whose representor is an OVS-DPDK port, not a
// netdev: YUSUR) the peer is named vf+"x" and left down, since a veth needs
// a peer all the same. It returns the peer's name.
func AddStandIn(nsPath, vf, rep string) (peer string, err error) {
	peer = rep
	if peer == "" {
		peer = vf + "x"
	}
	err = InNS(nsPath, func(h *netlink.Handle) error {
		if err := h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: vf}, PeerName: peer}); err != nil {
			return fmt.Errorf("create veth %s/%s in %s: %w", vf, peer, nsPath, err)
		}
		if rep == "" {
			return nil
		}
		l, err := h.LinkByName(rep)
		if err == nil {
			err = h.LinkSetUp(l)
		}
		if err != nil {
			_ = h.LinkDel(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: vf}})
			return fmt.Errorf("set representor stand-in %s up in %s: %w", rep, nsPath, err)
		}
		return nil
	})
	return peer, err
}

// RemoveStandIn deletes the veth pair whose VF end is vf from the network
// namespace at nsPath (deleting one end removes both). A pair already gone
// is not an error.
func RemoveStandIn(nsPath, vf string) error {
	return InNS(nsPath, func(h *netlink.Handle) error {
		l, err := h.LinkByName(vf)
		if err != nil {
			return nil
		}
		if err := h.LinkDel(l); err != nil {
			return fmt.Errorf("delete veth %s in %s: %w", vf, nsPath, err)
		}
		return nil
	})
}

// StandIn is AddStandIn for a test: it fails the test on error and removes
// the pair when the test ends, which matters where the namespace outlives
// the test (ovs-vswitchd's, or the host's). It returns the peer's name.
func StandIn(t testing.TB, nsPath, vf, rep string) string {
	t.Helper()
	peer, err := AddStandIn(nsPath, vf, rep)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = RemoveStandIn(nsPath, vf) })
	return peer
}
