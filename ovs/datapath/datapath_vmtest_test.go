//go:build vmtest

package datapath_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/vmtest"
	"github.com/offloadkit/offloadkit/ovs/datapath"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// guestOVS is a private ovsdb-server + ovs-vswitchd on the guest kernel's
// openvswitch datapath, its files in one temporary directory.
type guestOVS struct {
	dir string
	env []string
}

func (o *guestOVS) run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := o.runErr(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func (o *guestOVS) runErr(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var b bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &b, &b
	cmd.Env = append(os.Environ(), o.env...)
	err := cmd.Run()
	return b.String(), err
}

func (o *guestOVS) vsctl(t testing.TB, args ...string) string {
	t.Helper()
	return o.run(t, "ovs-vsctl", append([]string{"--db=unix:" + o.dir + "/db.sock", "--timeout=60"}, args...)...)
}

func probeFamily(name string) func() error {
	return func() error {
		c, err := genetlink.Dial(nil)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.GetFamily(name)
		return err
	}
}

// startGuestOVS starts OVS on the kernel datapath with flows kept for ten
// minutes (max-idle), so both dumps see the same flows.
func startGuestOVS(t *testing.T) *guestOVS {
	t.Helper()
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
	vmtest.Require(t, vmtest.FeatureOpenvswitch, probeFamily("ovs_datapath"))
	dir, err := os.MkdirTemp("", "ovsdp-")
	if err != nil {
		t.Fatal(err)
	}
	o := &guestOVS{dir: dir, env: []string{"OVS_RUNDIR=" + dir, "OVS_LOGDIR=" + dir, "OVS_DBDIR=" + dir, "OVS_SYSCONFDIR=" + dir}}
	t.Cleanup(func() {
		o.runErr("ovs-appctl", "-t", "ovs-vswitchd", "exit", "--cleanup")
		o.runErr("ovs-appctl", "-t", "ovsdb-server", "exit")
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "ovs-vswitchd.log")); err == nil {
				t.Logf("ovs-vswitchd.log:\n%s", b)
			}
		}
		os.RemoveAll(dir)
	})
	o.run(t, "ovsdb-tool", "create", dir+"/conf.db", "/usr/share/openvswitch/vswitch.ovsschema")
	o.run(t, "ovsdb-server", dir+"/conf.db", "--remote=punix:"+dir+"/db.sock", "--pidfile", "--detach", "--log-file")
	o.vsctl(t, "--no-wait", "init")
	o.vsctl(t, "--no-wait", "set", "Open_vSwitch", ".", "other_config:max-idle=600000")
	waitUptime(t, 11*time.Second)
	o.run(t, "ovs-vswitchd", "unix:"+dir+"/db.sock", "--pidfile", "--detach", "--log-file")
	return o
}

// waitUptime: OVS 3.1 started in a guest's first 10 s of uptime gets no
// upcall handlers (hack/vmtest/README.md).
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

func sh(t testing.TB, name string, args ...string) string {
	t.Helper()
	o := &guestOVS{}
	return o.run(t, name, args...)
}

// nsPair connects two namespaces (IPv6 off, so only the test's packets
// make flows) to bridge br.
func nsPair(t *testing.T, o *guestOVS, br, prefix string) {
	t.Helper()
	o.vsctl(t, "add-br", br)
	for i := 1; i <= 2; i++ {
		ns := fmt.Sprintf("%sns%d", prefix, i)
		host := fmt.Sprintf("%s%d", prefix, i)
		peer := host + "p"
		sh(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { (&guestOVS{}).runErr("ip", "netns", "del", ns) })
		sh(t, "ip", "link", "add", host, "type", "veth", "peer", "name", peer)
		t.Cleanup(func() { (&guestOVS{}).runErr("ip", "link", "del", host) })
		sh(t, "ip", "link", "set", peer, "netns", ns)
		sh(t, "ip", "netns", "exec", ns, "busybox", "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6")
		sh(t, "ip", "-n", ns, "addr", "add", fmt.Sprintf("10.98.0.%d/24", i), "dev", peer)
		sh(t, "ip", "-n", ns, "link", "set", peer, "up")
		sh(t, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/"+host+"/disable_ipv6")
		sh(t, "ip", "link", "set", host, "up")
		o.vsctl(t, "add-port", br, host)
	}
	sh(t, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/"+br+"/disable_ipv6 || true")
	sh(t, "ip", "link", "set", br, "up")
}

// record returns every reply to a dump request as "<name> <hex of the
// generic netlink message>"; the test logs them as okt-record lines, which
// testdata/README.md turns into fixtures.
func record(t *testing.T, name, family string, cmd uint8, dpIfindex int) []string {
	t.Helper()
	c, err := genetlink.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := c.GetFamily(family)
	if err != nil {
		t.Fatal(err)
	}
	hdr := make([]byte, 4)
	binary.NativeEndian.PutUint32(hdr, uint32(int32(dpIfindex)))
	msgs, err := c.Execute(genetlink.Message{Header: genetlink.Header{Command: cmd, Version: f.Version}, Data: hdr}, f.ID, netlink.Request|netlink.Dump)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []string
	for _, m := range msgs {
		b, _ := m.MarshalBinary()
		out = append(out, fmt.Sprintf("%s %x", name, b))
	}
	return out
}

// TestVMKernelFlowsMatchDumpFlows runs OVS 3.1 on the guest kernel's
// datapath with real traffic (pings, ARP) and checks, flow by flow, that
// the kernel dump through this package and the text dump ovs-vswitchd
// prints (`dpctl/dump-flows -m`, parsed by dpflow) agree on UFID, match
// and mask, actions, packets, bytes and tcp flags, with port numbers
// (--no-names) and with names.
func TestVMKernelFlowsMatchDumpFlows(t *testing.T) {
	o := startGuestOVS(t)
	nsPair(t, o, "brdp", "dq")
	if err := waitForPing(60*time.Second, "dqns1", "10.98.0.2"); err != nil {
		t.Fatalf("no ping reply across brdp: %v", err)
	}
	// TCP too (busybox nc to a closed port: SYN, RST), for tcp flags.
	(&guestOVS{}).runErr("ip", "netns", "exec", "dqns1", "busybox", "nc", "-w", "1", "10.98.0.2", "9")
	sh(t, "ip", "netns", "exec", "dqns1", "busybox", "ping", "-c", "2", "-W", "2", "10.98.0.2")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := datapath.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dp, err := c.Datapath(ctx, "ovs-system")
	if err != nil {
		t.Fatal(err)
	}
	vps, err := c.Vports(ctx, dp.Ifindex)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vps {
		t.Logf("vport %d %s %s ifindex %d", v.PortNo, v.Name, v.Type, v.Ifindex)
		if v.Ifindex == 0 {
			t.Errorf("vport %s: no ifindex from the kernel", v.Name)
		}
	}
	if len(vps) < 4 {
		t.Errorf("%d vports, want ovs-system, brdp, dq1, dq2", len(vps))
	}

	for _, names := range []bool{false, true} {
		t.Run(fmt.Sprintf("names=%v", names), func(t *testing.T) {
			args := []string{"dpctl/dump-flows", "-m", "--no-names"}
			if names {
				args = []string{"dpctl/dump-flows", "-m", "--names"}
			}
			// The counters move if a packet arrives between the dumps:
			// take text, kernel, text and retry until both texts agree.
			var text map[dpflow.UFID]*dpflow.Flow
			var kernel map[dpflow.UFID]*dpflow.Flow
			var out string
			for attempt := 0; attempt < 5; attempt++ {
				out = o.run(t, "ovs-appctl", args...)
				before := parseText(t, out)
				kernel = map[dpflow.UFID]*dpflow.Flow{}
				for f, err := range c.Flows(ctx, dp.Ifindex, datapath.FlowOptions{Names: names}) {
					if err != nil {
						t.Fatal(err)
					}
					kernel[f.UFID] = f.Flow.Clone()
				}
				text = parseText(t, o.run(t, "ovs-appctl", args...))
				if cmp.Equal(counters(before), counters(text)) {
					break
				}
				time.Sleep(time.Second)
			}
			t.Logf("ovs-appctl %s:\n%s", strings.Join(args, " "), out)
			if len(text) == 0 {
				t.Fatal("dump-flows printed no flows after successful pings")
			}
			if len(kernel) != len(text) {
				t.Errorf("kernel dump has %d flows, dump-flows %d", len(kernel), len(text))
			}
			for u, tf := range text {
				kf, ok := kernel[u]
				if !ok {
					t.Errorf("ufid %s: in dump-flows, not in the kernel dump", u)
					continue
				}
				if d := cmp.Diff(view(tf), view(kf)); d != "" {
					t.Errorf("ufid %s differs (-dump-flows +kernel):\n%s", u, d)
				}
			}
		})
	}

	// The fixture for the unit tests: the raw replies, and the text dump
	// taken right before and after them with the same counters.
	for attempt := 0; ; attempt++ {
		before := o.run(t, "ovs-appctl", "dpctl/dump-flows", "-m", "--no-names")
		recs := record(t, "dp", "ovs_datapath", 3, 0)
		recs = append(recs, record(t, "vport", "ovs_vport", 3, dp.Ifindex)...)
		recs = append(recs, record(t, "flow", "ovs_flow", 3, dp.Ifindex)...)
		after := o.run(t, "ovs-appctl", "dpctl/dump-flows", "-m", "--no-names")
		if !cmp.Equal(counters(parseText(t, before)), counters(parseText(t, after))) && attempt < 5 {
			time.Sleep(time.Second)
			continue
		}
		for _, r := range recs {
			t.Logf("okt-record %s", r)
		}
		for _, l := range strings.Split(strings.TrimSpace(after), "\n") {
			t.Logf("okt-record text %s", l)
		}
		break
	}
}

func waitForPing(d time.Duration, ns, dst string) error {
	deadline := time.Now().Add(d)
	for {
		_, err := (&guestOVS{}).runErr("ip", "netns", "exec", ns, "busybox", "ping", "-c", "2", "-W", "2", dst)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(time.Second)
	}
}

func parseText(t *testing.T, out string) map[dpflow.UFID]*dpflow.Flow {
	t.Helper()
	m := map[dpflow.UFID]*dpflow.Flow{}
	sc := dpflow.NewScanner(strings.NewReader(out), dpflow.Options{Strict: true})
	for f, err := range sc.All() {
		if err != nil {
			t.Errorf("parse dump-flows line %d: %v", sc.Line(), err)
			continue
		}
		m[f.UFID] = f.Clone()
	}
	return m
}

func counters(m map[dpflow.UFID]*dpflow.Flow) map[dpflow.UFID][2]uint64 {
	c := map[dpflow.UFID][2]uint64{}
	for u, f := range m {
		c[u] = [2]uint64{f.Packets, f.Bytes}
	}
	return c
}
