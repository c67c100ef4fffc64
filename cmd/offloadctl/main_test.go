package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// bin is the offloadctl binary the tests run, built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "offloadctl-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "offloadctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ctl runs the binary and returns stdout, stderr and the exit code.
func ctl(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("offloadctl %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func wantRun(t *testing.T, wantCode int, args ...string) (string, string) {
	t.Helper()
	out, errs, code := ctl(t, args...)
	if code != wantCode {
		t.Fatalf("offloadctl %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCode, out, errs)
	}
	return out, errs
}

func contains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("-o json: %v\n%s", err, s)
	}
}

func TestHelpEverySubcommand(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		_, errs := wantRun(t, 0, c.name, "-h")
		contains(t, c.name+" -h", errs, "usage: offloadctl "+c.name, "-")
	}
	out, _ := wantRun(t, 0, "-h")
	contains(t, "-h", out, "discover", "agent", "exit codes")
	_, errs := wantRun(t, 2)
	contains(t, "no args", errs, "usage: offloadctl SUBCOMMAND")
	_, errs = wantRun(t, 2, "bogus")
	contains(t, "bogus", errs, `unknown subcommand "bogus"`)
	_, errs = wantRun(t, 2, "discover", "-no-such-flag")
	contains(t, "bad flag", errs, "no-such-flag")
	wantRun(t, 2, "discover", "-o", "yaml")
	wantRun(t, 2, "discover", "-tree", "no-such-tree")
	wantRun(t, 2, "discover", "extra-arg")
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	out, _ := wantRun(t, 0, "discover", "-tree", "cx5-switchdev")
	contains(t, "discover", out, "0000:84:00.0  15b3:1017  mlx5_core", "switchdev", "enp132s0f0r0")
	out, _ = wantRun(t, 0, "discover", "-tree", "list")
	contains(t, "-tree list", out, "cx5-legacy", "large")
	out, _ = wantRun(t, 0, "discover", "-tree", "cx5-switchdev", "-o", "json")
	var got struct {
		Tree string `json:"tree"`
		PFs  []struct {
			Address     string `json:"pci_address"`
			ESwitchMode string `json:"eswitch_mode"`
			NumVFs      int    `json:"sriov_numvfs"`
			VFs         []struct {
				Index       int    `json:"index"`
				Representor string `json:"representor"`
			} `json:"vfs"`
		} `json:"pfs"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Tree != "cx5-switchdev" || len(got.PFs) != 2 || got.PFs[0].ESwitchMode != "switchdev" ||
		len(got.PFs[0].VFs) != got.PFs[0].NumVFs || got.PFs[0].VFs[0].Representor != "enp132s0f0r0" {
		t.Errorf("discover -o json: %+v", got)
	}
	// A root with no PCI devices: a table that says so, exit 0.
	out, _ = wantRun(t, 0, "discover", "-root", t.TempDir())
	contains(t, "empty root", out, "No SR-IOV capable PCI functions")
}

func writeConfig(t *testing.T, y string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "node.yaml")
	if err := os.WriteFile(p, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const legacyToSwitchdev = `pfs:
- pci: "0000:84:00.0"
  vfs: 4
  eswitchMode: switchdev
`

func TestPlanAndApply(t *testing.T) {
	t.Parallel()
	out, _ := wantRun(t, 0, "plan", "-tree", "cx5-legacy", "-pf", "0000:84:00.0", "-vfs", "4")
	contains(t, "plan", out, "switchdev plan for 0000:84:00.0 (backend mellanox", "set eswitch mode of 0000:84:00.0 legacy -> switchdev", "$ devlink dev eswitch set pci/0000:84:00.0 mode switchdev")
	cfg := writeConfig(t, legacyToSwitchdev)
	out, _ = wantRun(t, 0, "plan", "-tree", "cx5-legacy", "-config", cfg, "-o", "json")
	var pr struct {
		Tree  string `json:"tree"`
		Plans []struct {
			PF   string `json:"pf"`
			Plan struct {
				Backend string            `json:"backend"`
				Steps   []json.RawMessage `json:"steps"`
			} `json:"plan"`
			Error string `json:"error"`
		} `json:"plans"`
	}
	if err := json.Unmarshal([]byte(out), &pr); err != nil {
		t.Fatal(err)
	}
	if len(pr.Plans) != 1 || pr.Plans[0].PF != "0000:84:00.0" || pr.Plans[0].Plan.Backend != "mellanox" || len(pr.Plans[0].Plan.Steps) == 0 {
		t.Errorf("plan -o json: %+v", pr)
	}
	out, errs := wantRun(t, 0, "apply", "-tree", "cx5-legacy", "-config", cfg)
	contains(t, "apply", out, "applied: ", "state after:", "0000:84:00.0 eswitch switchdev, 4/127 VFs")
	contains(t, "apply progress", errs, "switchdev step")
	// Nothing to plan on a tree already there.
	out, _ = wantRun(t, 0, "plan", "-tree", "cx5-switchdev", "-config", writeConfig(t, legacyToSwitchdev+"  hwTCOffload: false\n"))
	contains(t, "plan on switchdev", out, "nothing to do")
	// A bonded PF under the default policy cannot be planned: exit 3.
	out, _ = wantRun(t, 3, "plan", "-tree", "cx5-bond", "-vfs", "4")
	contains(t, "bond", out, "cannot plan")
	// Bad configs are usage errors, touching nothing.
	for _, bad := range []string{"pfs:\n- pci: 0000:84:00.0\n  vfz: 4\n", "pfs:\n- vfs: 4\n", "pfs:\n- pci: nope\n", "pfs:\n- pci: 0000:84:00.0\n  eswitchMode: fast\n"} {
		_, errs := wantRun(t, 2, "plan", "-tree", "cx5-legacy", "-config", writeConfig(t, bad))
		contains(t, "bad config", errs, "node config")
	}
	wantRun(t, 2, "plan", "-tree", "cx5-legacy", "-config", cfg, "-vfs", "3")
	wantRun(t, 2, "apply", "-root", t.TempDir(), "-vfs", "3")
	// A PCI address the host does not have: exit 1.
	_, errs = wantRun(t, 1, "plan", "-tree", "cx5-legacy", "-config", writeConfig(t, "pfs:\n- pci: 0000:99:00.0\n"))
	contains(t, "missing PF", errs, "no SR-IOV PF 0000:99:00.0")
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	// A legacy eswitch fails a check (exit 3), and so does the switchdev
	// tree's hw-tc-offload, off on its uplinks.
	out, _ := wantRun(t, 3, "doctor", "-tree", "cx5-legacy")
	contains(t, "doctor", out, "eswitch-mode", "0000:84:00.0", "legacy")
	// A copied tree under -root has no kernel to ask and no /proc: nothing
	// fails, the host-only and kernel checks are unknown (exit 4).
	root := t.TempDir()
	spec, _ := offloadtest.ByName("cx5-switchdev")
	if _, err := offloadtest.Build(root, spec); err != nil {
		t.Fatal(err)
	}
	out, _ = wantRun(t, 4, "doctor", "-root", root)
	contains(t, "doctor -root", out, "[unknown] eswitch-mode", "no devlink client")
	out, _ = wantRun(t, 3, "doctor", "-tree", "cx5-switchdev", "-o", "json")
	var rep struct {
		Notes  []string `json:"notes"`
		Checks []struct {
			Name, Subject, Status, Detail, Fix string
		} `json:"checks"`
	}
	decode(t, out, &rep)
	ok := false
	for _, c := range rep.Checks {
		ok = ok || c.Name == "eswitch-mode" && c.Subject == "0000:84:00.0" && c.Status == "ok"
	}
	if !ok {
		t.Errorf("doctor -o json: no ok eswitch-mode check: %+v", rep)
	}
}

func TestFlowsFromFile(t *testing.T) {
	t.Parallel()
	dump := "../../testdata/ovs/kubeovn-cx5-m.txt"
	out, _ := wantRun(t, 0, "flows", "-file", dump)
	contains(t, "flows", out, "13 flows", "In hardware: 7 flows (53.8%)", "hardware     7")
	out, _ = wantRun(t, 0, "flows", "-file", dump, "-o", "json")
	var fo struct {
		Source      string
		Total       struct{ Flows int }
		Offloaded   struct{ Flows int }
		ByPlacement map[string]struct{ Flows int } `json:"by_placement"`
		Ports       []json.RawMessage
		Findings    []struct{ Placement, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &fo); err != nil {
		t.Fatal(err)
	}
	if fo.Total.Flows != 13 || fo.Offloaded.Flows != 7 || fo.ByPlacement["hardware"].Flows != 7 || len(fo.Ports) == 0 || len(fo.Findings) != 6 || fo.Findings[0].Reason == "" {
		t.Errorf("flows -o json: %+v", fo)
	}
	wantRun(t, 1, "flows", "-file", filepath.Join(t.TempDir(), "missing.txt"))
	wantRun(t, 2, "flows", "-file", dump, "-ovs-rundir", "/x")
	// No OVS at this run directory: exit 1, the socket named.
	_, errs := wantRun(t, 1, "flows", "-ovs-rundir", t.TempDir())
	contains(t, "flows live", errs, "ovs-vswitchd.pid")
}

func TestTCFromRecording(t *testing.T) {
	t.Parallel()
	rec := "../../testdata/tc/ovs-dump-p1.nl"
	out, _ := wantRun(t, 0, "tc", "-file", rec, "-filters")
	if !regexp.MustCompile(`p1\s+6\s+0\s+0\s+6\s+0`).MatchString(out) {
		t.Errorf("tc table:\n%s", out)
	}
	contains(t, "tc -filters", out, "skip_hw")
	out, _ = wantRun(t, 0, "tc", "-file", rec, "-o", "json")
	var reps []struct {
		Interface string            `json:"interface"`
		SkipHW    int               `json:"skip_hw"`
		Filters   []json.RawMessage `json:"filters"`
	}
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || reps[0].Interface != "p1" || reps[0].SkipHW != 6 || len(reps[0].Filters) != 6 {
		t.Errorf("tc -o json: %+v", reps)
	}
	wantRun(t, 2, "tc", "-tree", "cx5-switchdev")
	wantRun(t, 1, "tc", "-file", filepath.Join(t.TempDir(), "none.nl"))
}

// TestK8s: the objects are those examples/k8sgen prints for the same tree
// (its golden file, decoded into the upstream types by
// offload/kube/upstreamcheck).
func TestK8s(t *testing.T) {
	t.Parallel()
	out, _ := wantRun(t, 0, "k8s", "-tree", "cx5-switchdev", "-logical-switch", "ovn-default")
	golden, err := os.ReadFile("../../testdata/k8s/k8sgen-cx5-switchdev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// k8sgen prints the CNIs' install settings as comment lines before
	// the objects; offloadctl k8s prints the objects alone.
	objects := string(golden)
	for strings.HasPrefix(objects, "#") {
		_, objects, _ = strings.Cut(objects, "\n")
	}
	if out != objects || objects == "" {
		t.Errorf("k8s output differs from testdata/k8s/k8sgen-cx5-switchdev.yaml:\n%s", out)
	}
	out, _ = wantRun(t, 0, "k8s", "-tree", "cx5-switchdev", "-o", "json", "-cni", "antrea")
	var objs []map[string]any
	if err := json.Unmarshal([]byte(out), &objs); err != nil || len(objs) != 3 {
		t.Errorf("k8s -o json: %d objects, %v\n%s", len(objs), err, out)
	}
	_, errs := wantRun(t, 0, "k8s", "-tree", "cx5-legacy")
	contains(t, "k8s legacy", errs, "no switchdev PF with VFs")
	wantRun(t, 2, "k8s", "-tree", "cx5-switchdev", "-cni", "calico")
}

// startAgent starts `offloadctl agent` with args and returns its base URL
// (from its first log line) and a function that stops it with SIGTERM and
// returns its exit code and log.
func startAgent(t *testing.T, args ...string) (string, func() (int, string)) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"agent", "-listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	addr := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			var rec struct {
				Msg, Addr string
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "offloadctl agent serving" {
				addr <- rec.Addr
			}
		}
	}()
	stopped := false
	stop := func() (int, string) {
		if stopped {
			return -1, log.String()
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		err := cmd.Wait()
		pw.Close()
		<-copied
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return code, log.String()
	}
	t.Cleanup(func() { stop() })
	select {
	case a := <-addr:
		return "http://" + a, stop
	case <-time.After(60 * time.Second):
		_, l := stop()
		t.Fatalf("agent did not start serving:\n%s", l)
	}
	return "", nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitReady polls /readyz until it says 200.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := get(t, base+"/readyz")
		if code == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d: %s", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAgentBinary: as a newcomer would try it, the agent on a bundled
// host serves offloadkit_ metrics without hardware or root, and exits 0
// on SIGTERM.
func TestAgentBinary(t *testing.T) {
	t.Parallel()
	base, stop := startAgent(t, "-tree", "cx5-switchdev")
	waitReady(t, base)
	code, body := get(t, base+"/healthz")
	if code != 200 {
		t.Errorf("/healthz %d %s", code, body)
	}
	code, body = get(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics %d", code)
	}
	contains(t, "/metrics", body, "offloadkit_pfs 2", `offloadkit_pf_eswitch_mode{mode="switchdev",pf="0000:84:00.0"} 1`,
		`offloadkit_scrape_error{subsystem="host"} 0`, `offloadkit_doctor_check{check="eswitch-mode",state="ok",subject="0000:84:00.0"} 1`)
	for _, line := range strings.Split(body, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "offloadkit_") {
			t.Errorf("metric without the offloadkit_ prefix: %s", line)
		}
	}
	if promtool, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(body)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	} else {
		t.Log("promtool (Debian package prometheus) not installed: skipping promtool check metrics here")
	}
	rc, log := stop()
	if rc != 0 {
		t.Errorf("agent exit %d after SIGTERM:\n%s", rc, log)
	}
	contains(t, "agent log", log, `"msg":"offloadctl agent stopping"`, `"level":"INFO"`)
	// A config that does not parse stops the agent before it serves: exit 2.
	wantRun(t, 2, "agent", "-tree", "cx5-switchdev", "-listen", "127.0.0.1:0", "-config", writeConfig(t, "pfz: []\n"))
}

// TestRootElsewhere: the host's filesystem mounted at another root (a
// pod's /host): discover and the agent read it there, talking to this
// machine's kernel with -host-kernel (which has none of the tree's
// devices, so devlink answers nothing and sysfs is what counts).
func TestRootElsewhere(t *testing.T) {
	t.Parallel()
	spec, _ := offloadtest.ByName("cx5-switchdev")
	dir := t.TempDir()
	if _, err := offloadtest.Build(dir, spec); err != nil {
		t.Fatal(err)
	}
	out, _ := wantRun(t, 0, "discover", "-root", dir, "-host-kernel", "-o", "json")
	var got struct {
		Root string `json:"root"`
		PFs  []struct {
			Address string `json:"pci_address"`
			NumVFs  int    `json:"sriov_numvfs"`
		} `json:"pfs"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Root != dir || len(got.PFs) != 2 || got.PFs[0].NumVFs != 4 {
		t.Errorf("discover -root: %+v", got)
	}
	base, stop := startAgent(t, "-root", dir, "-no-ovs")
	waitReady(t, base)
	_, body := get(t, base+"/metrics")
	contains(t, "/metrics with -root", body, "offloadkit_pfs 2", `offloadkit_pf_vfs{pf="0000:84:00.0"} 4`, `offloadkit_scrape_error{subsystem="host"} 0`)
	if rc, log := stop(); rc != 0 {
		t.Errorf("agent exit %d:\n%s", rc, log)
	}
}
