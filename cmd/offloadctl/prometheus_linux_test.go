//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/ovs/ovstest"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// realOVSWithFlows starts the suite's private OVS (ovs/ovstest: real
// ovsdb-server and ovs-vswitchd, userspace datapath), pings across br0 so
// the datapath learns flows, and installs n synthetic datapath flows with
// dpctl/add-flows (revalidators paused, max-idle an hour, so every scrape
// sees the same flows).
func realOVSWithFlows(t *testing.T, n int) (*ovstest.OVS, *unixctl.Client) {
	t.Helper()
	o := ovstest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if g, err := o.DB.SetMaxIdle(ctx, time.Hour); err != nil {
		t.Fatal(err)
	} else if err := o.DB.WaitApplied(ctx, g); err != nil {
		t.Fatal(err)
	}
	o.AddBridge(t, "br0")
	a := o.AddNetnsPort(t, "br0", "oct-a", "10.79.0.1/24")
	b := o.AddNetnsPort(t, "br0", "oct-b", "10.79.0.2/24")
	if err := a.Ping(b.IP, 2); err != nil {
		t.Fatal(err)
	}
	c, err := unixctl.Dial(ctx, o.Target())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, "in_port(2),eth(src=02:00:00:%02x:%02x:01,dst=02:00:00:00:00:02),eth_type(0x0800),"+
			"ipv4(src=10.%d.%d.%d,dst=10.200.0.1,proto=17,tos=0,ttl=64,frag=no),udp(src=%d,dst=4789) 3\n",
			i>>8&0xff, i&0xff, 100+i>>16, i>>8&0xff, i&0xff, 1024+i%50000)
	}
	path := filepath.Join(o.Dir, "flows.txt")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(ctx, "revalidator/pause"); err != nil {
		t.Logf("revalidator/pause: %v", err)
	}
	if _, err := c.Call(ctx, "dpctl/add-flows", path); err != nil {
		t.Fatal(err)
	}
	return o, c
}

// liveFlows counts the flows of one dump as the collector does.
func liveFlows(t *testing.T, c *unixctl.Client) (total, offloaded int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sc, err := c.ScanFlows(ctx, unixctl.DumpOptions{More: true})
	if err != nil {
		t.Fatal(err)
	}
	for f, err := range sc.All() {
		if err != nil {
			continue
		}
		total++
		if f.Placement().Offloaded() {
			offloaded++
		}
	}
	return total, offloaded
}

type promServer struct {
	base string
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startPrometheus starts Debian's prometheus on 127.0.0.1 scraping target
// every second, and stops it when the test ends.
func startPrometheus(t *testing.T, target string) *promServer {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("needs the prometheus server (Debian package prometheus; make deps installs it)")
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf("global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\nscrape_configs:\n- job_name: offloadkit\n  static_configs:\n  - targets: [%q]\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:"+strconv.Itoa(port), "--log.level=warn")
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Logf("prometheus log:\n%s", b)
		}
	})
	return &promServer{base: "http://127.0.0.1:" + strconv.Itoa(port)}
}

type sample struct {
	Metric map[string]string
	Value  float64
}

// query runs an instant query; an error reply or a server not up yet is
// an error, not a failure, so callers can poll.
func (p *promServer) query(q string) ([]sample, error) {
	resp, err := httpGet(p.base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	var r struct {
		Status string
		Error  string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	if err := json.Unmarshal(resp, &r); err != nil {
		return nil, fmt.Errorf("%w: %s", err, resp)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", q, r.Error)
	}
	var out []sample
	for _, s := range r.Data.Result {
		str, _ := s.Value[1].(string)
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, sample{Metric: s.Metric, Value: v})
	}
	return out, nil
}

// scalar waits until q has exactly one sample and returns its value.
func (p *promServer) scalar(t *testing.T, q string) float64 {
	t.Helper()
	var last error
	for range 100 {
		s, err := p.query(q)
		if err == nil && len(s) == 1 {
			return s[0].Value
		}
		if err == nil {
			err = fmt.Errorf("%d samples", len(s))
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: %v", q, last)
	return 0
}

// waitValue waits until q's single sample equals want.
func (p *promServer) waitValue(t *testing.T, q string, want float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := p.query(q)
		if err == nil && len(s) == 1 && s[0].Value == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got %v %v, want %v", q, s, err, want)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestPrometheusScrapesAgent: a real Prometheus scrapes `offloadctl agent`
// running on the bundled cx5-switchdev host next to the suite's real
// ovs-vswitchd; its HTTP API gives the values the tree and the flows
// imply. Then ovs-vswitchd is killed: the OVS metrics turn into an error
// and the rest stay.
func TestPrometheusScrapesAgent(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("prometheus"); err != nil {
		t.Skip("needs the prometheus server (Debian package prometheus; make deps installs it)")
	}
	const synthetic = 500
	o, c := realOVSWithFlows(t, synthetic)
	total, offloaded := liveFlows(t, c)
	if total < synthetic {
		t.Fatalf("dump has %d flows, want at least %d", total, synthetic)
	}
	base, stop := startAgent(t, "-tree", "cx5-switchdev", "-ovs-rundir", o.Dir, "-scrape-timeout", "1800ms")
	waitReady(t, base)
	p := startPrometheus(t, strings.TrimPrefix(base, "http://"))

	// Two scrapes, both successful.
	deadline := time.Now().Add(30 * time.Second)
	for p.scalar(t, `count_over_time(up{job="offloadkit"}[5m])`) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("fewer than two scrapes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.waitValue(t, `min_over_time(up{job="offloadkit"}[5m])`, 1)

	if v := p.scalar(t, `offloadkit_pfs`); v != 2 {
		t.Errorf("PF count %v, want 2 (cx5-switchdev)", v)
	}
	if v := p.scalar(t, `count(offloadkit_pf_eswitch_mode{mode="switchdev"} == 1)`); v != 2 {
		t.Errorf("PFs in switchdev: %v, want 2", v)
	}
	if v := p.scalar(t, `sum(offloadkit_pf_eswitch_mode{mode="legacy"})`); v != 0 {
		t.Errorf("PFs in legacy: %v, want 0", v)
	}
	// Background traffic of the namespaced ports (IPv6 neighbour
	// discovery) can add a flow between two dumps, and with revalidators
	// paused none goes away: the scraped count lies between a dump taken
	// before and one taken after.
	flows := p.scalar(t, `sum(offloadkit_ovs_datapath_flows)`)
	userspace := p.scalar(t, `sum(offloadkit_ovs_datapath_flows{datapath="netdev@ovs-netdev",placement="ovs"})`)
	after, offloadedAfter := liveFlows(t, c)
	if int(flows) < total || int(flows) > after {
		t.Errorf("datapath flows %v, want between %d and %d (dumps of the live OVS before and after)", flows, total, after)
	}
	if offloaded != 0 || offloadedAfter != 0 || userspace != flows {
		t.Errorf("userspace flows %v of %v, offloaded in the dumps %d, %d: the userspace datapath offloads nothing", userspace, flows, offloaded, offloadedAfter)
	}
	// The offload ratio: the userspace datapath offloads nothing.
	if v := p.scalar(t, `sum(offloadkit_ovs_datapath_flows{placement=~"hardware|dpdk-.*"}) / sum(offloadkit_ovs_datapath_flows)`); v != float64(offloaded)/float64(total) {
		t.Errorf("offload ratio %v, want %v", v, float64(offloaded)/float64(total))
	}
	if v := p.scalar(t, `offloadkit_ovs_up`); v != 1 {
		t.Errorf("ovs_up %v", v)
	}
	if v := p.scalar(t, `offloadkit_ovs_hw_offload_enabled`); v != 0 {
		t.Errorf("hw-offload %v, want 0 (ovstest leaves it unset)", v)
	}
	for q, want := range map[string]float64{
		`count(offloadkit_doctor_check{check="eswitch-mode",state="ok"} == 1)`:        2,
		`offloadkit_doctor_check{check="ovs",subject="host",state="ok"}`:              1,
		`offloadkit_doctor_check{check="ovs-hw-offload",subject="host",state="fail"}`: 1,
		`offloadkit_doctor_check{check="sriov",subject="0000:84:00.0",state="ok"}`:    1,
		// Each check is in exactly one state.
		`count(offloadkit_doctor_check == 1) - count(count by (check,subject) (offloadkit_doctor_check))`: 0,
	} {
		if v := p.scalar(t, q); v != want {
			t.Errorf("%s = %v, want %v", q, v, want)
		}
	}

	// The flows subcommand on the same live OVS.
	out, _ := wantRun(t, 0, "flows", "-ovs-rundir", o.Dir)
	contains(t, "flows live", out, "unixctl:", "In hardware: 0 flows")

	// Kill ovs-vswitchd between scrapes.
	if err := syscall.Kill(o.VswitchdPID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.waitValue(t, `offloadkit_ovs_up`, 0)
	p.waitValue(t, `offloadkit_scrape_error{subsystem="ovs"}`, 1)
	if v := p.scalar(t, `offloadkit_scrape_error{subsystem="host"}`); v != 0 {
		t.Errorf("host subsystem error %v after ovs-vswitchd died", v)
	}
	if v := p.scalar(t, `offloadkit_pfs`); v != 2 {
		t.Errorf("PF count %v after ovs-vswitchd died", v)
	}
	if s, err := p.query(`offloadkit_ovs_datapath_flows`); err != nil || len(s) != 0 {
		t.Errorf("datapath flows still reported after ovs-vswitchd died: %v %v", s, err)
	}
	if rc, log := stop(); rc != 0 {
		t.Errorf("agent exit %d:\n%s", rc, log)
	}

	// The doctor with the live OVSDB: hw-offload is not set, a failed
	// check, exit 3.
	out, _ = wantRun(t, 3, "doctor", "-tree", "cx5-switchdev", "-ovsdb", o.Endpoint)
	contains(t, "doctor -ovsdb", out, "ovs-hw-offload", "FAIL")
}

func httpGet(u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
