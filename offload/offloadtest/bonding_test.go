package offloadtest_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/offloadkit/offloadkit/internal/rtnl"
	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

const bondSlaves = "sys/class/net/bond1/bonding/slaves"
const bondModeFile = "sys/class/net/bond1/bonding/mode"

// write sends data to rel through the tree's fake kernel, as the library's
// sysfs layer does, and returns the kernel's answer.
func write(t *testing.T, tr *offloadtest.Tree, rel, data string) error {
	t.Helper()
	handled, err := tr.WriteFile(context.Background(), rel, []byte(data))
	if !handled && strings.Contains(rel, "/bonding/") {
		t.Fatalf("write %q to %s: the fake kernel did not answer it", data, rel)
	}
	return err
}

func read(t *testing.T, tr *offloadtest.Tree, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tr.Root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func exists(tr *offloadtest.Tree, rel string) bool {
	_, err := os.Lstat(filepath.Join(tr.Root, rel))
	return err == nil
}

func snapshot(t *testing.T, tr *offloadtest.Tree) string {
	t.Helper()
	var b bytes.Buffer
	if err := offloadtest.WriteTxtar(&b, tr.Root, ""); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func bondOf(t *testing.T, h *offload.Host, netdev string) *offload.Bond {
	t.Helper()
	b, err := h.BondOf(context.Background(), netdev)
	if err != nil {
		t.Fatalf("BondOf(%s): %v", netdev, err)
	}
	return b
}

// TestBondingReleaseEnslave releases and enslaves through bonding/slaves
// and checks what the library and a reader of sysfs see: the master,
// upper_ and lower_ links, bonding_slave/ and the slave list. Releasing
// both and enslaving them again in order gives back the tree as built.
func TestBondingReleaseEnslave(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-bond")
	h := tr.Host(t)
	built := snapshot(t, tr)
	p0, p1 := "enp132s0f0np0", "enp132s0f1np1"
	p0dir := "sys/class/net/" + p0

	if b := bondOf(t, h, p0); b == nil || b.Name != "bond1" || b.Mode != offload.BondMode8023AD || len(b.Slaves) != 2 {
		t.Fatalf("as built: %s in %+v, want bond1 802.3ad with 2 slaves", p0, b)
	}
	if got := read(t, tr, p0dir+"/bonding_slave/ad_aggregator_id"); got != "1\n" {
		t.Errorf("802.3ad slave ad_aggregator_id = %q, want an aggregator", got)
	}

	if err := write(t, tr, bondSlaves, "-"+p0+"\n"); err != nil {
		t.Fatalf("release: %v", err)
	}
	if b := bondOf(t, h, p0); b != nil {
		t.Errorf("after release %s is still in %+v", p0, b)
	}
	for _, rel := range []string{p0dir + "/master", p0dir + "/upper_bond1", p0dir + "/bonding_slave", "sys/class/net/bond1/lower_" + p0} {
		if exists(tr, rel) {
			t.Errorf("after release %s still exists", rel)
		}
	}
	if got := read(t, tr, bondSlaves); got != p1+"\n" {
		t.Errorf("slaves after release = %q", got)
	}
	if b := bondOf(t, h, p1); b == nil || len(b.Slaves) != 1 || b.Slaves[0] != p1 {
		t.Errorf("the other slave sees %+v", b)
	}

	if err := write(t, tr, bondSlaves, "+"+p0); err != nil {
		t.Fatalf("enslave: %v", err)
	}
	if b := bondOf(t, h, p0); b == nil || b.Name != "bond1" {
		t.Errorf("after enslave %s is in %+v", p0, b)
	}
	if got := read(t, tr, bondSlaves); got != p1+" "+p0+"\n" {
		t.Errorf("slaves after enslave = %q, want enslave order", got)
	}
	if got, want := read(t, tr, p0dir+"/bonding_slave/perm_hwaddr"), read(t, tr, p0dir+"/address"); got != want {
		t.Errorf("perm_hwaddr = %q, want the slave's address %q", got, want)
	}

	for _, op := range []string{"-" + p1, "-" + p0, "+" + p0, "+" + p1} {
		if err := write(t, tr, bondSlaves, op); err != nil {
			t.Fatalf("%s: %v", op, err)
		}
	}
	if now := snapshot(t, tr); now != built {
		t.Errorf("releasing and enslaving both in order does not give back the tree as built:\nbuilt:\n%s\nnow:\n%s", built, now)
	}
}

// TestBondingMode: the mode is refused while the bond has slaves, as the
// kernel refuses options flagged "no slaves" (ENOTEMPTY), and is accepted
// by name or number once it is empty.
func TestBondingMode(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-bond")
	p0, p1 := "enp132s0f0np0", "enp132s0f1np1"

	err := write(t, tr, bondModeFile, "active-backup 1")
	if !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("mode change with slaves: %v, want ENOTEMPTY", err)
	}
	if got := read(t, tr, bondModeFile); got != "802.3ad 4\n" {
		t.Errorf("refused mode change changed the mode to %q", got)
	}
	for _, op := range []string{"-" + p0, "-" + p1} {
		if err := write(t, tr, bondSlaves, op); err != nil {
			t.Fatal(err)
		}
	}
	// Empty but up: BOND_OPTFLAG_IFDOWN refuses with EBUSY.
	if !tr.LinkUp("bond1") {
		t.Fatal("bond1 is not up as built")
	}
	if err := write(t, tr, bondModeFile, "active-backup 1"); !errors.Is(err, syscall.EBUSY) {
		t.Errorf("mode change on an up bond: %v, want EBUSY", err)
	}
	if got := read(t, tr, bondModeFile); got != "802.3ad 4\n" {
		t.Errorf("refused mode change on an up bond changed the mode to %q", got)
	}
	setUp(t, tr, "bond1", false)
	for _, c := range []struct{ in, want string }{
		{"active-backup 1\n", "active-backup 1\n"},
		{"2", "balance-xor 2\n"},
		{"802.3ad", "802.3ad 4\n"},
		{" 6 \n", "balance-alb 6\n"},
		{"balance-rr", "balance-rr 0\n"},
	} {
		if err := write(t, tr, bondModeFile, c.in); err != nil {
			t.Errorf("mode %q: %v", c.in, err)
		}
		if got := read(t, tr, bondModeFile); got != c.want {
			t.Errorf("mode %q reads back %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "\n", "7", "99999999999999999999999", "active_backup", "4x", "lacp", "\x00802.3ad"} {
		if err := write(t, tr, bondModeFile, bad); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("mode %q: %v, want EINVAL", bad, err)
		}
	}
	if got := read(t, tr, bondModeFile); got != "balance-rr 0\n" {
		t.Errorf("refused modes changed the mode to %q", got)
	}

	// active-backup: the first slave carries traffic, the others wait;
	// when it leaves, the next one takes over.
	if err := write(t, tr, bondModeFile, "active-backup"); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"+" + p1, "+" + p0} {
		if err := write(t, tr, bondSlaves, op); err != nil {
			t.Fatal(err)
		}
	}
	state := func(n string) string { return read(t, tr, "sys/class/net/"+n+"/bonding_slave/state") }
	if state(p1) != "active\n" || state(p0) != "backup\n" {
		t.Errorf("active-backup states: %s=%q %s=%q", p1, state(p1), p0, state(p0))
	}
	if got := read(t, tr, "sys/class/net/"+p0+"/bonding_slave/ad_aggregator_id"); got != "N/A\n" {
		t.Errorf("ad_aggregator_id outside 802.3ad = %q, want N/A", got)
	}
	if err := write(t, tr, bondSlaves, "-"+p1); err != nil {
		t.Fatal(err)
	}
	if state(p0) != "active\n" {
		t.Errorf("after the active slave left, %s is %q", p0, state(p0))
	}
	if err := write(t, tr, bondModeFile, "802.3ad 4"); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("mode change with one slave: %v, want ENOTEMPTY", err)
	}
	// With slaves and up, the kernel checks the slaves first: ENOTEMPTY.
	setUp(t, tr, "bond1", true)
	if err := write(t, tr, bondModeFile, "802.3ad 4"); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Errorf("mode change with one slave on an up bond: %v, want ENOTEMPTY", err)
	}
	if got := read(t, tr, bondModeFile); got != "active-backup 1\n" {
		t.Errorf("refused mode changes changed the mode to %q", got)
	}
}

// setUp sets IFF_UP of netdev through the tree's fake rtnetlink, as
// `ip link set <netdev> up|down` does, and checks it took.
func setUp(t *testing.T, tr *offloadtest.Tree, netdev string, up bool) {
	t.Helper()
	c := rtnl.New(tr.RtnetlinkConn())
	defer c.Close()
	ctx := context.Background()
	l, err := c.Link(ctx, netdev)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetUp(ctx, l.Index, netdev, up); err != nil {
		t.Fatal(err)
	}
	if tr.LinkUp(netdev) != up {
		t.Fatalf("%s: up is %v after setting %v", netdev, !up, up)
	}
}

// TestBondingHostileInput: malformed commands, names the kernel refuses,
// unknown netdevs, double enslaves and foreign releases are refused with
// the kernel's errnos and change nothing.
func TestBondingHostileInput(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-bond")
	before := snapshot(t, tr)
	for _, c := range []struct {
		rel, data string
		want      syscall.Errno
	}{
		{bondSlaves, "enp132s0f0np0", syscall.EPERM},                            // no + or -
		{bondSlaves, "", syscall.EPERM},                                         // no command
		{bondSlaves, "+", syscall.EPERM},                                        // no name
		{bondSlaves, "*eno1", syscall.EPERM},                                    // unknown command
		{bondSlaves, "+../../../etc", syscall.EPERM},                            // dev_valid_name: no '/'
		{bondSlaves, "+..", syscall.EPERM},                                      // dev_valid_name: not ".."
		{bondSlaves, "+eno1:0", syscall.EPERM},                                  // dev_valid_name: no ':'
		{bondSlaves, "\x00+eno1", syscall.EPERM},                                // the kernel stops at NUL
		{bondSlaves, "+nosuch0", syscall.ENODEV},                                // no such netdev
		{bondSlaves, "-nosuch0", syscall.ENODEV},                                // no such netdev
		{bondSlaves, "+eno1aaaaaaaaaaaaaaaaaaaa", syscall.ENODEV},               // read as IFNAMSIZ chars: "eno1aaaaaaaaaaa"
		{bondSlaves, "+enp132s0f0np0", syscall.EBUSY},                           // already enslaved
		{bondSlaves, "+bond1", syscall.EPERM},                                   // the bond itself
		{bondSlaves, "-eno1", syscall.EINVAL},                                   // not a slave
		{bondSlaves, "-bond1", syscall.EINVAL},                                  // not a slave
		{"sys/class/net/eno1/bonding/slaves", "+enp132s0f0np0", syscall.ENOENT}, // not a bond
		{"sys/class/net/../bonding/slaves", "+eno1", syscall.ENOENT},
		{"sys/class/net/nosuch0/bonding/mode", "1", syscall.ENOENT},
		{bondModeFile, "active-backup", syscall.ENOTEMPTY},
	} {
		if err := write(t, tr, c.rel, c.data); !errors.Is(err, c.want) {
			t.Errorf("write %q to %s: %v, want %v", c.data, c.rel, err, c.want)
		}
	}
	if now := snapshot(t, tr); now != before {
		t.Errorf("refused writes changed the tree:\nbefore:\n%s\nafter:\n%s", before, now)
	}
	// A slave of another bond is busy too.
	spec := offloadtest.CX5Bond()
	spec.Netdevs = append(spec.Netdevs, "dummy0")
	spec.Bonds = append(spec.Bonds, offloadtest.BondSpec{Name: "bond2", Mode: "active-backup 1", Slaves: []string{"dummy0"}})
	tr2 := offloadtest.New(t, spec)
	if err := write(t, tr2, bondSlaves, "+dummy0"); !errors.Is(err, syscall.EBUSY) {
		t.Errorf("enslaving bond2's slave into bond1: %v, want EBUSY", err)
	}
	if err := write(t, tr2, bondSlaves, "-dummy0"); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("releasing bond2's slave from bond1: %v, want EINVAL", err)
	}
}

// FuzzBondingWrites: no write to the bonding files panics, and one the
// kernel refuses changes nothing.
func FuzzBondingWrites(f *testing.F) {
	for _, s := range []string{"+eno1", "-enp132s0f0np0", "active-backup 1", "4", "+", "\x00", "+../x", "802.3ad 4\n"} {
		f.Add(false, s)
		f.Add(true, s)
	}
	f.Fuzz(func(t *testing.T, mode bool, data string) {
		tr := offloadtest.NewByName(t, "cx5-bond")
		rel := bondSlaves
		if mode {
			rel = bondModeFile
		}
		before := snapshot(t, tr)
		if _, err := tr.WriteFile(context.Background(), rel, []byte(data)); err != nil {
			if now := snapshot(t, tr); now != before {
				t.Fatalf("refused write %q to %s (%v) changed the tree", data, rel, err)
			}
		}
	})
}
