//go:build vmtest

package placement_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/genetlink"

	"github.com/offloadkit/offloadkit/internal/vmtest"
	"github.com/offloadkit/offloadkit/ovs/datapath"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/ovs/placement"
	"github.com/offloadkit/offloadkit/tc"
)

func runEnv(env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var b bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &b, &b
	cmd.Env = append(os.Environ(), env...)
	err := cmd.Run()
	return b.String(), err
}

func must(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	out, err := runEnv(env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// TestVMPlacementFromKernel runs OVS 3.1 with hw-offload=true and
// tc-policy=skip_hw (flows go to tc flower, in software) and checks that
// the kernel-only source finds every flow dump-flows shows, by UFID, with
// the same placement: tc not in hardware for dp:tc flows, kernel datapath
// for dp:ovs ones, without asking ovs-vswitchd.
func TestVMPlacementFromKernel(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (runs in the vmtest guest)")
	}
	for _, tool := range []string{"ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-appctl", "ip", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			if vmtest.InGuest() {
				t.Fatalf("%s not installed in the guest's (host's) root: %v", tool, err)
			}
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
	vmtest.Require(t, vmtest.FeatureOpenvswitch, func() error {
		c, err := genetlink.Dial(nil)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.GetFamily("ovs_flow")
		return err
	})
	vmtest.Require(t, vmtest.FeatureFlower, func() error { _, err := os.Stat("/proc/net/psched"); return err })
	dir, err := os.MkdirTemp("", "ovspl-")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"OVS_RUNDIR=" + dir, "OVS_LOGDIR=" + dir, "OVS_DBDIR=" + dir, "OVS_SYSCONFDIR=" + dir}
	t.Cleanup(func() {
		runEnv(env, "ovs-appctl", "-t", "ovs-vswitchd", "exit", "--cleanup")
		runEnv(env, "ovs-appctl", "-t", "ovsdb-server", "exit")
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "ovs-vswitchd.log")); err == nil {
				t.Logf("ovs-vswitchd.log:\n%s", b)
			}
		}
		os.RemoveAll(dir)
	})
	vsctl := func(args ...string) string {
		return must(t, env, "ovs-vsctl", append([]string{"--db=unix:" + dir + "/db.sock", "--timeout=60"}, args...)...)
	}
	must(t, env, "ovsdb-tool", "create", dir+"/conf.db", "/usr/share/openvswitch/vswitch.ovsschema")
	must(t, env, "ovsdb-server", dir+"/conf.db", "--remote=punix:"+dir+"/db.sock", "--pidfile", "--detach", "--log-file")
	vsctl("--no-wait", "init")
	vsctl("--no-wait", "set", "Open_vSwitch", ".", "other_config:hw-offload=true", "other_config:tc-policy=skip_hw", "other_config:max-idle=600000")
	// OVS 3.1 started in the first 10 s of uptime gets no upcall
	// handlers (hack/vmtest/README.md).
	for {
		b, _ := os.ReadFile("/proc/uptime")
		var up float64
		fmt.Sscanf(string(b), "%f", &up)
		if up >= 11 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	must(t, env, "ovs-vswitchd", "unix:"+dir+"/db.sock", "--pidfile", "--detach", "--log-file")
	vsctl("add-br", "brpl")
	for i := 1; i <= 2; i++ {
		ns, host := fmt.Sprintf("plns%d", i), fmt.Sprintf("pl%d", i)
		must(t, nil, "ip", "netns", "add", ns)
		t.Cleanup(func() { runEnv(nil, "ip", "netns", "del", ns) })
		must(t, nil, "ip", "link", "add", host, "type", "veth", "peer", "name", host+"p")
		t.Cleanup(func() { runEnv(nil, "ip", "link", "del", host) })
		must(t, nil, "ip", "link", "set", host+"p", "netns", ns)
		must(t, nil, "ip", "netns", "exec", ns, "busybox", "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6")
		must(t, nil, "ip", "-n", ns, "addr", "add", fmt.Sprintf("10.97.0.%d/24", i), "dev", host+"p")
		must(t, nil, "ip", "-n", ns, "link", "set", host+"p", "up")
		must(t, nil, "ip", "link", "set", host, "up")
		vsctl("add-port", "brpl", host)
	}
	must(t, nil, "ip", "link", "set", "brpl", "up")
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := runEnv(nil, "ip", "netns", "exec", "plns1", "busybox", "ping", "-c", "2", "-W", "2", "10.97.0.2")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ping reply across brpl: %v", err)
		}
	}
	must(t, nil, "ip", "netns", "exec", "plns1", "busybox", "ping", "-c", "2", "-W", "2", "10.97.0.2")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dc, err := datapath.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	tcc, err := tc.Dial(tc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer tcc.Close()
	src := placement.Source{Datapath: dc, TC: tcc}
	rep, err := src.Report(ctx, datapath.FlowOptions{Names: true})
	if err != nil {
		t.Fatal(err)
	}
	out := must(t, env, "ovs-appctl", "dpctl/dump-flows", "-m")
	t.Logf("dump-flows -m:\n%s", out)
	text := map[dpflow.UFID]*dpflow.Flow{}
	for f, err := range dpflow.ScanString(out, dpflow.Options{}).All() {
		if err != nil {
			t.Fatalf("parse dump-flows: %v", err)
		}
		text[f.UFID] = f.Clone()
	}
	got := map[dpflow.UFID]placement.Flow{}
	for _, f := range rep.Flows {
		got[f.UFID] = f
		t.Logf("kernel source: ufid %s in_port %s placement %s packets %d filters %d", f.UFID, f.InPort, f.Placement, f.Packets, len(f.Filters))
	}
	if rep.TCNotInHW == 0 {
		t.Errorf("no flow placed in tc (not in hardware) with tc-policy=skip_hw: %+v", rep)
	}
	for u, tf := range text {
		f, ok := got[u]
		if !ok {
			t.Errorf("ufid %s (%s) from dump-flows not found from the kernel", u, tf.DP)
			continue
		}
		if f.Placement != tf.Placement() {
			t.Errorf("ufid %s: kernel source says %s, dump-flows %s", u, f.Placement, tf.Placement())
		}
		if tf.DP == dpflow.LayerTC && f.InPort != tf.InPort {
			t.Errorf("ufid %s: tc filter on %s, dump-flows in_port(%s)", u, f.InPort, tf.InPort)
		}
	}
	if len(got) != len(text) {
		t.Errorf("%d flows from the kernel, %d from dump-flows", len(got), len(text))
	}
}
