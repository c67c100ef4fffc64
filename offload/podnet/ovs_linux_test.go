//go:build linux

package podnet

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/ovs/ovsdb"
	"github.com/offloadkit/offloadkit/ovs/ovstest"
)

func TestPortSpec(t *testing.T) {
	t.Parallel()
	p, err := DPDKPort("d85b161b6840_h", offload.MustParsePCIAddress("0000:00:0a.0"), 2, "nginx.default")
	if err != nil {
		t.Fatal(err)
	}
	want := ovsdb.PortSpec{Bridge: "br-int", Name: "d85b161b6840_h", Type: "dpdk", IfaceID: "nginx.default",
		Options: map[string]string{"dpdk-devargs": "0000:00:0a.0,representor=[2]"}}
	got := p.PortSpec("br-int")
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("ovsdb rejects the spec: %v", err)
	}
}

// TestAttachToOVS runs the whole CNI path against a real ovs-vswitchd: the
// veth pair standing in for VF and representor lives in ovs-vswitchd's
// (private) network namespace, which is the Plumber's host namespace; the
// renamed representor is added to a bridge with its iface-id, then removed
// before the VF is detached.
func TestAttachToOVS(t *testing.T) {
	t.Parallel()
	o := ovstest.Start(t)
	hostNS := fmt.Sprintf("/proc/%d/ns/net", o.VswitchdPID())
	o.AddBridge(t, "br-int")
	r := newRigIn(t, hostNS, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before := r.state(t)
	a, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AddToBridge(ctx, o.DB, "br-int"); err != nil {
		t.Fatal(err)
	}
	i, err := o.DB.Interface(ctx, "d85b161b6840_h")
	if err != nil {
		t.Fatal(err)
	}
	if i.ExternalIDs["iface-id"] != "nginx.default" || i.OFPort == nil || *i.OFPort <= 0 || (i.Error != nil && *i.Error != "") {
		t.Errorf("interface = %+v", i)
	}
	if err := a.AddToBridge(ctx, o.DB, "br-int"); !errors.Is(err, errs.ErrExists) {
		t.Errorf("second add: %v, want ErrExists", err)
	}
	if err := a.RemoveFromBridge(ctx, o.DB, "br-int"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.DB.Interface(ctx, "d85b161b6840_h"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("interface after removal: %v", err)
	}
	if err := r.p.DetachVF(ctx, r.vf, podA, r.podNS); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, r.state(t)); d != "" {
		t.Errorf("(-before +after):\n%s", d)
	}
}
