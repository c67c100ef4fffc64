package offloadstate

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/ovs/ovstest"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
	"github.com/offloadkit/offloadkit/tc"
)

// TestRealOVSUserspace runs Check against the private ovs-vswitchd of
// ovs/ovstest (userspace datapath, one veth port), with hw-offload unset
// and then true: offload is not in effect either time, and the reason
// says why. ovstest.Start skips when not root or without OVS.
func TestRealOVSUserspace(t *testing.T) {
	t.Parallel()
	o := ovstest.Start(t)
	o.AddBridge(t, "br-os")
	o.AddNetnsPort(t, "br-os", "os-a", "10.79.0.1/24")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	uc, err := unixctl.Dial(ctx, o.Target())
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	cfg := Config{Unixctl: uc, OVSDB: o.DB}
	// The kernel evidence: a tc client in ovs-vswitchd's namespace. It
	// is not consulted for the userspace datapath, and says so by
	// leaving the ports without WantQdisc.
	if ns, err := os.Open("/proc/" + strconv.Itoa(o.VswitchdPID()) + "/ns/net"); err == nil {
		defer ns.Close()
		if c, err := tc.Dial(tc.Config{NetNS: int(ns.Fd())}); err == nil {
			defer c.Close()
			cfg.TC = c
		}
	}

	r := Check(ctx, cfg)
	t.Logf("hw-offload unset: %v: %s", r.State, r.Reason)
	if r.State != NotInEffect || r.Configured == nil || *r.Configured ||
		!strings.Contains(r.Reason, "hw-offload is not true") || !strings.Contains(r.Reason, "userspace datapath") {
		t.Errorf("hw-offload unset: %+v", r)
	}
	if len(r.Datapaths) != 1 || r.Datapaths[0].Type != "netdev" || r.Datapaths[0].FlowAPI == nil || *r.Datapaths[0].FlowAPI {
		t.Errorf("datapaths %+v", r.Datapaths)
	}
	if r.Version != o.Version.Version {
		t.Errorf("version %q, want %q", r.Version, o.Version.Version)
	}

	// ovs-vswitchd enables its flow API the first time it sees
	// hw-offload=true, without a restart; on the userspace datapath OVS
	// 3.1 then gives the veth port TC's flow API, which is still no
	// hardware offload.
	gen, err := o.DB.SetHWOffload(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.DB.WaitApplied(ctx, gen); err != nil {
		t.Fatal(err)
	}
	r = Check(ctx, cfg)
	t.Logf("hw-offload=true: %v: %s", r.State, r.Reason)
	if r.State != NotInEffect || r.Configured == nil || !*r.Configured || !strings.Contains(r.Reason, "DPDK") {
		t.Errorf("hw-offload=true: %+v", r)
	}
	for _, d := range r.Datapaths {
		for _, p := range d.Ports {
			if p.WantQdisc != "" || p.Qdiscs != nil {
				t.Errorf("kernel consulted for a userspace port: %+v", p)
			}
		}
	}
}
