//go:build vmtest

package offloadstate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/internal/vmtest"
	"github.com/offloadkit/offloadkit/ovs/ovsdb"
	"github.com/offloadkit/offloadkit/ovs/ovstest"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
	"github.com/offloadkit/offloadkit/tc"
)

// TestKernelDatapathOffloadState runs Check against OVS on the guest
// kernel's openvswitch datapath, with hw-offload=true and without.
// netdevsim ports cannot offload TC flows, so what the kernel can show is
// OVS's TC provider at work: with hw-offload on, the running daemon
// reports a flow API and every port carries the qdisc the provider adds
// (ingress on the veths, clsact on the bridge's internal port); with it
// off, neither. The qdiscs are cross-checked with iproute2's tc.
func TestKernelDatapathOffloadState(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: OVS and network namespaces")
	}
	waitUptime(t, 11*time.Second)
	for _, on := range []bool{true, false} {
		t.Run("hw-offload="+strconv.FormatBool(on), func(t *testing.T) {
			o := ovstest.Start(t)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			if on {
				// Before any port: each port then gets the flow API
				// when it is added, as on a host configured at boot.
				gen, err := o.DB.SetHWOffload(ctx, true)
				if err != nil {
					t.Fatal(err)
				}
				if err := o.DB.WaitApplied(ctx, gen); err != nil {
					t.Fatal(err)
				}
			}
			if err := o.DB.AddBridge(ctx, "br-ks", ovsdb.DatapathSystem); err != nil {
				t.Fatal(err)
			}
			o.AddNetnsPort(t, "br-ks", "ks-a", "10.80.0.1/24")
			o.AddNetnsPort(t, "br-ks", "ks-b", "10.80.0.2/24")

			uc, err := unixctl.Dial(ctx, o.Target())
			if err != nil {
				t.Fatal(err)
			}
			defer uc.Close()
			vmtest.Require(t, vmtest.FeatureOpenvswitch, func() error {
				dps, err := uc.DpifShow(ctx)
				if err != nil {
					return err
				}
				for _, dp := range dps {
					if dp.Type == "system" {
						return nil
					}
				}
				return fmt.Errorf("no system datapath in dpif/show: %+v", dps)
			})
			nsPath := "/proc/" + strconv.Itoa(o.VswitchdPID()) + "/ns/net"
			ns, err := os.Open(nsPath)
			if err != nil {
				t.Fatal(err)
			}
			defer ns.Close()
			tcc, err := tc.Dial(tc.Config{NetNS: int(ns.Fd())})
			if err != nil {
				t.Fatal(err)
			}
			defer tcc.Close()
			cfg := Config{Unixctl: uc, OVSDB: o.DB, TC: tcc}

			// Ports are opened by ovs-vswitchd after AddPort returns;
			// wait until dpif/show lists all three.
			var r Result
			for {
				r = Check(ctx, cfg)
				if n := portCount(r); n == 3 || ctx.Err() != nil {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			t.Logf("%v: %s", r.State, r.Reason)
			for _, e := range r.Evidence {
				t.Logf("  %s: %s %s", e.Source, e.Says, e.Err)
			}
			want := NotInEffect
			if on {
				want = InEffect
			}
			if r.State != want {
				t.Fatalf("state %v, want %v: %s\n%s", r.State, want, r.Reason, o.Log())
			}
			if !on && !strings.Contains(r.Reason, "hw-offload is not true") {
				t.Errorf("reason %q does not say hw-offload is off", r.Reason)
			}
			if portCount(r) != 3 {
				t.Fatalf("ports %+v, want br-ks, ks-a, ks-b", r.Datapaths)
			}
			for _, p := range r.Datapaths[0].Ports {
				if p.Err != "" || p.Qdiscs == nil {
					t.Errorf("%s: qdiscs not read: %s", p.Name, p.Err)
					continue
				}
				if p.HasQdisc != on {
					t.Errorf("%s: has %s qdisc %v, want %v (qdiscs %v)", p.Name, p.WantQdisc, p.HasQdisc, on, p.Qdiscs)
				}
				// iproute2's view of the same port, in the same namespace.
				out, err := exec.CommandContext(ctx, "nsenter", "--net="+nsPath, "tc", "qdisc", "show", "dev", p.Name).CombinedOutput()
				if errors.Is(err, exec.ErrNotFound) {
					continue
				}
				if err != nil {
					t.Errorf("tc qdisc show dev %s: %v\n%s", p.Name, err, out)
					continue
				}
				if got := strings.Contains(string(out), "qdisc "+p.WantQdisc+" "); got != on {
					t.Errorf("iproute2 shows %s qdisc on %s: %v, want %v:\n%s", p.WantQdisc, p.Name, got, on, out)
				}
			}
		})
	}
}

func portCount(r Result) int {
	if len(r.Datapaths) != 1 {
		return 0
	}
	return len(r.Datapaths[0].Ports)
}

// waitUptime waits until the guest has been up for d: OVS 3.1 started in
// a guest's first 10 s gets no upcall handlers (hack/vmtest/README.md).
func waitUptime(t *testing.T, d time.Duration) {
	t.Helper()
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		t.Fatalf("read /proc/uptime: %v", err)
	}
	var up float64
	if _, err := fmt.Sscanf(string(b), "%f", &up); err != nil {
		t.Fatalf("parse /proc/uptime %q: %v", b, err)
	}
	if wait := d - time.Duration(up*float64(time.Second)); wait > 0 {
		time.Sleep(wait)
	}
}
