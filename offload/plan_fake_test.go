package offload_test

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	corigine "github.com/offloadkit/offloadkit/vendor_corigine"
	mellanox "github.com/offloadkit/offloadkit/vendor_mellanox"
	yusur "github.com/offloadkit/offloadkit/vendor_yusur"
)

// fakeHooks wraps an offloadtest tree with two things it lacks: what the
// kernel's bonding driver does on `echo +eth0 > bonding/slaves` and
// `echo -eth0 > ...` (move the slave's master link, update the slave
// list), and one-shot faults: the n-th write to a path fails once, so a
// rollback writing the same file afterwards succeeds, as it would after a
// transient kernel error.
type fakeHooks struct {
	tr *offloadtest.Tree

	mu    sync.Mutex
	seen  map[string]int
	fail  map[string]int // path -> which write (1-based) fails
	errno syscall.Errno
}

func newFakeHooks(tr *offloadtest.Tree) *fakeHooks {
	return &fakeHooks{tr: tr, seen: map[string]int{}, fail: map[string]int{}}
}

// failNth makes the n-th write to rel (counted from now) fail with errno.
func (b *fakeHooks) failNth(rel string, n int, errno syscall.Errno) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fail[rel] = b.seen[rel] + n
	b.errno = errno
}

func (b *fakeHooks) ReadFile(rel string) ([]byte, bool, error) { return b.tr.ReadFile(rel) }

func (b *fakeHooks) WriteFile(ctx context.Context, rel string, data []byte) (bool, error) {
	b.mu.Lock()
	b.seen[rel]++
	if n, ok := b.fail[rel]; ok && n == b.seen[rel] {
		delete(b.fail, rel)
		b.mu.Unlock()
		return true, b.errno
	}
	b.mu.Unlock()
	handled, err := b.tr.WriteFile(ctx, rel, data)
	if handled || err != nil {
		return handled, err
	}
	dir, attr := path.Split(rel)
	if attr != "slaves" || !strings.HasPrefix(rel, "sys/class/net/") || !strings.HasSuffix(dir, "/bonding/") {
		return false, nil
	}
	bond := strings.TrimSuffix(strings.TrimPrefix(dir, "sys/class/net/"), "/bonding/")
	op := strings.TrimSpace(string(data))
	if len(op) < 2 || (op[0] != '+' && op[0] != '-') {
		return true, syscall.EINVAL
	}
	slave := op[1:]
	root := b.tr.Root
	bondDir, err := filepath.EvalSymlinks(filepath.Join(root, "sys/class/net", bond))
	if err != nil {
		return true, syscall.ENODEV
	}
	slaveDir, err := filepath.EvalSymlinks(filepath.Join(root, "sys/class/net", slave))
	if err != nil {
		return true, syscall.ENODEV
	}
	slavesFile := filepath.Join(bondDir, "bonding", "slaves")
	cur, _ := os.ReadFile(slavesFile)
	list := strings.Fields(string(cur))
	master := filepath.Join(slaveDir, "master")
	var keep []string
	for _, s := range list {
		if s != slave {
			keep = append(keep, s)
		}
	}
	if op[0] == '-' {
		if len(keep) == len(list) {
			return true, syscall.ENODEV
		}
		if err := os.Remove(master); err != nil {
			return true, syscall.EIO
		}
	} else {
		if len(keep) != len(list) {
			return true, syscall.EEXIST
		}
		keep = append(keep, slave)
		rel, _ := filepath.Rel(slaveDir, bondDir)
		if err := os.Symlink(rel, master); err != nil {
			return true, syscall.EBUSY
		}
	}
	return true, os.WriteFile(slavesFile, []byte(strings.Join(keep, " ")+"\n"), 0o644)
}

// genlFaults wraps a fake generic netlink connection (offloadtest's
// devlink or ethtool) and fails the n-th request of one command once, with
// an errno, as the kernel would refuse it. Everything else is forwarded.
type genlFaults struct {
	real *genetlink.Conn

	mu    sync.Mutex
	seen  map[uint8]int
	fail  map[uint8]int
	errno syscall.Errno
}

func newGenlFaults(real *genetlink.Conn) *genlFaults {
	return &genlFaults{real: real, seen: map[uint8]int{}, fail: map[uint8]int{}}
}

// failNth makes the n-th request of cmd (counted from now) fail.
func (g *genlFaults) failNth(cmd uint8, n int, errno syscall.Errno) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail[cmd] = g.seen[cmd] + n
	g.errno = errno
}

// conn returns the connection to give the Host.
func (g *genlFaults) conn() *genetlink.Conn { return genetlink.NewConn(nltest.Dial(g.serve)) }

func (g *genlFaults) serve(reqs []netlink.Message) ([]netlink.Message, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	req := reqs[0]
	var gm genetlink.Message
	if err := gm.UnmarshalBinary(req.Data); err != nil {
		return nil, err
	}
	g.mu.Lock()
	if req.Header.Type != 0x10 { // not a family lookup (nlctrl)
		g.seen[gm.Header.Command]++
		if n, ok := g.fail[gm.Header.Command]; ok && n == g.seen[gm.Header.Command] {
			delete(g.fail, gm.Header.Command)
			errno := g.errno
			g.mu.Unlock()
			return nltest.Error(int(errno), reqs)
		}
	}
	g.mu.Unlock()
	if _, err := g.real.Send(gm, uint16(req.Header.Type), req.Header.Flags); err != nil {
		return nil, err
	}
	_, msgs, err := g.real.Receive()
	if err != nil {
		var errno syscall.Errno
		if errors.As(err, &errno) {
			return nltest.Error(int(errno), reqs)
		}
		return nil, err
	}
	multi := false
	for i := range msgs {
		msgs[i].Header.Sequence, msgs[i].Header.PID = req.Header.Sequence, req.Header.PID
		multi = multi || msgs[i].Header.Flags&netlink.Multi != 0
	}
	if multi {
		msgs = append(msgs, netlink.Message{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi, Sequence: req.Header.Sequence, PID: req.Header.PID}, Data: make([]byte, 4)})
	}
	return msgs, nil
}

// faults are the fault injectors of a test host.
type faults struct {
	sysfs   *fakeHooks
	devlink *genlFaults
	ethtool *genlFaults
}

// extraTrees are variants of the bundled trees for cases they lack.
var extraTrees = map[string]offloadtest.Spec{
	// Both ConnectX-5 ports already in switchdev with bound VFs, bonded
	// active-backup: a VF LAG must unbind every VF while the bond forms.
	"cx5-switchdev-bond": func() offloadtest.Spec {
		s := offloadtest.CX5Switchdev()
		s.Name = "cx5-switchdev-bond"
		s.Bonds = []offloadtest.BondSpec{{Name: "bond1", Mode: "active-backup 1", Slaves: []string{"enp132s0f0np0", "enp132s0f1np1"}}}
		return s
	}(),
}

// testBackends are the vendor backends every test host gets.
func testBackends() offload.Option {
	return offload.WithBackends(mellanox.New(), corigine.New(), yusur.New(yusur.Options{}))
}

// openTree builds the bundled tree name with bonding writes modelled and
// the vendor backends, and returns the tree and its host.
func openTree(t testing.TB, name string) (*offloadtest.Tree, *offload.Host) {
	tr, _, h := openTreeHooks(t, name)
	return tr, h
}

// openTreeHooks is openTree that also returns the fault injectors.
func openTreeHooks(t testing.TB, name string) (*offloadtest.Tree, *faults, *offload.Host) {
	t.Helper()
	spec, ok := offloadtest.ByName(name)
	if !ok {
		spec, ok = extraTrees[name]
	}
	if !ok {
		t.Fatalf("no tree %q", name)
	}
	tr := offloadtest.New(t, spec)
	f := &faults{sysfs: newFakeHooks(tr), devlink: newGenlFaults(tr.DevlinkConn()), ethtool: newGenlFaults(tr.EthtoolConn())}
	h := tr.Host(t, testBackends(), offload.WithSysfsHooks(f.sysfs), offload.WithDevlink(f.devlink.conn()), offload.WithEthtool(f.ethtool.conn()))
	return tr, f, h
}

// goldenSpec is the spec the golden plans of each tree are made with: the
// guides' target (switchdev, VFs, hw-tc-offload), a VF LAG for the bonded
// pair, smfs on the legacy ConnectX-5 (the newer Kube-OVN guide's
// setting), and the current VF count on the 16x256 benchmark host.
func goldenSpec(tree string) offload.Spec {
	s := offload.Spec{NumVFs: 4, HWTCOffload: true}
	switch tree {
	case "cx5-bond":
		s.Bond = offload.BondVFLAG
	case "cx5-legacy":
		s.FlowSteering = offload.FlowSteeringSMFS
	case "yusur-2200e":
		s.NumVFs = 7
	case "large":
		s.NumVFs = offload.KeepNumVFs
	}
	return s
}

// hostState reads the switchdev state of every SR-IOV PF of h.
func hostState(t testing.TB, h *offload.Host) []offload.PFState {
	t.Helper()
	ctx := context.Background()
	pfs, err := h.Discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []offload.PFState
	for _, pf := range pfs {
		st, err := h.SwitchdevState(ctx, pf.Address)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *st)
	}
	return out
}
