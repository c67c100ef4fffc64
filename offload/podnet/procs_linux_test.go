//go:build linux

package podnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	"github.com/offloadkit/offloadkit/offload/podnet/podnettest"
)

// The tests in this file run every CNI call in a process of its own, as a
// runtime does: the test binary re-executes itself with helperEnv set to a
// helperCall, and TestMain runs that one call and exits. Each process
// builds its own copy of the offloadtest tree (sysfs is read-only here);
// what the processes share is what a host shares: the kernel's links and
// namespaces (veth stand-ins in private namespaces), the run directory
// (locks, records, temporary namespaces), and the PF's VF table, which the
// offloadtest kernel keeps in memory and so is kept here in a file
// (fileVFTable), updated under a lock with a rename, as the kernel applies
// a VF setting under rtnl_lock.

const helperEnv = "PODNET_TEST_HELPER"

var rounds = flag.Int("podnet.rounds", 0, "rounds of the separate-process DEL/ADD race (default 200; 20 with -short)")

func TestMain(m *testing.M) {
	if call := os.Getenv(helperEnv); call != "" {
		os.Exit(runHelper(call))
	}
	os.Exit(m.Run())
}

// helperCall is one CNI call for a helper process.
type helperCall struct {
	Op        string // ADD, DEL or CHECK
	Tree      string
	VF        string
	Container Container
	NetNS     string
	HostNS    string
	RunDir    string
	VFTable   string
	MAC       string
	VLAN      int
	Trust     bool
	// ExitAt, when set, makes the process exit with status 3 just before
	// that step, as if it were killed there.
	ExitAt Step
}

// helperResult is what a helper prints: the error and which sentinels it
// matches.
type helperResult struct {
	Err                             string
	Busy, Exists, Invalid, NotFound bool
}

func runHelper(arg string) int {
	var c helperCall
	if err := json.Unmarshal([]byte(arg), &c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	res := helperResult{}
	if err := helperDo(c); err != nil {
		res = helperResult{Err: err.Error(), Busy: errors.Is(err, errs.ErrBusy), Exists: errors.Is(err, errs.ErrExists),
			Invalid: errors.Is(err, errs.ErrInvalidArgument), NotFound: errors.Is(err, errs.ErrNotFound)}
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

func helperDo(c helperCall) error {
	spec, ok := offloadtest.ByName(c.Tree)
	if !ok {
		return fmt.Errorf("no tree %s", c.Tree)
	}
	dir, err := os.MkdirTemp("", "podnet-helper-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tr, err := offloadtest.Build(dir, spec)
	if err != nil {
		return err
	}
	h, err := tr.Open()
	if err != nil {
		return err
	}
	defer h.Close()
	p := New(h, Config{HostNetNS: c.HostNS, RunDir: c.RunDir})
	p.host = fileVFTable{vfHost: p.host, path: c.VFTable}
	if c.ExitAt != "" {
		p.inject = func(s Step) error {
			if s == c.ExitAt {
				os.Exit(3)
			}
			return nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	vf := offload.MustParsePCIAddress(c.VF)
	switch c.Op {
	case "ADD":
		mac, err := net.ParseMAC(c.MAC)
		if err != nil {
			return err
		}
		vlan, trust := c.VLAN, c.Trust
		_, err = p.AttachVF(ctx, vf, c.Container, c.NetNS, AttachOptions{MAC: mac, VLAN: &vlan, Trust: &trust})
		return err
	case "DEL":
		return p.DetachVF(ctx, vf, c.Container, c.NetNS)
	case "CHECK":
		return p.CheckVF(ctx, vf, c.Container, c.NetNS)
	}
	return fmt.Errorf("unknown op %q", c.Op)
}

// fileVFTable keeps the PF's VF table (the settings the PF holds per VF)
// in a JSON file shared by the processes of a test.
type fileVFTable struct {
	vfHost
	path string
}

func (f fileVFTable) locked(fn func(m map[string]offload.VFState) (bool, error)) error {
	l, err := os.OpenFile(f.path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer l.Close()
	if err := unix.Flock(int(l.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	defer unix.Flock(int(l.Fd()), unix.LOCK_UN)
	m := map[string]offload.VFState{}
	b, err := os.ReadFile(f.path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	write, err := fn(m)
	if err != nil || !write {
		return err
	}
	b, _ = json.Marshal(m)
	tmp := f.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, f.path)
}

func (f fileVFTable) VFState(_ context.Context, v offload.VF) (*offload.VFState, error) {
	var out *offload.VFState
	err := f.locked(func(m map[string]offload.VFState) (bool, error) {
		if s, ok := m[v.Address.String()]; ok {
			out = &s
		}
		return false, nil
	})
	return out, err
}

func (f fileVFTable) ConfigureVF(_ context.Context, v offload.VF, cfg offload.VFConfig) error {
	return f.locked(func(m map[string]offload.VFState) (bool, error) {
		s, ok := m[v.Address.String()]
		if !ok {
			return false, fmt.Errorf("%w: VF %s not in the table", errs.ErrNotFound, v.Address)
		}
		if cfg.MAC != nil {
			s.MAC = cfg.MAC.String()
		}
		if cfg.VLAN != nil {
			s.VLAN, s.QoS = *cfg.VLAN, cfg.QoS
		}
		if cfg.Trust != nil {
			t := *cfg.Trust
			s.Trust = &t
		}
		if cfg.SpoofChk != nil {
			sc := *cfg.SpoofChk
			s.SpoofChk = &sc
		}
		m[v.Address.String()] = s
		return true, nil
	})
}

// procRig is the shared host of a separate-process test.
type procRig struct {
	t                   *testing.T
	hostNS, runDir      string
	vfTable             string
	hostH               *netlink.Handle
	vf, vfName, repName string
}

func newProcRig(t *testing.T) *procRig {
	t.Helper()
	r := &procRig{t: t, hostNS: podnettest.NetNS(t, "okt-host"), runDir: t.TempDir(),
		vf: "0000:84:00.2", vfName: "enp132s0f0v0", repName: "enp132s0f0r0"}
	r.hostH = podnettest.Handle(t, r.hostNS)
	podnettest.StandIn(t, r.hostNS, r.vfName, r.repName)
	// The VF table starts as the tree's PF reports it.
	h := offloadtest.NewByName(t, "cx5-switchdev").Host(t)
	v, err := h.VF(context.Background(), offload.MustParsePCIAddress(r.vf))
	if err != nil {
		t.Fatal(err)
	}
	st, err := offloadHost{h}.VFState(context.Background(), *v)
	if err != nil || st == nil {
		t.Fatalf("VF state: %v, %v", st, err)
	}
	r.vfTable = filepath.Join(t.TempDir(), "vf-table.json")
	b, _ := json.Marshal(map[string]offload.VFState{r.vf: *st})
	if err := os.WriteFile(r.vfTable, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

// call builds the helper command for one CNI call.
func (r *procRig) cmd(op string, c Container, netNS string, mac string, vlan int, trust bool, exitAt Step) (*exec.Cmd, *bytes.Buffer) {
	arg, _ := json.Marshal(helperCall{Op: op, Tree: "cx5-switchdev", VF: r.vf, Container: c, NetNS: netNS, HostNS: r.hostNS,
		RunDir: r.runDir, VFTable: r.vfTable, MAC: mac, VLAN: vlan, Trust: trust, ExitAt: exitAt})
	// A helper still running after a minute is stuck (its own calls have
	// a 30 s context): SIGQUIT makes it print its goroutines, which end
	// up in the output the test reports.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	r.t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Cancel = func() error { return cmd.Process.Signal(unix.SIGQUIT) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Env = append(os.Environ(), helperEnv+"="+string(arg))
	if os.Getenv("GORACE") == "" {
		// Under -race a process sleeps a second at exit, waiting for
		// reports; a test of a thousand processes cannot afford that.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	return cmd, &out
}

func parseResult(out *bytes.Buffer, err error) (helperResult, error) {
	if err != nil {
		return helperResult{}, fmt.Errorf("helper: %w\n%s", err, out)
	}
	var res helperResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return helperResult{}, fmt.Errorf("helper output %q: %w", out, err)
	}
	return res, nil
}

// run runs one CNI call in its own process.
func (r *procRig) run(op string, c Container, netNS string, a podSettings) (helperResult, error) {
	cmd, out := r.cmd(op, c, netNS, a.mac, a.vlan, a.trust, "")
	return parseResult(out, cmd.Run())
}

// podSettings are the VF settings a pod's ADD asks for.
type podSettings struct {
	mac   string
	vlan  int
	trust bool
}

var (
	settingsA = podSettings{"0a:c9:1c:70:01:0a", 100, true}
	settingsB = podSettings{"0a:c9:1c:70:01:0b", 200, true}
	settingsC = podSettings{"0a:c9:1c:70:01:0c", 300, false}
	podC      = Container{ID: "cccc0000dddd1111", IfName: "eth0"}
)

// hostState is what the processes share and the tests compare: the links
// of the host and of each pod namespace, the VF's settings, and the
// ownership record.
type hostState struct {
	Host   []string
	Pods   map[string][]string
	VF     offload.VFState
	Owner  *Container
	Extras []string // files in the run directory other than the lock
}

func (r *procRig) state(t *testing.T, pods map[string]*netlink.Handle) hostState {
	t.Helper()
	s := hostState{Host: linkStates(t, r.hostH), Pods: map[string][]string{}}
	for name, h := range pods {
		s.Pods[name] = linkStates(t, h)
	}
	st, err := fileVFTable{path: r.vfTable}.VFState(context.Background(), offload.VF{Address: offload.MustParsePCIAddress(r.vf)})
	if err != nil || st == nil {
		t.Fatalf("VF table: %v, %v", st, err)
	}
	s.VF = *st
	rec, err := loadRecord(r.runDir, offload.MustParsePCIAddress(r.vf))
	if err != nil {
		t.Fatal(err)
	}
	if rec != nil {
		s.Owner = &rec.Container
	}
	ents, _ := os.ReadDir(r.runDir)
	for _, e := range ents {
		if filepath.Ext(e.Name()) != ".lock" && e.Name() != filepath.Base(vfFile(r.runDir, offload.MustParsePCIAddress(r.vf), ".json")) {
			s.Extras = append(s.Extras, e.Name())
		}
	}
	return s
}

// attachedState is the state with pod c holding the VF with settings a.
func (r *procRig) attachedState(before hostState, c Container, pod string, a podSettings) hostState {
	want := hostState{Pods: map[string][]string{}, VF: before.VF, Owner: &c}
	rep, _ := RepresentorName(c.ID, c.IfName)
	want.Host = []string{fmt.Sprintf("%s alias=%q up=true", rep, r.repName)}
	for name := range before.Pods {
		want.Pods[name] = nil
	}
	want.Pods[pod] = []string{fmt.Sprintf("eth0 alias=%q up=true", r.vfName)}
	on := a.trust
	want.VF.MAC, want.VF.VLAN, want.VF.Trust = a.mac, a.vlan, &on
	return want
}

// TestSeparateProcessesDelRacesAdd races CNI DEL of pod A against CNI ADDs
// of pods B and C for the same VF, each in its own process, round after
// round: the device plugin may hand the VF to a new pod the moment A goes
// (C makes two ADDs race each other as well). An ADD either runs before
// A's DEL and finds the VF busy (A's record), or after it and gets the
// whole VF; at most one of B and C gets it. After B or C attached, a late
// DEL for A (a runtime retrying) must leave it untouched. After every
// round the host is compared with what it must be; any difference is a
// bad outcome.
func TestSeparateProcessesDelRacesAdd(t *testing.T) {
	t.Parallel()
	r := newProcRig(t)
	nsA, nsB, nsC := podnettest.NetNS(t, "okt-podA"), podnettest.NetNS(t, "okt-podB"), podnettest.NetNS(t, "okt-podC")
	pods := map[string]*netlink.Handle{"A": podnettest.Handle(t, nsA), "B": podnettest.Handle(t, nsB), "C": podnettest.Handle(t, nsC)}
	before := r.state(t, pods)
	// 200 rounds, the number issue 17 asks for, also under the race
	// detector (make unit): about a minute on two cores without it, five
	// with it, whose helper processes start several times slower.
	n := *rounds
	switch {
	case n > 0:
	case testing.Short():
		n = 20
	default:
		n = 200
	}
	bad, busy := 0, 0
	wins := map[string]int{}
	badf := func(round int, format string, args ...any) {
		bad++
		if bad <= 5 {
			t.Errorf("round %d: "+format, append([]any{round}, args...)...)
		}
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		if res, err := r.run("ADD", podA, nsA, settingsA); err != nil || res.Err != "" {
			t.Fatalf("round %d: ADD(A): %v %s", i, err, res.Err)
		}
		if got, want := r.state(t, pods), r.attachedState(before, podA, "A", settingsA); !cmp.Equal(got, want) {
			t.Fatalf("round %d: after ADD(A) (-want +got):\n%s", i, cmp.Diff(want, got))
		}
		// DEL(A), ADD(B) and ADD(C) start together, each its own process.
		delCmd, delOut := r.cmd("DEL", podA, nsA, "", 0, false, "")
		addCmd, addOut := r.cmd("ADD", podB, nsB, settingsB.mac, settingsB.vlan, settingsB.trust, "")
		addCCmd, addCOut := r.cmd("ADD", podC, nsC, settingsC.mac, settingsC.vlan, settingsC.trust, "")
		var wg sync.WaitGroup
		var delErr, addErr, addCErr error
		wg.Add(3)
		go func() { defer wg.Done(); delErr = delCmd.Run() }()
		go func() { defer wg.Done(); addErr = addCmd.Run() }()
		go func() { defer wg.Done(); addCErr = addCCmd.Run() }()
		wg.Wait()
		delRes, err := parseResult(delOut, delErr)
		if err != nil {
			t.Fatalf("round %d: DEL(A): %v", i, err)
		}
		if delRes.Err != "" {
			badf(i, "DEL(A) failed: %s", delRes.Err)
		}
		won := 0
		for _, x := range []struct {
			name string
			c    Container
			ns   string
			set  podSettings
			out  *bytes.Buffer
			err  error
		}{{"B", podB, nsB, settingsB, addOut, addErr}, {"C", podC, nsC, settingsC, addCOut, addCErr}} {
			res, err := parseResult(x.out, x.err)
			if err != nil {
				t.Fatalf("round %d: ADD(%s): %v", i, x.name, err)
			}
			switch {
			case res.Err == "":
				won++
				wins[x.name]++
				if got, want := r.state(t, pods), r.attachedState(before, x.c, x.name, x.set); !cmp.Equal(got, want) {
					badf(i, "after ADD(%s) won (-want +got):\n%s", x.name, cmp.Diff(want, got))
				}
				// A late DEL for A, with A's namespace still there.
				if res, err := r.run("DEL", podA, nsA, podSettings{}); err != nil || res.Err != "" {
					badf(i, "late DEL(A): %v %s", err, res.Err)
				}
				if got, want := r.state(t, pods), r.attachedState(before, x.c, x.name, x.set); !cmp.Equal(got, want) {
					badf(i, "late DEL(A) touched %s (-want +got):\n%s", x.name, cmp.Diff(want, got))
				}
				if res, err := r.run("DEL", x.c, x.ns, podSettings{}); err != nil || res.Err != "" {
					t.Fatalf("round %d: DEL(%s): %v %s", i, x.name, err, res.Err)
				}
			case res.Busy:
				busy++
			default:
				badf(i, "ADD(%s): %s (want success or ErrBusy)", x.name, res.Err)
			}
		}
		if won > 1 {
			badf(i, "both ADD(B) and ADD(C) succeeded")
		}
		if (i+1)%50 == 0 {
			t.Logf("%d rounds in %v", i+1, time.Since(start).Round(time.Millisecond))
		}
		if got := r.state(t, pods); !cmp.Equal(before, got) {
			badf(i, "end of round (-before +after):\n%s", cmp.Diff(before, got))
			if bad > 5 {
				break
			}
		}
	}
	t.Logf("%d rounds in %v, each CNI call its own process: B got the VF %d times, C %d times, an ADD found it busy %d times; %d bad outcomes",
		n, time.Since(start).Round(time.Millisecond), wins["B"], wins["C"], busy, bad)
}

// TestSeparateProcessesLateDEL: ADD(B) on a VF A had before, then a late
// DEL(A) with A's namespace gone, a repeated DEL(A), and DEL(B) twice, all
// in separate processes. B is untouched until its own DEL, which restores
// the VF exactly as before ADD(B); every DEL returns nil.
func TestSeparateProcessesLateDEL(t *testing.T) {
	t.Parallel()
	r := newProcRig(t)
	nsA, nsB := podnettest.NetNS(t, "okt-podA"), podnettest.NetNS(t, "okt-podB")
	hB := podnettest.Handle(t, nsB)
	pods := map[string]*netlink.Handle{"B": hB}
	before := r.state(t, pods)
	mustOK := func(what string, res helperResult, err error) {
		t.Helper()
		if err != nil || res.Err != "" {
			t.Fatalf("%s: %v %s", what, err, res.Err)
		}
	}
	res, err := r.run("ADD", podA, nsA, settingsA)
	mustOK("ADD(A)", res, err)
	res, err = r.run("DEL", podA, nsA, podSettings{})
	mustOK("DEL(A)", res, err)
	res, err = r.run("ADD", podB, nsB, settingsB)
	mustOK("ADD(B)", res, err)
	attached := r.attachedState(before, podB, "B", settingsB)
	if got := r.state(t, pods); !cmp.Equal(attached, got) {
		t.Fatalf("after ADD(B) (-want +got):\n%s", cmp.Diff(attached, got))
	}
	res, err = r.run("CHECK", podB, nsB, podSettings{})
	mustOK("CHECK(B)", res, err)
	if err := netns.DeleteNamed(filepath.Base(nsA)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		res, err = r.run("DEL", podA, nsA, podSettings{})
		mustOK(fmt.Sprintf("late DEL(A) #%d, A's netns gone", i), res, err)
		if got := r.state(t, pods); !cmp.Equal(attached, got) {
			t.Fatalf("late DEL(A) #%d touched B (-want +got):\n%s", i, cmp.Diff(attached, got))
		}
	}
	res, err = r.run("CHECK", podA, nsB, podSettings{})
	if err != nil || !res.NotFound {
		t.Errorf("CHECK(A) on B's VF: %v %+v, want ErrNotFound", err, res)
	}
	for i := 1; i <= 2; i++ {
		res, err = r.run("DEL", podB, nsB, podSettings{})
		mustOK(fmt.Sprintf("DEL(B) #%d", i), res, err)
		if got := r.state(t, pods); !cmp.Equal(before, got) {
			t.Fatalf("after DEL(B) #%d (-before +after):\n%s", i, cmp.Diff(before, got))
		}
	}
}

// TestSeparateProcessesKilledDuringADD: an ADD process dies before each of
// its steps in turn (exit, not return: no rollback runs); a DEL for that
// container in a new process then restores the host exactly, and the VF
// can be attached again.
func TestSeparateProcessesKilledDuringADD(t *testing.T) {
	t.Parallel()
	r := newProcRig(t)
	nsA := podnettest.NetNS(t, "okt-podA")
	pods := map[string]*netlink.Handle{"A": podnettest.Handle(t, nsA)}
	before := r.state(t, pods)
	for _, step := range AttachSteps() {
		t.Run(string(step), func(t *testing.T) {
			cmd, out := r.cmd("ADD", podA, nsA, settingsA.mac, settingsA.vlan, settingsA.trust, step)
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("ADD killed at %q: %v, want exit status 3\n%s", step, err, out)
			}
			res, err := r.run("DEL", podA, nsA, podSettings{})
			if err != nil || res.Err != "" {
				t.Fatalf("DEL after the killed ADD: %v %s", err, res.Err)
			}
			if got := r.state(t, pods); !cmp.Equal(before, got) {
				t.Fatalf("(-before +after DEL):\n%s", cmp.Diff(before, got))
			}
		})
	}
	res, err := r.run("ADD", podA, nsA, settingsA)
	if err != nil || res.Err != "" {
		t.Fatalf("ADD after all that: %v %s", err, res.Err)
	}
	if res, err := r.run("DEL", podA, nsA, podSettings{}); err != nil || res.Err != "" {
		t.Fatalf("DEL: %v %s", err, res.Err)
	}
	if got := r.state(t, pods); !cmp.Equal(before, got) {
		t.Fatalf("(-before +after):\n%s", cmp.Diff(before, got))
	}
}
