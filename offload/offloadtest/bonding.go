package offloadtest

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/offloadkit/offloadkit/internal/rtnl"
)

// The fake bonding driver. What it models, from the kernel's bonding sysfs
// (drivers/net/bonding: bond_options.c, bond_sysfs_slave.c, bond_main.c):
//
//   - bonding/slaves takes "+ifname" (enslave) or "-ifname" (release). The
//     kernel reads the first word, at most IFNAMSIZ (16) characters of it;
//     a word without + or -, or a name dev_valid_name refuses, is EPERM
//     ("no command found in slaves file"); a name no netdev has is ENODEV.
//     Enslaving a netdev that already has a master is EBUSY, the bond
//     itself EPERM; releasing a netdev that is not a slave of this bond
//     is EINVAL.
//   - An enslaved netdev gets a "master" and an "upper_<bond>" link to the
//     bond, the bond a "lower_<slave>" link to it, and the slave a
//     bonding_slave/ directory (state, mii_status, link_failure_count,
//     perm_hwaddr, queue_id and the 802.3ad ad_* files, "N/A" outside
//     802.3ad); bonding/slaves lists the slaves in enslave order.
//   - bonding/mode takes a mode name or number ("active-backup",
//     "802.3ad 4" reads as its first word, "4" as a number) and prints
//     "name number". The kernel checks an option's dependencies before it
//     parses the value (bond_opt_check_deps), in this order: with slaves
//     every mode write is ENOTEMPTY (BOND_OPTFLAG_NOSLAVES); on a bond that
//     is administratively up it is EBUSY (BOND_OPTFLAG_IFDOWN); then an
//     unknown mode is EINVAL. The up/down state is the fake rtnetlink's
//     (rtnl.go): a bond starts up, as one configured by the distribution.
//   - Enslaving opens the slave (bond_enslave calls dev_open: the slave is
//     administratively up after it) and releasing closes it
//     (__bond_release_one calls dev_close: the slave is down after it), so
//     a slave taken out of a bond and put back ends up where it started.
//
// Not modelled: slave MAC addresses do not change on enslave.

// bondModeName returns the kernel's name of bonding mode number n
// (bond_mode_tbl), or "" when there is none.
func bondModeName(n int) string {
	switch n {
	case 0:
		return "balance-rr"
	case 1:
		return "active-backup"
	case 2:
		return "balance-xor"
	case 3:
		return "broadcast"
	case 4:
		return "802.3ad"
	case 5:
		return "balance-tlb"
	case 6:
		return "balance-alb"
	}
	return ""
}

// bondModeNumber is the kernel's number of mode name, or -1.
func bondModeNumber(name string) int {
	for n := 0; bondModeName(n) != ""; n++ {
		if bondModeName(n) == name {
			return n
		}
	}
	return -1
}

// bondingAttr splits rel when it is sys/class/net/<bond>/bonding/slaves or
// .../mode, the two bonding files the fake kernel answers.
func bondingAttr(rel string) (bond, attr string, ok bool) {
	rest, found := strings.CutPrefix(rel, "sys/class/net/")
	if !found {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[1] != "bonding" || (parts[2] != "slaves" && parts[2] != "mode") {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// devValidName is the kernel's dev_valid_name: what a netdev may be called.
func devValidName(name string) bool {
	if name == "" || len(name) >= 16 || name == "." || name == ".." {
		return false
	}
	for _, c := range []byte(name) {
		switch c {
		case '/', ':', ' ', '\t', '\n', '\v', '\f', '\r':
			return false
		}
	}
	return true
}

// cString is what the kernel sees of a sysfs write: the bytes up to the
// first NUL.
func cString(data string) string {
	if i := strings.IndexByte(data, 0); i >= 0 {
		return data[:i]
	}
	return data
}

// netdevDir returns the device directory of netdev name relative to Root
// (sys/devices/.../net/<name>), following sys/class/net/<name>.
func (tr *Tree) netdevDir(name string) (string, bool) {
	if !devValidName(name) {
		return "", false
	}
	target, err := os.Readlink(tr.abs("sys/class/net/" + name))
	if err != nil {
		return "", false
	}
	return path.Clean(path.Join("sys/class/net", filepath.ToSlash(target))), true
}

// linkTarget resolves the symlink rel (relative to Root) to a path
// relative to Root, or "" when rel is not a link.
func (tr *Tree) linkTarget(rel string) string {
	t, err := os.Readlink(tr.abs(rel))
	if err != nil {
		return ""
	}
	return path.Clean(path.Join(path.Dir(rel), filepath.ToSlash(t)))
}

func (tr *Tree) bondSlaves(bondDir string) []string {
	b, _ := os.ReadFile(tr.abs(bondDir + "/bonding/slaves"))
	return strings.Fields(string(b))
}

func (tr *Tree) bondMode(bondDir string) string {
	b, _ := os.ReadFile(tr.abs(bondDir + "/bonding/mode"))
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}

func (tr *Tree) addBond(b BondSpec) error {
	dir := "sys/devices/virtual/net/" + b.Name
	if err := tr.netdevFiles(dir, b.Name, "", ""); err != nil {
		return err
	}
	if err := tr.file(dir+"/bonding/mode", b.Mode+"\n"); err != nil {
		return err
	}
	if err := tr.file(dir+"/bonding/slaves", "\n"); err != nil {
		return err
	}
	if err := tr.link("sys/class/net/"+b.Name, dir); err != nil {
		return err
	}
	for _, s := range b.Slaves {
		slaveDir, ok := tr.netdevDir(s)
		if !ok {
			return fmt.Errorf("slave %s: no such netdev", s)
		}
		if err := tr.enslave(dir, b.Name, s, slaveDir); err != nil {
			return fmt.Errorf("slave %s: %w", s, err)
		}
	}
	return nil
}

// writeBonding answers a write of data to sys/class/net/<bond>/bonding/<attr>.
// tr.mu is held.
func (tr *Tree) writeBonding(bond, attr, data string) error {
	bondDir, ok := tr.netdevDir(bond)
	if !ok {
		return syscall.ENOENT
	}
	if _, err := os.Stat(tr.abs(bondDir + "/bonding/mode")); err != nil {
		return syscall.ENOENT // not a bond: there is no bonding/ directory
	}
	data = cString(data)
	if attr == "mode" {
		return tr.writeBondMode(bondDir, data)
	}
	word := ""
	if f := strings.Fields(data); len(f) > 0 {
		word = f[0]
	}
	if len(word) > 16 {
		word = word[:16] // sscanf "%16s": the kernel reads IFNAMSIZ characters
	}
	if len(word) <= 1 || (word[0] != '+' && word[0] != '-') || !devValidName(word[1:]) {
		return syscall.EPERM
	}
	slave := word[1:]
	slaveDir, ok := tr.netdevDir(slave)
	if !ok {
		return syscall.ENODEV
	}
	if word[0] == '+' {
		return tr.enslave(bondDir, bond, slave, slaveDir)
	}
	return tr.release(bondDir, bond, slave, slaveDir)
}

func (tr *Tree) writeBondMode(bondDir, data string) error {
	if len(tr.bondSlaves(bondDir)) > 0 {
		return syscall.ENOTEMPTY
	}
	if tr.linkFlags(path.Base(bondDir))&rtnl.FlagUp != 0 {
		return syscall.EBUSY
	}
	data, _, _ = strings.Cut(data, "\n")
	f := strings.Fields(data)
	if len(f) == 0 {
		return syscall.EINVAL
	}
	n := -1
	if strings.TrimLeft(data, "0123456789 \t\v\f\r") == "" {
		// All digits: the kernel takes the number, not a name.
		if v, err := strconv.ParseUint(f[0], 10, 64); err == nil && v < 7 {
			n = int(v)
		}
	} else if len(f[0]) <= 32 {
		n = bondModeNumber(f[0])
	}
	if n < 0 {
		return syscall.EINVAL
	}
	return tr.file(bondDir+"/bonding/mode", fmt.Sprintf("%s %d\n", bondModeName(n), n))
}

func (tr *Tree) enslave(bondDir, bond, slave, slaveDir string) error {
	if tr.linkTarget(slaveDir+"/master") != "" {
		return syscall.EBUSY // already enslaved, here or elsewhere
	}
	if slaveDir == bondDir {
		return syscall.EPERM // cannot enslave bond to itself
	}
	mac, _ := os.ReadFile(tr.abs(slaveDir + "/address"))
	na := "N/A"
	agg, actor, partner := na, na, na
	if tr.bondMode(bondDir) == "802.3ad" {
		// A healthy LACP link: one aggregator, both ends activity,
		// aggregation, in sync, collecting and distributing (0x3d).
		agg, actor, partner = "1", "61", "61"
	}
	files := map[string]string{
		"state": "active", "mii_status": "up", "link_failure_count": "0",
		"perm_hwaddr": strings.TrimSpace(string(mac)), "queue_id": "0",
		"ad_aggregator_id": agg, "ad_actor_oper_port_state": actor, "ad_partner_oper_port_state": partner,
	}
	for f, c := range files {
		if err := tr.file(slaveDir+"/bonding_slave/"+f, c+"\n"); err != nil {
			return err
		}
	}
	for _, l := range [][2]string{{slaveDir + "/master", bondDir}, {slaveDir + "/upper_" + bond, bondDir}, {bondDir + "/lower_" + slave, slaveDir}} {
		if err := tr.link(l[0], l[1]); err != nil {
			return err
		}
	}
	if err := tr.setUpFlag(slave, true); err != nil {
		return err
	}
	return tr.setBondSlaves(bondDir, append(tr.bondSlaves(bondDir), slave))
}

func (tr *Tree) release(bondDir, bond, slave, slaveDir string) error {
	if tr.linkTarget(slaveDir+"/master") != bondDir {
		return syscall.EINVAL // not a slave of this bond
	}
	for _, p := range []string{slaveDir + "/master", slaveDir + "/upper_" + bond, bondDir + "/lower_" + slave} {
		if err := os.Remove(tr.abs(p)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	if err := os.RemoveAll(tr.abs(slaveDir + "/bonding_slave")); err != nil {
		return err
	}
	if err := tr.setUpFlag(slave, false); err != nil {
		return err
	}
	var keep []string
	for _, s := range tr.bondSlaves(bondDir) {
		if s != slave {
			keep = append(keep, s)
		}
	}
	return tr.setBondSlaves(bondDir, keep)
}

// setBondSlaves writes the slave list and each slave's state: in
// active-backup the first slave is active and the others are backups; in
// the other modes every slave carries traffic.
func (tr *Tree) setBondSlaves(bondDir string, slaves []string) error {
	backup := tr.bondMode(bondDir) == "active-backup"
	for i, s := range slaves {
		dir, ok := tr.netdevDir(s)
		if !ok {
			continue
		}
		st := "active"
		if backup && i > 0 {
			st = "backup"
		}
		if err := tr.file(dir+"/bonding_slave/state", st+"\n"); err != nil {
			return err
		}
	}
	return tr.file(bondDir+"/bonding/slaves", strings.Join(slaves, " ")+"\n")
}
