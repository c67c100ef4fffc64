package offloadtest

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"syscall"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/internal/rtnl"
)

// The fake kernel's bond creation and deletion over rtnetlink. What it
// models, from the kernel (net/core/rtnetlink.c, drivers/net/bonding):
//
//   - RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL and IFLA_INFO_KIND "bond"
//     creates a bond under sys/devices/virtual/net with an empty slave
//     list, in the IFLA_BOND_MODE it carries (balance-rr without one), and
//     administratively down, as every new link is. A name already taken
//     is EEXIST, a name dev_valid_name refuses EINVAL, a mode the bonding
//     driver does not have EINVAL, another kind EOPNOTSUPP (the fake only
//     knows bonds).
//   - RTM_NEWLINK without NLM_F_CREATE, naming a bond by index with
//     IFLA_BOND_MODE, changes its mode through the same checks as a write
//     of bonding/mode (bonding.go): ENOTEMPTY with slaves, EBUSY while up.
//   - RTM_DELLINK of a bond releases its slaves first (bond_uninit), each
//     closed as a release closes it, then removes the bond; of a netdev
//     without rtnl_link_ops (a PF uplink) it is EOPNOTSUPP, as the kernel
//     answers for physical devices.
//   - RTM_GETLINK reports IFLA_MASTER (the slave's bond) and, for bonds,
//     IFLA_LINKINFO kind "bond".
//
// Faults (RtnlFaultNth): a request can be refused, applied and then
// answered with an error, or applied while the caller's read deadline
// passes.

// RtnlOp is an rtnetlink request the fake kernel can be told to fail.
type RtnlOp string

// Failable rtnetlink requests.
const (
	// RtnlNewLink is RTM_NEWLINK creating a link (`ip link add`).
	RtnlNewLink RtnlOp = "new-link"
	// RtnlChangeLink is RTM_NEWLINK changing an existing bond's mode (`ip
	// link set <bond> type bond mode <m>`).
	RtnlChangeLink RtnlOp = "change-link"
	// RtnlDelLink is RTM_DELLINK (`ip link del`).
	RtnlDelLink RtnlOp = "del-link"
	// RtnlSetUp is RTM_SETLINK changing IFF_UP (`ip link set up|down`).
	RtnlSetUp RtnlOp = "set-up"
)

// RtnlFaultNth makes the n-th op request on netdev, counted from now and
// starting at 1, go wrong once the kind way (FaultRefused,
// FaultAppliedThenError or FaultLate; FaultSlow is for sysfs writes and
// panics here), with errno for the first two. The requests after it are
// answered normally.
func (tr *Tree) RtnlFaultNth(netdev string, op RtnlOp, n int, kind FaultKind, errno syscall.Errno) {
	if kind == FaultSlow {
		panic("offloadtest: FaultSlow is for sysfs writes")
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.armKind(rtnlFaultKey(netdev, op), n, oneShot{kind: kind, errno: errno})
}

func rtnlFaultKey(netdev string, op RtnlOp) string { return "rt|" + netdev + "|" + string(op) }

// rtnlFault answers a request whose fault is due: refused is the reply to
// send without serving it; after, when set, is what to answer once the
// request is served. tr.mu is held.
func (tr *Tree) rtnlFault(reqs []netlink.Message, netdev string, op RtnlOp) (refused []netlink.Message, after func() ([]netlink.Message, error), ok bool) {
	f, due := tr.once.hit(rtnlFaultKey(netdev, op))
	if !due {
		return nil, nil, false
	}
	switch f.kind {
	case FaultAppliedThenError:
		return nil, func() ([]netlink.Message, error) { return nltest.Error(int(f.errno), reqs) }, true
	case FaultLate:
		return nil, func() ([]netlink.Message, error) { return nil, lateSocketError() }, true
	}
	msgs, _ := nltest.Error(int(f.errno), reqs)
	return msgs, nil, true
}

// serveNewLink answers RTM_NEWLINK. tr.mu is held.
func (tr *Tree) serveNewLink(reqs []netlink.Message) ([]netlink.Message, error) {
	r, err := rtnl.DecodeNewLink(reqs[0].Data)
	if err != nil {
		return nltest.Error(int(unix.EINVAL), reqs)
	}
	if r.Index != 0 && reqs[0].Header.Flags&netlink.Create == 0 {
		return tr.serveChangeLink(reqs, r)
	}
	if !devValidName(r.Name) {
		return nltest.Error(int(unix.EINVAL), reqs)
	}
	if reqs[0].Header.Flags&netlink.Create == 0 {
		return tr.serveChangeLink(reqs, r)
	}
	if _, ok := tr.ifindexOf(r.Name); ok {
		return nltest.Error(int(unix.EEXIST), reqs)
	}
	if r.Kind != "bond" {
		return nltest.Error(int(unix.EOPNOTSUPP), reqs)
	}
	mode := 0
	if r.BondMode != nil {
		mode = int(*r.BondMode)
	}
	if bondModeName(mode) == "" {
		return nltest.Error(int(unix.EINVAL), reqs)
	}
	refused, after, _ := tr.rtnlFault(reqs, r.Name, RtnlNewLink)
	if refused != nil {
		return refused, nil
	}
	if err := tr.addBond(BondSpec{Name: r.Name, Mode: fmt.Sprintf("%s %d", bondModeName(mode), mode)}); err != nil {
		return nil, err
	}
	// New links start down.
	if err := tr.file("sys/class/net/"+r.Name+"/flags", fmt.Sprintf("0x%x\n", iffBroadcast|iffMulticast)); err != nil {
		return nil, err
	}
	if after != nil {
		return after()
	}
	return reply(reqs[0], rtnl.TypeError, make([]byte, 4)), nil
}

// serveChangeLink answers an RTM_NEWLINK that changes link r.Index: for a
// bond, its mode, which the bonding driver's changelink applies with the
// checks of a bonding/mode write (ENOTEMPTY with slaves, EBUSY while up,
// EINVAL for a mode it lacks); any other change is EOPNOTSUPP, as the fake
// models no other. tr.mu is held.
func (tr *Tree) serveChangeLink(reqs []netlink.Message, r rtnl.NewLinkRequest) ([]netlink.Message, error) {
	name, ok := tr.nameByIfindex(r.Index)
	if !ok {
		return nltest.Error(int(unix.ENODEV), reqs)
	}
	if r.Kind != "bond" || !tr.isBond(name) || r.BondMode == nil {
		return nltest.Error(int(unix.EOPNOTSUPP), reqs)
	}
	refused, after, _ := tr.rtnlFault(reqs, name, RtnlChangeLink)
	if refused != nil {
		return refused, nil
	}
	bondDir, _ := tr.netdevDir(name)
	if err := tr.writeBondMode(bondDir, strconv.Itoa(int(*r.BondMode))); err != nil {
		var errno syscall.Errno
		if errors.As(err, &errno) {
			return nltest.Error(int(errno), reqs)
		}
		return nil, err
	}
	if after != nil {
		return after()
	}
	return reply(reqs[0], rtnl.TypeError, make([]byte, 4)), nil
}

// serveDelLink answers RTM_DELLINK. tr.mu is held.
func (tr *Tree) serveDelLink(reqs []netlink.Message) ([]netlink.Message, error) {
	idx, err := rtnl.DecodeDelLink(reqs[0].Data)
	if err != nil {
		return nltest.Error(int(unix.EINVAL), reqs)
	}
	name, ok := tr.nameByIfindex(idx)
	if !ok {
		return nltest.Error(int(unix.ENODEV), reqs)
	}
	if !tr.isBond(name) {
		return nltest.Error(int(unix.EOPNOTSUPP), reqs)
	}
	refused, after, _ := tr.rtnlFault(reqs, name, RtnlDelLink)
	if refused != nil {
		return refused, nil
	}
	bondDir, _ := tr.netdevDir(name)
	for _, s := range tr.bondSlaves(bondDir) {
		if sd, ok := tr.netdevDir(s); ok {
			if err := tr.release(bondDir, name, s, sd); err != nil {
				return nil, err
			}
		}
	}
	if err := os.RemoveAll(tr.abs(bondDir)); err != nil {
		return nil, err
	}
	if err := os.Remove(tr.abs("sys/class/net/" + name)); err != nil {
		return nil, err
	}
	if after != nil {
		return after()
	}
	return reply(reqs[0], rtnl.TypeError, make([]byte, 4)), nil
}

// masterIndex is the ifindex of netdev name's master, 0 when it has none.
// tr.mu is held.
func (tr *Tree) masterIndex(name string) int {
	dir, ok := tr.netdevDir(name)
	if !ok {
		return 0
	}
	m := tr.linkTarget(dir + "/master")
	if m == "" {
		return 0
	}
	idx, _ := tr.ifindexOf(path.Base(m))
	return idx
}

// setUpFlag sets or clears IFF_UP of netdev name, as the bonding driver's
// dev_open (enslave) and dev_close (release) do. tr.mu is held.
// A netdev already in that state is left alone (its flags file is not
// written, so building a tree leaves none behind).
func (tr *Tree) setUpFlag(name string, up bool) error {
	cur := tr.linkFlags(name)
	if (cur&rtnl.FlagUp != 0) == up {
		return nil
	}
	f := cur &^ uint32(rtnl.FlagUp)
	if up {
		f |= rtnl.FlagUp
	}
	p := tr.abs("sys/class/net/" + name + "/flags")
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return err
	}
	if tr.linkFlags(name) == f {
		// Back at the default: no file, as when the tree was built, so
		// a release and an enslave give back the tree as it was.
		return nil
	}
	return tr.file("sys/class/net/"+name+"/flags", fmt.Sprintf("0x%x\n", f))
}
