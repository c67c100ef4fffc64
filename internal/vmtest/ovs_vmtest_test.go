//go:build vmtest

package vmtest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// ovsInstance is a private ovsdb-server + ovs-vswitchd whose files all live
// in one temporary directory.
type ovsInstance struct {
	dir string
	env []string
}

func (o *ovsInstance) cmd(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := o.cmdErr(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func (o *ovsInstance) cmdErr(name string, args ...string) (string, error) {
	return runEnv(o.env, name, args...)
}

func (o *ovsInstance) vsctl(t testing.TB, args ...string) string {
	t.Helper()
	return o.cmd(t, "ovs-vsctl", append([]string{"--db=unix:" + o.dir + "/db.sock", "--timeout=60"}, args...)...)
}

// startOVS starts OVS with other_config set before ovs-vswitchd starts (the
// offload settings are read once, at start-up).
func startOVS(t *testing.T, otherConfig ...string) *ovsInstance {
	t.Helper()
	needTools(t, "ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-appctl", "ip", "busybox")
	Require(t, FeatureOpenvswitch, genlFamily("ovs_datapath"))
	dir, err := os.MkdirTemp("", "ovs-")
	if err != nil {
		t.Fatal(err)
	}
	o := &ovsInstance{dir: dir, env: []string{
		"OVS_RUNDIR=" + dir, "OVS_LOGDIR=" + dir, "OVS_DBDIR=" + dir, "OVS_SYSCONFDIR=" + dir,
	}}
	t.Cleanup(func() {
		o.cmdErr("ovs-appctl", "-t", "ovs-vswitchd", "exit", "--cleanup")
		o.cmdErr("ovs-appctl", "-t", "ovsdb-server", "exit")
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "ovs-vswitchd.log")); err == nil {
				t.Logf("ovs-vswitchd.log:\n%s", b)
			}
		}
		os.RemoveAll(dir)
	})
	o.cmd(t, "ovsdb-tool", "create", dir+"/conf.db", "/usr/share/openvswitch/vswitch.ovsschema")
	o.cmd(t, "ovsdb-server", dir+"/conf.db", "--remote=punix:"+dir+"/db.sock", "--pidfile", "--detach", "--log-file")
	o.vsctl(t, "--no-wait", "init")
	if len(otherConfig) > 0 {
		args := []string{"--no-wait", "set", "Open_vSwitch", "."}
		for _, kv := range otherConfig {
			args = append(args, "other_config:"+kv)
		}
		o.vsctl(t, args...)
	}
	waitUptime(t, 11*time.Second)
	o.cmd(t, "ovs-vswitchd", "unix:"+dir+"/db.sock", "--pidfile", "--detach", "--log-file")
	return o
}

// waitUptime waits until the guest has been up for d. OVS 3.1 with the
// kernel's per-CPU upcall dispatch sizes its upcall handlers from a CPU count
// it refreshes every 10 s of monotonic time; started in a guest's first 10 s
// (a fast host boots the guest in about 2 s) it logs "Overriding
// n-handler-threads to 0", no upcall is ever answered and every ping across
// the kernel datapath is lost. Seen here on 2026-11-26: always failing when
// OVS started at ~3 s of uptime, passing when it started after 12 s.
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
		t.Logf("waiting %v: OVS started in the first 10 s of uptime gets no upcall handlers", wait.Round(time.Millisecond))
		time.Sleep(wait)
	}
}

// nsPair connects two fresh network namespaces to bridge br through veth
// pairs named <prefix>1/<prefix>2 and returns the host-side port names.
func nsPair(t *testing.T, o *ovsInstance, br, prefix string) (string, string) {
	t.Helper()
	o.vsctl(t, "add-br", br)
	var ports []string
	for i := 1; i <= 2; i++ {
		ns := fmt.Sprintf("%sns%d", prefix, i)
		host := fmt.Sprintf("%s%d", prefix, i)
		peer := host + "p"
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { runErr("ip", "netns", "del", ns) })
		run(t, "ip", "link", "add", host, "type", "veth", "peer", "name", peer)
		t.Cleanup(func() { runErr("ip", "link", "del", host) })
		run(t, "ip", "link", "set", peer, "netns", ns)
		run(t, "ip", "-n", ns, "addr", "add", fmt.Sprintf("10.99.0.%d/24", i), "dev", peer)
		run(t, "ip", "-n", ns, "link", "set", peer, "up")
		run(t, "ip", "link", "set", host, "up")
		o.vsctl(t, "add-port", br, host)
		ports = append(ports, host)
	}
	run(t, "ip", "link", "set", br, "up")
	return ports[0], ports[1]
}

// TestOVSDatapathFlowsParse runs OVS 3.1 against the guest kernel's
// openvswitch datapath, sends pings between two namespaces and checks that
// the flows `dpctl/dump-flows -m` prints parse with ovs/dpflow, strictly,
// and say what happened: a flow from in_port(p1) that outputs to p2, in the
// kernel datapath (dp:ovs) or, with hw-offload=true and tc-policy=skip_hw,
// as a tc flower rule in software (dp:tc).
func TestOVSDatapathFlowsParse(t *testing.T) {
	needRoot(t)
	for _, tc := range []struct {
		name        string
		otherConfig []string
		layer       dpflow.Layer
	}{
		{"kernel", nil, dpflow.LayerOVS},
		{"tc", []string{"hw-offload=true", "tc-policy=skip_hw"}, dpflow.LayerTC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.layer == dpflow.LayerTC {
				Require(t, FeatureFlower, fileExists("/proc/net/psched"))
			}
			o := startOVS(t, tc.otherConfig...)
			prefix := "o" + tc.name[:1]
			p1, p2 := nsPair(t, o, "br"+tc.name[:1], prefix)
			// Retried: the first packets go through upcalls while OVS
			// installs the flow; busybox ping exits 0 on any reply.
			if err := waitFor(60*time.Second, func() error {
				_, err := runErr("ip", "netns", "exec", prefix+"ns1", "busybox", "ping", "-c", "2", "-W", "2", "10.99.0.2")
				return err
			}); err != nil {
				t.Fatalf("no ping reply across br%s: %v", tc.name[:1], err)
			}
			// Ping again so the installed flow itself carries packets.
			run(t, "ip", "netns", "exec", prefix+"ns1", "busybox", "ping", "-c", "2", "-W", "2", "10.99.0.2")

			out := o.cmd(t, "ovs-appctl", "dpctl/dump-flows", "-m")
			t.Logf("dpctl/dump-flows -m:\n%s", out)
			var flows []*dpflow.Flow
			sc := dpflow.NewScanner(strings.NewReader(out), dpflow.Options{Strict: true})
			for f, err := range sc.All() {
				if err != nil {
					t.Errorf("strict parse of a real dump, line %d: %v", sc.Line(), err)
					continue
				}
				flows = append(flows, f.Clone())
			}
			if len(flows) == 0 {
				t.Fatal("dpctl/dump-flows -m printed no flows after successful pings")
			}
			var found *dpflow.Flow
			for _, f := range flows {
				if f.UFID.IsZero() {
					t.Errorf("flow line %d: no ufid with -m", f.Line)
				}
				if _, ok := f.Key("eth_type"); !ok {
					t.Errorf("flow line %d: no eth_type key", f.Line)
				}
				if f.InPort == p1 && slices.Contains(slices.Collect(f.Outputs()), p2) && f.Packets > 0 {
					if ethType, _ := f.Key("eth_type"); ethType.Args() == "0x0800" {
						found = f
					}
				}
			}
			if found == nil {
				t.Fatalf("no IPv4 flow in_port(%s) -> %s with packets among %d flows", p1, p2, len(flows))
			}
			if found.DP != tc.layer {
				t.Errorf("the %s -> %s flow is in dp:%s, want dp:%s", p1, p2, found.DP, tc.layer)
			}
			if found.InHardware() {
				t.Errorf("flow reports hardware offload on veth: %+v", found)
			}
			if found.Bytes < found.Packets*64 {
				t.Errorf("flow has %d packets but %d bytes", found.Packets, found.Bytes)
			}
			if tc.layer == dpflow.LayerTC {
				// The flow must really be a flower filter, in software.
				show := run(t, "tc", "filter", "show", "dev", p1, "ingress")
				if !strings.Contains(show, "flower") || !strings.Contains(show, "skip_hw") || !strings.Contains(show, "not_in_hw") {
					t.Errorf("tc filter show dev %s ingress does not list a skip_hw flower filter:\n%s", p1, show)
				}
			}
		})
	}
}
