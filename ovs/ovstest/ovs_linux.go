//go:build linux

package ovstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/offloadkit/offloadkit/ovs/ovsdb"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// Start starts ovsdb-server with a fresh database and ovs-vswitchd (in a
// new network namespace) in a temporary directory, and stops them in
// t.Cleanup. It skips the test when not root or when openvswitch-switch is
// not installed, and fails it when the daemons do not come up.
func Start(t testing.TB) *OVS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("ovstest needs root: ovs-vswitchd creates tap devices and the test creates network namespaces")
	}
	o := &OVS{bins: map[string]string{}}
	for _, b := range []string{"ovsdb-tool", "ovsdb-server", "ovsdb-client", "ovs-vswitchd"} {
		p, ok := findBin(b)
		if !ok {
			t.Skipf("ovstest needs %s (Debian package openvswitch-switch) in PATH or /usr/sbin", b)
		}
		o.bins[b] = p
	}
	schema := DefaultSchema
	if d := os.Getenv("OVS_PKGDATADIR"); d != "" {
		schema = filepath.Join(d, "vswitch.ovsschema")
	}
	if _, err := os.Stat(schema); err != nil {
		t.Skipf("ovstest needs the Open_vSwitch schema (openvswitch-common): %v", err)
	}

	// A short directory: unix socket paths are limited to 107 bytes.
	dir, err := os.MkdirTemp("", "ovst")
	if err != nil {
		t.Fatal(err)
	}
	o.Dir = dir
	o.Endpoint = "unix:" + filepath.Join(dir, "db.sock")
	o.env = []string{"OVS_RUNDIR=" + dir, "OVS_DBDIR=" + dir, "OVS_LOGDIR=" + dir, "OVS_SYSCONFDIR=" + dir}
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range []string{"ovsdb-server.log", "ovs-vswitchd.log"} {
				if b, err := os.ReadFile(filepath.Join(dir, l)); err == nil {
					t.Logf("%s (last lines):\n%s", l, tail(string(b), 30))
				}
			}
		}
		os.RemoveAll(dir)
	})

	out, err := o.run("ovsdb-tool", "create", filepath.Join(dir, "conf.db"), schema)
	if err != nil {
		t.Fatalf("ovsdb-tool create: %v: %s", err, out)
	}
	if out, err := o.run("ovs-vswitchd", "--version"); err == nil {
		o.Version = unixctl.ParseVersion(out)
	}

	dbsrv := o.command("ovsdb-server", filepath.Join(dir, "conf.db"),
		"--remote=punix:"+filepath.Join(dir, "db.sock"),
		"--pidfile="+filepath.Join(dir, "ovsdb-server.pid"),
		"--unixctl="+filepath.Join(dir, "ovsdb-server.ctl"),
		"--log-file="+filepath.Join(dir, "ovsdb-server.log"),
		"--no-chdir", "-vconsole:off")
	if err := dbsrv.Start(); err != nil {
		t.Fatalf("start ovsdb-server: %v", err)
	}
	t.Cleanup(func() { stop(t, dbsrv) })
	// The socket file appears at bind(), a moment before listen(): wait
	// until a connection is accepted.
	if err := waitFor(dbsrv, 10*time.Second, func() bool {
		c, err := net.Dial("unix", filepath.Join(dir, "db.sock"))
		if err != nil {
			return false
		}
		c.Close()
		return true
	}); err != nil {
		t.Fatalf("ovsdb-server: %v", err)
	}

	// What ovs-ctl does with ovs-vsctl init: the Open_vSwitch row, with
	// the version ovs-vswitchd itself does not record.
	row := `{}`
	if o.Version.Version != "" {
		row = `{"ovs_version":` + strconv.Quote(o.Version.Version) + `}`
	}
	if out, err := o.run("ovsdb-client", "transact", o.Endpoint,
		`["Open_vSwitch",{"op":"insert","table":"Open_vSwitch","row":`+row+`}]`); err != nil {
		t.Fatalf("ovsdb-client transact: %v: %s", err, out)
	}

	o.vswitchd = o.vswitchdCommand()
	// Its own network namespace: the userspace datapath creates tap
	// devices ("ovs-netdev", one per bridge) that would collide between
	// test packages running in parallel.
	o.vswitchd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGTERM}
	if err := o.vswitchd.Start(); err != nil {
		t.Fatalf("start ovs-vswitchd: %v", err)
	}
	t.Cleanup(func() { stop(t, o.vswitchd) })
	o.vswitchdNS, err = netns.GetFromPid(o.vswitchd.Process.Pid)
	if err != nil {
		t.Fatalf("ovs-vswitchd network namespace: %v", err)
	}
	t.Cleanup(func() { o.vswitchdNS.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	o.waitVswitchd(t, ctx)

	o.DB, err = ovsdb.Connect(ctx, ovsdb.Config{Endpoint: o.Endpoint})
	if err != nil {
		t.Fatalf("OVSDB: %v", err)
	}
	t.Cleanup(o.DB.Close)
	// ovs-vswitchd has read the database once cur_cfg matches next_cfg.
	if err := o.DB.WaitApplied(ctx, 0); err != nil {
		t.Fatalf("ovs-vswitchd did not apply the initial configuration: %v", err)
	}
	return o
}

func (o *OVS) vswitchdCommand() *exec.Cmd {
	return o.command("ovs-vswitchd", o.Endpoint,
		"--pidfile="+filepath.Join(o.Dir, "ovs-vswitchd.pid"),
		"--log-file="+filepath.Join(o.Dir, "ovs-vswitchd.log"),
		"--no-chdir", "-vconsole:off")
}

// waitVswitchd waits for the control socket of the current ovs-vswitchd
// to answer.
func (o *OVS) waitVswitchd(t testing.TB, ctx context.Context) {
	t.Helper()
	var uc *unixctl.Client
	var derr error
	if err := waitFor(o.vswitchd, 20*time.Second, func() bool {
		uc, derr = unixctl.Dial(ctx, o.Target())
		if derr != nil {
			return false
		}
		// A pidfile left by the previous process names a dead socket.
		if !strings.Contains(uc.Path(), "."+strconv.Itoa(o.vswitchd.Process.Pid)+".ctl") {
			uc.Close()
			return false
		}
		return true
	}); err != nil {
		t.Fatalf("ovs-vswitchd control socket: %v (last dial error: %v)", err, derr)
	}
	defer uc.Close()
	if _, err := uc.Version(ctx); err != nil {
		t.Fatalf("ovs-vswitchd version over unixctl: %v", err)
	}
}

// RestartVswitchd stops ovs-vswitchd and starts it again in the same
// network namespace, so ports survive, and waits until it has applied the
// database. This is the step hw-offload needs. Its log goes on in
// Dir/ovs-vswitchd.log.
func (o *OVS) RestartVswitchd(t testing.TB) {
	t.Helper()
	stop(t, o.vswitchd)
	cmd := o.vswitchdCommand()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	// A child inherits the namespaces of the thread that forks it: start
	// it from a thread moved into ovs-vswitchd's namespace.
	if err := inNetns(o.vswitchdNS, cmd.Start); err != nil {
		t.Fatalf("restart ovs-vswitchd: %v", err)
	}
	o.vswitchd = cmd
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	o.waitVswitchd(t, ctx)
	if err := o.DB.WaitApplied(ctx, 0); err != nil {
		t.Fatalf("restarted ovs-vswitchd did not apply the configuration: %v", err)
	}
}

// VswitchdPID returns the process id of the running ovs-vswitchd.
func (o *OVS) VswitchdPID() int { return o.vswitchd.Process.Pid }

// Log returns ovs-vswitchd's log so far (all runs).
func (o *OVS) Log() string {
	b, _ := os.ReadFile(filepath.Join(o.Dir, "ovs-vswitchd.log"))
	return string(b)
}

func (o *OVS) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(o.bins[name], args...)
	cmd.Env = append(os.Environ(), o.env...)
	cmd.Dir = o.Dir
	// If the test binary dies without its cleanups, the daemons follow.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	// Daemons log to their files; what they print before that is kept.
	f, err := os.OpenFile(filepath.Join(o.Dir, name+".stderr"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		cmd.Stdout, cmd.Stderr = f, f
	}
	return cmd
}

func (o *OVS) run(name string, args ...string) (string, error) {
	cmd := exec.Command(o.bins[name], args...)
	cmd.Env = append(os.Environ(), o.env...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

// waitFor polls cond until it holds, the process exits, or d passes.
func waitFor(cmd *exec.Cmd, d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return nil
		}
		if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
			return fmt.Errorf("%s exited", filepath.Base(cmd.Path))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v", filepath.Base(cmd.Path), d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends a daemon: SIGTERM, then SIGKILL after five seconds.
func stop(t testing.TB, cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Logf("%s ignored SIGTERM; killing it", filepath.Base(cmd.Path))
		_ = cmd.Process.Kill()
		<-done
	}
	if f, ok := cmd.Stderr.(*os.File); ok {
		f.Close()
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// AddBridge adds a userspace-datapath bridge (datapath_type=netdev) and
// waits until ovs-vswitchd has created it.
func (o *OVS) AddBridge(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := o.DB.AddBridge(ctx, name, ovsdb.DatapathNetdev); err != nil {
		t.Fatalf("add bridge %s: %v", name, err)
	}
}

// AddNetnsPort creates the veth pair and namespace, configures cidr on the
// far end (IPv6 disabled there, so the only traffic is what the test
// sends), adds name to bridge through OVSDB and waits until ovs-vswitchd
// has opened it. The namespace goes away in t.Cleanup.
func (o *OVS) AddNetnsPort(t testing.TB, bridge, name, cidr string) *Port {
	t.Helper()
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil {
		t.Fatalf("AddNetnsPort: %v", err)
	}
	ns, err := newNetns()
	if err != nil {
		t.Fatalf("new network namespace: %v", err)
	}
	t.Cleanup(func() { ns.Close() })
	p := &Port{Name: name, IP: pfx.Addr(), Prefix: pfx, ns: ns}
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: name, Namespace: netlink.NsFd(int(o.vswitchdNS))},
		PeerName:      "eth0",
		PeerNamespace: netlink.NsFd(int(ns)),
	}
	if err := netlink.LinkAdd(veth); err != nil {
		t.Fatalf("veth %s: %v", name, err)
	}
	// No IPv6 on the far end: router solicitations and MLD reports would
	// add datapath flows at random moments, and tests compare dumps.
	if err := p.Do(func() error {
		return os.WriteFile("/proc/sys/net/ipv6/conf/all/disable_ipv6", []byte("1"), 0o644)
	}); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("disable IPv6 in the namespace of %s: %v", name, err)
	}
	if err := linkUp(o.vswitchdNS, name, netip.Prefix{}); err != nil {
		t.Fatalf("veth %s: %v", name, err)
	}
	if err := linkUp(ns, "lo", netip.Prefix{}); err != nil {
		t.Fatalf("lo: %v", err)
	}
	if err := linkUp(ns, "eth0", pfx); err != nil {
		t.Fatalf("eth0 of %s: %v", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := o.DB.AddPort(ctx, ovsdb.PortSpec{Bridge: bridge, Name: name}); err != nil {
		t.Fatalf("add port %s: %v", name, err)
	}
	return p
}

// newNetns creates an unnamed network namespace and returns a handle; the
// namespace lives as long as the handle is open.
func newNetns() (netns.NsHandle, error) {
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return 0, err
	}
	defer orig.Close()
	ns, err := netns.New()
	if serr := netns.Set(orig); serr != nil {
		// The thread is in the wrong namespace: leave it locked so the
		// runtime retires it with this goroutine... which never ends, so
		// report instead.
		return 0, fmt.Errorf("returning to the original namespace: %w", serr)
	}
	runtime.UnlockOSThread()
	return ns, err
}

// linkUp sets the link up in namespace ns, adding addr when valid.
func linkUp(ns netns.NsHandle, name string, addr netip.Prefix) error {
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	l, err := h.LinkByName(name)
	if err != nil {
		return err
	}
	if addr.IsValid() {
		a, err := netlink.ParseAddr(addr.String())
		if err != nil {
			return err
		}
		if err := h.AddrAdd(l, a); err != nil && !errors.Is(err, syscall.EEXIST) {
			return err
		}
	}
	return h.LinkSetUp(l)
}

// Do runs fn with the calling goroutine's thread in the port's far-end
// namespace. Sockets fn opens stay in that namespace.
func (p *Port) Do(fn func() error) error { return inNetns(p.ns, fn) }

// inNetns runs fn on the calling goroutine's thread moved into ns, then
// moves the thread back.
func inNetns(ns netns.NsHandle, fn func() error) error {
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	if err := netns.Set(ns); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	ferr := fn()
	if err := netns.Set(orig); err != nil {
		// Keep the thread locked: the runtime then discards it when the
		// goroutine exits instead of reusing it in the wrong namespace.
		return fmt.Errorf("returning to the original namespace: %w", err)
	}
	runtime.UnlockOSThread()
	return ferr
}
