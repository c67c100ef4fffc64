package ovsdb

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func connect(t *testing.T, ep string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Connect(ctx, Config{Endpoint: ep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestOffloadConfig(t *testing.T) {
	t.Parallel()
	ep := testServer(t)
	fakeVswitchd(t, ep)
	c := connect(t, ep)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	got, err := c.OffloadConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(OffloadConfig{}, got); diff != "" {
		t.Errorf("fresh database -want +got:\n%s", diff)
	}

	g1, err := c.SetHWOffload(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitApplied(ctx, g1); err != nil {
		t.Fatal(err)
	}
	// Setting a key that exists replaces it (a plain OVSDB insert would not).
	g2, err := c.SetHWOffload(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if g2 <= g1 {
		t.Errorf("generation %d after %d: next_cfg not bumped", g2, g1)
	}
	// A read right after a write sees it, without WaitApplied.
	if cfg, err := c.OffloadConfig(ctx); err != nil || cfg.HWOffload {
		t.Errorf("read after SetHWOffload(false): %+v, %v", cfg, err)
	}
	if _, err := c.SetHWOffload(ctx, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetTCPolicy(ctx, TCPolicySkipSW); err != nil {
		t.Fatal(err)
	}
	g, err := c.SetMaxIdle(ctx, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitApplied(ctx, g); err != nil {
		t.Fatal(err)
	}
	got, err = c.OffloadConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := OffloadConfig{HWOffload: true, TCPolicy: TCPolicySkipSW, MaxIdle: 30 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
	oc, err := c.OtherConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"foo": "bar", "hw-offload": "true", "tc-policy": "skip_sw", "max-idle": "30000"}, oc); diff != "" {
		t.Errorf("other_config -want +got:\n%s", diff)
	}

	// Bad values are refused before any transaction.
	if _, err := c.SetTCPolicy(ctx, "skip_everything"); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad tc-policy: %v", err)
	}
	if _, err := c.SetMaxIdle(ctx, time.Microsecond); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad max-idle: %v", err)
	}
	if _, err := c.SetOffloadConfig(ctx, OffloadConfig{TCPolicy: "skip_everything"}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("SetOffloadConfig, bad tc-policy: %v", err)
	}
	if _, err := c.SetOffloadConfig(ctx, OffloadConfig{MaxIdle: -time.Second}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("SetOffloadConfig, bad max-idle: %v", err)
	}
	oc2, _ := c.OtherConfig(ctx)
	if !maps.Equal(oc, oc2) {
		t.Errorf("a refused value changed other_config: %v", oc2)
	}

	// Unset removes the keys; foo stays.
	g, err = c.SetOffloadConfig(ctx, OffloadConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitApplied(ctx, g); err != nil {
		t.Fatal(err)
	}
	oc, _ = c.OtherConfig(ctx)
	if diff := cmp.Diff(map[string]string{"foo": "bar", "hw-offload": "false"}, oc); diff != "" {
		t.Errorf("after SetOffloadConfig(zero) -want +got:\n%s", diff)
	}
}

func TestSystemAndWait(t *testing.T) {
	t.Parallel()
	ep := testServer(t)
	stop := fakeVswitchd(t, ep)
	c := connect(t, ep)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.System(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.OVSVersion != "3.1.0" || !cmp.Equal(s.DatapathTypes, []string{"netdev", "system"}) {
		t.Errorf("System = %+v", s)
	}
	g, err := c.SetMaxIdle(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitApplied(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitApplied(ctx, 0); err != nil {
		t.Fatal(err)
	}

	// With nobody applying changes, a wait ends with its context.
	stop()
	g, err = c.SetMaxIdle(ctx, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer wcancel()
	err = c.WaitApplied(wctx, g)
	if !errors.Is(err, errs.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait without ovs-vswitchd: %v, want ErrTimeout", err)
	}
}

func TestPorts(t *testing.T) {
	t.Parallel()
	ep := testServer(t)
	fakeVswitchd(t, ep)
	c := connect(t, ep)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := c.AddPort(ctx, RepresentorPort("br0", "pf0vf3", "pod-a_default")); err != nil {
		t.Fatal(err)
	}
	i, err := c.Interface(ctx, "pf0vf3")
	if err != nil {
		t.Fatal(err)
	}
	if i.ExternalIDs[KeyIfaceID] != "pod-a_default" || i.Type != "" || i.OFPort == nil || *i.OFPort <= 0 {
		t.Errorf("interface %+v", i)
	}
	if err := c.AddPort(ctx, DPDKPort("br0", "dpdk-vf0", "0000:00:0a.0,representor=[0]", "pod-b")); err != nil {
		t.Fatal(err)
	}
	i, err = c.Interface(ctx, "dpdk-vf0")
	if err != nil {
		t.Fatal(err)
	}
	if i.Type != "dpdk" || i.Options[KeyDPDKDevargs] != "0000:00:0a.0,representor=[0]" {
		t.Errorf("dpdk interface %+v", i)
	}

	if err := c.AddPort(ctx, RepresentorPort("br0", "pf0vf3", "x")); !errors.Is(err, errs.ErrExists) {
		t.Errorf("duplicate port: %v, want ErrExists", err)
	}
	if err := c.AddPort(ctx, RepresentorPort("br-nope", "pf0vf4", "x")); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("missing bridge: %v, want ErrNotFound", err)
	}
	for _, bad := range []PortSpec{
		RepresentorPort("br0", "../etc", "x"),
		RepresentorPort("br0", "a-very-long-interface-name", "x"),
		RepresentorPort("br/0", "pf0vf5", "x"),
		RepresentorPort("br0", "pf0vf5", "has space"),
		{Bridge: "br0", Name: "pf0vf5", Type: "DPDK;rm"},
		{Bridge: "br0", Name: "pf0vf5", Type: "dpdk"},
		{Bridge: "br0", Name: "pf0vf5", Options: map[string]string{"k": "v\n"}},
	} {
		if err := c.AddPort(ctx, bad); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("AddPort(%+v): %v, want ErrInvalidArgument", bad, err)
		}
	}

	// ovs-vswitchd cannot open the netdev: the port is rolled back.
	err = c.AddPort(ctx, RepresentorPort("br0", "missing0", "x"))
	if !errors.Is(err, errs.ErrNotApplied) || !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("absent netdev: %v, want ErrNotApplied and ErrNotFound", err)
	}
	if _, err := c.Interface(ctx, "missing0"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("rolled-back interface still there: %v", err)
	}

	names := func() []string {
		bs, err := c.Bridges(ctx)
		if err != nil || len(bs) != 1 {
			t.Fatalf("bridges %v, %v", bs, err)
		}
		var out []string
		for _, u := range bs[0].Ports {
			var ps []Port
			if err := c.ovs.List(ctx, &ps); err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				if p.UUID == u {
					out = append(out, p.Name)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	if got := names(); !cmp.Equal(got, []string{"br0", "dpdk-vf0", "pf0vf3"}) {
		t.Errorf("ports on br0: %v, want br0, pf0vf3, dpdk-vf0", got)
	}
	if err := c.DelPort(ctx, "br0", "pf0vf3"); err != nil {
		t.Fatal(err)
	}
	if err := c.DelPort(ctx, "br0", "pf0vf3"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
	if _, err := c.Interface(ctx, "pf0vf3"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("deleted interface: %v", err)
	}
	if got := names(); !cmp.Equal(got, []string{"br0", "dpdk-vf0"}) {
		t.Errorf("ports on br0 after delete: %v, want br0, dpdk-vf0", got)
	}
	if err := c.DelPort(ctx, "br0", "../x"); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad name: %v", err)
	}
}

func TestAddPortUnsupportedType(t *testing.T) {
	t.Parallel()
	ep := testServer(t)
	fakeVswitchd(t, ep)
	raw := rawClient(t, ep)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var roots []OpenvSwitch
	if err := raw.List(ctx, &roots); err != nil || len(roots) != 1 {
		t.Fatalf("root: %v %v", roots, err)
	}
	r := roots[0]
	r.IfaceTypes = []string{"internal", "system", "tap", "vxlan"}
	ops, err := raw.Where(&r).Update(&r, &r.IfaceTypes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Transact(ctx, ops...); err != nil {
		t.Fatal(err)
	}
	c := connect(t, ep)
	err = c.AddPort(ctx, DPDKPort("br0", "dpdk-vf0", "0000:00:0a.0", "pod"))
	if !errors.Is(err, errs.ErrNotSupported) {
		t.Fatalf("dpdk without DPDK: %v, want ErrNotSupported", err)
	}
	if _, err := c.Interface(ctx, "dpdk-vf0"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("interface written anyway: %v", err)
	}
	if err := c.AddPort(ctx, PortSpec{Bridge: "br0", Name: "vx0", Type: "vxlan", Options: map[string]string{"remote_ip": "flow"}}); err != nil {
		t.Errorf("listed type vxlan: %v", err)
	}
}

// TestHWOffloadAnyCase pins that hw-offload is read as ovs-vswitchd reads
// it (smap_get_bool: "true" in any case), so a "True" written by another
// tool is not reported as off while offload is on.
func TestHWOffloadAnyCase(t *testing.T) {
	t.Parallel()
	ep := testServer(t)
	fakeVswitchd(t, ep)
	c := connect(t, ep)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for v, want := range map[string]bool{"True": true, "TRUE": true, "true": true, "yes": false, "1": false, "false": false} {
		if _, err := c.setOtherConfig(ctx, map[string]string{KeyHWOffload: v}); err != nil {
			t.Fatal(err)
		}
		cfg, err := c.OffloadConfig(ctx)
		if err != nil || cfg.HWOffload != want {
			t.Errorf("hw-offload=%q: HWOffload %v, %v; want %v", v, cfg.HWOffload, err, want)
		}
	}
}
