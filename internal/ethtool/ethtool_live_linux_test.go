//go:build linux

package ethtool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/mdlayher/netlink"
	vnl "github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// privateNetNSWithVeth creates a network namespace holding a veth pair
// okt-veth0/okt-veth1 and returns a descriptor for it. The work runs on a
// goroutine locked to its thread that never unlocks, so the thread (the
// only one in the namespace) is discarded when the goroutine ends; the
// namespace lives on through the descriptor until the test closes it.
func privateNetNSWithVeth(t *testing.T) int {
	t.Helper()
	type result struct {
		fd   int
		skip string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ch <- result{skip: fmt.Sprintf("cannot create a network namespace: %v", err)}
			return
		}
		veth := &vnl.Veth{LinkAttrs: vnl.LinkAttrs{Name: "okt-veth0"}, PeerName: "okt-veth1"}
		if err := vnl.LinkAdd(veth); err != nil {
			ch <- result{skip: fmt.Sprintf("cannot create a veth pair (no veth module?): %v", err)}
			return
		}
		fd, err := unix.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		ch <- result{fd: fd, err: err}
	}()
	r := <-ch
	if r.skip != "" {
		t.Skip(r.skip)
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { _ = unix.Close(r.fd) })
	return r.fd
}

// TestLiveVethFeatures talks to this machine's kernel, in a private network
// namespace: it toggles a changeable veth feature through FEATURES_SET and
// checks that asking for hw-tc-offload, which veth cannot change, comes
// back as the kernel's not-applied report.
func TestLiveVethFeatures(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a network namespace and a veth pair")
	}
	fd := privateNetNSWithVeth(t)
	c, err := Dial(&netlink.Config{NetNS: fd, Strict: true})
	if errors.Is(err, errs.ErrNotSupported) {
		t.Skipf("the kernel has no ethtool generic netlink family (Linux < 5.6): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	veth := Interface{Name: "okt-veth0"}

	fs, err := c.Features(ctx, veth)
	if err != nil {
		t.Fatal(err)
	}
	tc, ok := fs.Get("hw-tc-offload")
	if !ok || tc.Changeable || tc.Active {
		t.Fatalf("veth hw-tc-offload = %+v (found %v); want fixed off", tc, ok)
	}
	const toggle = "tx-checksum-ip-generic"
	f, ok := fs.Get(toggle)
	if !ok || !f.Changeable {
		t.Fatalf("veth %s = %+v (found %v); want changeable", toggle, f, ok)
	}
	t.Logf("veth: %d features, %s active=%v", len(fs), toggle, f.Active)

	// Toggle a feature veth can change, then restore it.
	for _, want := range []bool{!f.Active, f.Active} {
		res, err := c.SetFeatures(ctx, veth, map[string]bool{toggle: want})
		if err != nil {
			t.Fatalf("set %s %v: %v", toggle, want, err)
		}
		if len(res.Changed) == 0 || res.Changed[0] != (FeatureChange{toggle, want}) {
			t.Fatalf("set %s %v: changed = %+v", toggle, want, res.Changed)
		}
		fs, err := c.Features(ctx, veth)
		if err != nil {
			t.Fatal(err)
		}
		if g, _ := fs.Get(toggle); g.Active != want || g.Requested != want {
			t.Fatalf("after set %v: %+v", want, g)
		}
	}

	// hw-tc-offload: the kernel accepts the request and reports it as
	// not applied.
	res, err := c.SetFeatures(ctx, veth, map[string]bool{"hw-tc-offload": true})
	var na *NotAppliedError
	if !errors.Is(err, errs.ErrNotApplied) || !errors.As(err, &na) {
		t.Fatalf("hw-tc-offload on veth: %v (%+v), want ErrNotApplied", err, res)
	}
	if len(na.Features) != 1 || na.Features[0] != (FeatureChange{"hw-tc-offload", true}) {
		t.Fatalf("not applied = %+v, want hw-tc-offload on", na.Features)
	}
	t.Logf("kernel report: %v", err)

	// An unknown feature name is refused (EOPNOTSUPP, "bit name not
	// found") and the kernel's reason reaches the error.
	_, err = c.SetFeatures(ctx, veth, map[string]bool{"no-such-feature": true})
	var e *errs.Error
	if !errors.Is(err, errs.ErrNotSupported) || !errors.As(err, &e) || e.Message == "" {
		t.Fatalf("unknown feature: %v", err)
	}
	t.Logf("unknown feature: %v", err)

	// Netns-aware: the host namespace has no okt-veth0.
	host, err := Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	if _, err := host.Features(ctx, veth); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("okt-veth0 from the host namespace: %v, want ErrNotFound", err)
	}
}
