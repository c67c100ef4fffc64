package ovsdb_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/ovsdb"
	"github.com/offloadkit/offloadkit/ovs/ovstest"
)

// vsctl reads the database with ovs-vsctl, to cross-check what the
// library wrote (tests may exec it; the library never does).
func vsctl(t *testing.T, o *ovstest.OVS, args ...string) string {
	t.Helper()
	bin, ok := o.Bin("ovs-vsctl")
	if !ok {
		t.Skip("cross-check needs ovs-vsctl (openvswitch-switch)")
	}
	cmd := exec.Command(bin, append([]string{"--db=" + o.Endpoint, "--no-wait", "--timeout=10"}, args...)...)
	cmd.Env = append(os.Environ(), o.Env()...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ovs-vsctl %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestRealOffloadConfig(t *testing.T) {
	t.Parallel()
	o := ovstest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := ovsdb.Connect(ctx, ovsdb.Config{Endpoint: o.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	s, err := c.System(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.OVSVersion != o.Version.Version || len(s.DatapathTypes) == 0 || s.CurCfg != s.NextCfg {
		t.Errorf("System = %+v (ovs-vswitchd --version says %s)", s, o.Version.Version)
	}
	if got := vsctl(t, o, "get", "Open_vSwitch", ".", "datapath_types"); got != "["+strings.Join(s.DatapathTypes, ", ")+"]" {
		t.Errorf("datapath_types: ovs-vsctl %s, library %v", got, s.DatapathTypes)
	}

	// hw-offload set twice (the second must replace the first), tc-policy
	// and max-idle; ovs-vswitchd acknowledges each generation.
	for _, on := range []bool{true, false, true} {
		g, err := c.SetHWOffload(ctx, on)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WaitApplied(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	g, err := c.SetTCPolicy(ctx, ovsdb.TCPolicySkipHW)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitApplied(ctx, g); err != nil {
		t.Fatal(err)
	}
	if g, err = c.SetMaxIdle(ctx, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitApplied(ctx, g); err != nil {
		t.Fatal(err)
	}
	cfg, err := c.OffloadConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cfg != (ovsdb.OffloadConfig{HWOffload: true, TCPolicy: ovsdb.TCPolicySkipHW, MaxIdle: 20 * time.Second}) {
		t.Errorf("read back %+v", cfg)
	}
	for key, want := range map[string]string{"hw-offload": `"true"`, "tc-policy": "skip_hw", "max-idle": `"20000"`} {
		if got := vsctl(t, o, "get", "Open_vSwitch", ".", "other_config:"+key); got != want {
			t.Errorf("ovs-vsctl other_config:%s = %s, want %s", key, got, want)
		}
	}
	// A second client (what another process would see) agrees.
	c2, err := ovsdb.Connect(ctx, ovsdb.Config{Endpoint: o.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if cfg2, err := c2.OffloadConfig(ctx); err != nil || cfg2 != cfg {
		t.Errorf("second client reads %+v, %v", cfg2, err)
	}
}

func TestRealPorts(t *testing.T) {
	t.Parallel()
	o := ovstest.Start(t)
	o.AddBridge(t, "br0")
	// A real netdev in ovs-vswitchd's namespace, standing in for a VF
	// representor.
	o.AddNetnsPort(t, "br0", "rep0", "10.79.0.1/24")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := o.DB
	// AddNetnsPort added rep0 without iface-id; re-add it the CNI way.
	if err := c.DelPort(ctx, "br0", "rep0"); err != nil {
		t.Fatal(err)
	}
	if err := c.AddPort(ctx, ovsdb.RepresentorPort("br0", "rep0", "pod1_ns1")); err != nil {
		t.Fatal(err)
	}
	if got := vsctl(t, o, "get", "Interface", "rep0", "external_ids:iface-id"); got != "pod1_ns1" {
		t.Errorf("ovs-vsctl iface-id = %s", got)
	}
	i, err := c.Interface(ctx, "rep0")
	if err != nil || i.OFPort == nil || *i.OFPort < 1 {
		t.Errorf("rep0: %+v, %v", i, err)
	}
	if err := c.AddPort(ctx, ovsdb.RepresentorPort("br0", "rep0", "x")); !errors.Is(err, errs.ErrExists) {
		t.Errorf("second add: %v, want ErrExists", err)
	}

	// A representor that does not exist: ovs-vswitchd reports it, the
	// port is removed again.
	err = c.AddPort(ctx, ovsdb.RepresentorPort("br0", "pf0vf9", "pod2_ns1"))
	if !errors.Is(err, errs.ErrNotApplied) || !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("absent netdev: %v, want ErrNotApplied and ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), "pf0vf9") {
		t.Errorf("error does not carry OVS's text: %v", err)
	}
	if got := vsctl(t, o, "list-ports", "br0"); got != "rep0" {
		t.Errorf("ports after rollback: %q, want rep0", got)
	}

	// YUSUR's DPDK port: this ovs-vswitchd (Debian, no DPDK) does not list
	// the dpdk type, so nothing is written.
	if sys, err := c.System(ctx); err == nil && !strings.Contains(" "+strings.Join(sys.IfaceTypes, " ")+" ", " dpdk ") {
		err := c.AddPort(ctx, ovsdb.DPDKPort("br0", "dpdk-vf0", "0000:00:0a.0,representor=[0]", "pod3_ns1"))
		if !errors.Is(err, errs.ErrNotSupported) {
			t.Errorf("dpdk port without DPDK: %v, want ErrNotSupported", err)
		}
	}

	if err := c.DelPort(ctx, "br0", "rep0"); err != nil {
		t.Fatal(err)
	}
	if got := vsctl(t, o, "list-ports", "br0"); got != "" {
		t.Errorf("ports after delete: %q", got)
	}
	if got := vsctl(t, o, "--columns=name", "find", "Interface", "name=rep0"); got != "" {
		t.Errorf("interface row left behind: %q", got)
	}
}

// TestRealHWOffloadRestart pins down what "hw-offload needs a restart"
// means in OVS 3.1: the running daemon turns its flow API on the first
// time it sees hw-offload=true, and never off; only a restart drops it.
func TestRealHWOffloadRestart(t *testing.T) {
	t.Parallel()
	o := ovstest.Start(t)
	o.AddBridge(t, "br0")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const enabled = "netdev: Flow API Enabled"
	set := func(on bool) {
		t.Helper()
		g, err := o.DB.SetHWOffload(ctx, on)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.DB.WaitApplied(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	// waitLog polls the log written since offset for the message; OVS
	// logs it in the same main-loop iteration that applied the change.
	waitLog := func(offset int) bool {
		for range 50 {
			if strings.Contains(o.Log()[offset:], enabled) {
				return true
			}
			time.Sleep(20 * time.Millisecond)
		}
		return false
	}

	if strings.Contains(o.Log(), enabled) {
		t.Fatal("flow API enabled before hw-offload was set")
	}
	mark := len(o.Log())
	set(true)
	if !waitLog(mark) {
		t.Fatalf("running ovs-vswitchd %s did not log %q after hw-offload=true", o.Version.Version, enabled)
	}
	set(false) // the running daemon keeps its flow API
	mark = len(o.Log())
	o.RestartVswitchd(t)
	if waitLog(mark) {
		t.Error("flow API enabled after a restart with hw-offload=false")
	}
	set(true)
	mark = len(o.Log())
	o.RestartVswitchd(t)
	if !waitLog(mark) {
		t.Error("flow API not enabled after a restart with hw-offload=true")
	}
	if cfg, err := o.DB.OffloadConfig(ctx); err != nil || !cfg.HWOffload {
		t.Errorf("after restart: %+v, %v", cfg, err)
	}
}
