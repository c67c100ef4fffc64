//go:build vmtest

package vmtest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/internal/rtnl"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// rawLinks reads, straight from sysfs (not through the library), what the
// VF LAG steps change on each of names: whether it exists, its IFF_UP bit
// (the flags file), its master, its upper_* links, and for a bond its
// bonding/mode and bonding/slaves.
func rawLinks(t *testing.T, names ...string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, n := range names {
		dir := "/sys/class/net/" + n
		if _, err := os.Stat(dir); err != nil {
			m[n] = "absent"
			continue
		}
		flags := readSys(t, dir+"/flags")
		up := "down"
		if v, ok := strings.CutPrefix(flags, "0x"); ok && len(v) > 0 && strings.IndexByte("13579bdf", v[len(v)-1]) >= 0 {
			up = "up"
		}
		master := "-"
		if l, err := os.Readlink(dir + "/master"); err == nil {
			master = filepath.Base(l)
		}
		uppers, _ := filepath.Glob(dir + "/upper_*")
		for i := range uppers {
			uppers[i] = filepath.Base(uppers[i])
		}
		s := up + " master=" + master + " uppers=" + strings.Join(uppers, ",")
		if b, err := os.ReadFile(dir + "/bonding/mode"); err == nil {
			s += " mode=" + strings.TrimSpace(string(b)) + " slaves=" + readSys(t, dir+"/bonding/slaves")
		}
		m[n] = s
	}
	return m
}

// TestVFLAGBondRealKernel forms a bond from two netdevsim ports with the
// calls a VF LAG plan's steps make, in the plan's order (uplinks down;
// bond created over rtnetlink with its mode in the creating request, so
// set while the bond is down; both enslaved through bonding/slaves, as
// StepEnslave writes; bond up), checks each result in sysfs directly, then
// undoes the steps in reverse as the plan's rollback does (release, delete
// the bond, restore the ports' admin state) and compares the raw state
// with the state before. It also pins the kernel facts the plan and the
// fake kernel rely on: a new bond is down; enslaving opens a slave and
// releasing closes it; a name in use is EEXIST. The switchdev Plan itself
// cannot run here: netdevsim ports are not PCI PFs and the VF LAG is the
// mlx5 backend's; its order and rollback are tested on the fake kernel.
func TestVFLAGBondRealKernel(t *testing.T) {
	requireBonding(t)
	dev := newNetdevsim(t, 31, 2)
	ports := netdevsOf(dev.Name)
	if len(ports) < 2 {
		t.Fatalf("%s has ports %v", dev.Name, ports)
	}
	a, b := ports[0], ports[1]
	const bond = "vmtlag0"
	h := openHost(t)
	ctx := t.Context()
	t.Cleanup(func() { runErr("ip", "link", "del", bond) })
	// Ports up first, as a host's uplinks are.
	for _, p := range []string{a, b} {
		run(t, "ip", "link", "set", p, "up")
	}
	before := rawLinks(t, a, b, bond)

	// 1. Uplinks down.
	for _, p := range []string{a, b} {
		if err := h.SetLinkUp(ctx, p, false); err != nil {
			t.Fatal(err)
		}
	}
	// 2. Bond created with its mode: the mode travels in RTM_NEWLINK,
	// and the kernel creates the link down.
	if err := h.CreateBond(ctx, bond, offload.BondModeActiveBackup); err != nil {
		t.Fatalf("CreateBond: %v", err)
	}
	if got := readSys(t, "/sys/class/net/"+bond+"/bonding/mode"); got != "active-backup 1" {
		t.Errorf("bonding/mode after create = %q, want active-backup 1", got)
	}
	if ipLinkUp(t, bond) {
		t.Error("a newly created bond is up; the plan assumes the kernel creates it down")
	}
	if err := h.CreateBond(ctx, bond, offload.BondModeActiveBackup); !errors.Is(err, errs.ErrExists) {
		t.Errorf("second CreateBond = %v, want ErrExists", err)
	}
	// The rtnetlink mode change Host.SetBondMode sends (changelink): taken
	// on the down, empty bond, and read back in sysfs.
	nl, err := rtnl.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nl.Close() })
	l, err := nl.Link(ctx, bond)
	if err != nil {
		t.Fatal(err)
	}
	if l.Kind != "bond" || l.Up() {
		t.Errorf("RTM_GETLINK of the new bond: kind %q, up %v; want bond, down", l.Kind, l.Up())
	}
	for _, m := range []struct {
		n    uint8
		want string
	}{{4, "802.3ad 4"}, {1, "active-backup 1"}} {
		if err := nl.SetBondMode(ctx, l.Index, bond, m.n); err != nil {
			t.Fatalf("rtnetlink bond mode %d on a down empty bond: %v", m.n, err)
		}
		if got := readSys(t, "/sys/class/net/"+bond+"/bonding/mode"); got != m.want {
			t.Errorf("bonding/mode after rtnetlink mode %d = %q, want %q", m.n, got, m.want)
		}
	}
	if err := h.CreateBond(ctx, a, offload.BondMode8023AD); !errors.Is(err, errs.ErrExists) {
		t.Errorf("CreateBond over netdevsim port %s = %v, want ErrExists", a, err)
	}
	// 3. Both enslaved, as StepEnslave does it.
	for _, p := range []string{a, b} {
		if err := os.WriteFile("/sys/class/net/"+bond+"/bonding/slaves", []byte("+"+p), 0); err != nil {
			t.Fatalf("enslave netdevsim port %s: %v", p, err)
		}
		if !ipLinkUp(t, p) {
			t.Errorf("%s is down after enslaving; the fake kernel models bond_enslave opening it", p)
		}
	}
	if got := readSys(t, "/sys/class/net/"+bond+"/bonding/slaves"); got != a+" "+b {
		t.Errorf("bonding/slaves = %q, want %q", got, a+" "+b)
	}
	if bd, err := h.BondOf(ctx, b); err != nil || bd == nil || bd.Name != bond || bd.Mode != offload.BondModeActiveBackup {
		t.Errorf("BondOf(%s) = %+v, %v", b, bd, err)
	}
	// 4. Bond up.
	if err := h.SetLinkUp(ctx, bond, true); err != nil {
		t.Fatal(err)
	}
	if !ipLinkUp(t, bond) {
		t.Error("bond down after SetLinkUp")
	}
	if err := h.DeleteBond(ctx, bond); !errors.Is(err, errs.ErrBusy) {
		t.Errorf("DeleteBond with slaves = %v, want ErrBusy", err)
	}
	// The kernel refuses a mode change with slaves over rtnetlink too
	// (ENOTEMPTY, errs.ErrBusy), and changes nothing.
	if err := nl.SetBondMode(ctx, l.Index, bond, 2); !errors.Is(err, errs.ErrBusy) {
		t.Errorf("rtnetlink mode change with slaves = %v, want ErrBusy (ENOTEMPTY)", err)
	}
	if got := readSys(t, "/sys/class/net/"+bond+"/bonding/mode"); got != "active-backup 1" {
		t.Errorf("refused mode change left bonding/mode %q", got)
	}
	if ml, err := nl.Link(ctx, a); err != nil || ml.Master != l.Index {
		t.Errorf("RTM_GETLINK of slave %s: master %d, %v; want %d", a, ml.Master, err, l.Index)
	}

	// Rollback, in reverse: bond down, release (the kernel closes each
	// slave), delete the bond, restore the ports' admin state.
	if err := h.SetLinkUp(ctx, bond, false); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{b, a} {
		if err := os.WriteFile("/sys/class/net/"+bond+"/bonding/slaves", []byte("-"+p), 0); err != nil {
			t.Fatalf("release %s: %v", p, err)
		}
		if ipLinkUp(t, p) {
			t.Errorf("%s is up after releasing; the fake kernel models __bond_release_one closing it", p)
		}
	}
	if err := h.DeleteBond(ctx, bond); err != nil {
		t.Fatalf("DeleteBond: %v", err)
	}
	for _, p := range []string{b, a} {
		if err := h.SetLinkUp(ctx, p, true); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff(before, rawLinks(t, a, b, bond)); d != "" {
		t.Errorf("raw link state after rollback differs from before (-before +after):\n%s", d)
	}
}
