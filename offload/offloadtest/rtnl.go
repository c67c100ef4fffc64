package offloadtest

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/internal/rtnl"
)

// RtnetlinkConn returns a fake NETLINK_ROUTE connection that answers
// RTM_GETLINK (with the PF's VF list and the link's ifi_flags) and
// RTM_SETLINK (VF MAC, VLAN, spoofchk, trust, link state; IFF_UP through
// ifi_change), RTM_NEWLINK creating a bond and RTM_DELLINK deleting one
// (rtnl_bond.go) from the tree's state, the way the kernel does for an SR-IOV
// PF and any netdev. Tree.Open passes one to the Host.
//
// The administrative state lives in the netdev's sysfs "flags" file, as
// the kernel shows it ("0x1003"). A netdev without one (the builders do
// not write it) reads as up when it is a PF uplink or a bond and down
// otherwise; setting IFF_UP writes the file.
func (tr *Tree) RtnetlinkConn() *netlink.Conn {
	return nltest.Dial(tr.serveRtnl)
}

func reply(req netlink.Message, typ netlink.HeaderType, data []byte) []netlink.Message {
	return []netlink.Message{{Header: netlink.Header{Type: typ, Sequence: req.Header.Sequence, PID: req.Header.PID}, Data: data}}
}

func (tr *Tree) serveRtnl(reqs []netlink.Message) ([]netlink.Message, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	req := reqs[0]
	tr.mu.Lock()
	defer tr.mu.Unlock()
	switch req.Header.Type {
	case rtnl.TypeGetLink:
		name, err := rtnl.DecodeGetLink(req.Data)
		if err != nil {
			return nltest.Error(int(unix.EINVAL), reqs)
		}
		idx, ok := tr.ifindexOf(name)
		if !ok {
			return nltest.Error(int(unix.ENODEV), reqs)
		}
		l := rtnl.Link{Index: idx, Name: name, Flags: tr.linkFlags(name), Master: tr.masterIndex(name)}
		if tr.isBond(name) {
			l.Kind = "bond"
		}
		if p := tr.pfByNetdev(name); p != nil {
			l.NumVF = p.numVFs
			l.VFs = append([]rtnl.VFInfo(nil), p.vfInfo...)
		}
		b, err := rtnl.EncodeLink(l)
		if err != nil {
			return nil, err
		}
		return reply(req, rtnl.TypeNewLink, b), nil
	case rtnl.TypeSetLink:
		idx, flags, change, err := rtnl.DecodeSetFlags(req.Data)
		if err != nil {
			return nltest.Error(int(unix.EINVAL), reqs)
		}
		if change != 0 {
			return tr.setLinkFlags(reqs, idx, flags, change)
		}
		idx, cfgs, err := rtnl.DecodeSetVF(req.Data)
		if err != nil {
			return nltest.Error(int(unix.EINVAL), reqs)
		}
		// The kernel takes VF settings on any netdev of the PF's function
		// (mlx5 on the uplink, nfp on the PF vNIC), so answer for all of them.
		p := tr.pfByIfindex(idx)
		if p == nil {
			return nltest.Error(int(unix.ENODEV), reqs)
		}
		for _, c := range cfgs {
			if c.VF < 0 || c.VF >= len(p.vfInfo) {
				return nltest.Error(int(unix.EINVAL), reqs)
			}
			v := &p.vfInfo[c.VF]
			if c.MAC != nil {
				v.MAC = append(net.HardwareAddr(nil), c.MAC...)
			}
			if c.VLAN != nil {
				v.VLAN, v.QoS = *c.VLAN, c.QoS
			}
			if c.SpoofChk != nil {
				b := *c.SpoofChk
				v.SpoofChk = &b
			}
			if c.Trust != nil {
				b := *c.Trust
				v.Trust = &b
			}
			if c.LinkState != nil {
				v.LinkState = *c.LinkState
			}
		}
		return reply(req, rtnl.TypeError, make([]byte, 4)), nil
	case rtnl.TypeNewLink:
		return tr.serveNewLink(reqs)
	case rtnl.TypeDelLink:
		return tr.serveDelLink(reqs)
	}
	return nltest.Error(int(unix.EOPNOTSUPP), reqs)
}

// Flags of the kernel's default link flags (linux/if.h).
const (
	iffBroadcast = 0x2
	iffMulticast = 0x1000
)

// setLinkFlags answers an RTM_SETLINK whose ifi_change is not 0. Only
// IFF_UP can change here; other bits of ifi_change are EOPNOTSUPP rather
// than silently ignored, so a request the fake does not model shows up.
// tr.mu is held.
func (tr *Tree) setLinkFlags(reqs []netlink.Message, idx int, flags, change uint32) ([]netlink.Message, error) {
	name, ok := tr.nameByIfindex(idx)
	if !ok {
		return nltest.Error(int(unix.ENODEV), reqs)
	}
	if change&^uint32(rtnl.FlagUp) != 0 {
		return nltest.Error(int(unix.EOPNOTSUPP), reqs)
	}
	refused, after, _ := tr.rtnlFault(reqs, name, RtnlSetUp)
	if refused != nil {
		return refused, nil
	}
	cur := tr.linkFlags(name)
	next := cur&^change | flags&change
	if err := tr.file("sys/class/net/"+name+"/flags", fmt.Sprintf("0x%x\n", next)); err != nil {
		return nil, err
	}
	if after != nil {
		return after()
	}
	return reply(reqs[0], rtnl.TypeError, make([]byte, 4)), nil
}

// FailSetLinkNth makes the n-th RTM_SETLINK that changes IFF_UP of netdev
// (`ip link set <netdev> up|down`), counted from now, fail with errno; the
// requests after it go through.
func (tr *Tree) FailSetLinkNth(netdev string, n int, errno syscall.Errno) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.arm(rtnlFaultKey(netdev, RtnlSetUp), n, errno, "")
}

// LinkUp reports whether netdev is administratively up in the fake kernel
// (what RTM_GETLINK answers); false when there is no such netdev.
func (tr *Tree) LinkUp(netdev string) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if _, ok := tr.ifindexOf(netdev); !ok {
		return false
	}
	return tr.linkFlags(netdev)&rtnl.FlagUp != 0
}

// linkFlags returns netdev's ifi_flags: its sysfs flags file, or the
// default when there is none (up for PF uplinks and bonds). tr.mu is held.
func (tr *Tree) linkFlags(name string) uint32 {
	if b, err := os.ReadFile(tr.abs("sys/class/net/" + name + "/flags")); err == nil {
		if v, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(string(b)), "0x"), 16, 32); err == nil {
			return uint32(v)
		}
	}
	f := uint32(iffBroadcast | iffMulticast)
	if tr.isPFUplink(name) || tr.isBond(name) {
		f |= rtnl.FlagUp
	}
	return f
}

// isPFUplink reports whether name is the netdev of a PF's function.
func (tr *Tree) isPFUplink(name string) bool {
	for _, p := range tr.pfs {
		if p.spec.Netdev == name {
			return true
		}
	}
	return false
}

// isBond reports whether name is a bond (has a bonding/ directory).
func (tr *Tree) isBond(name string) bool {
	if !devValidName(name) {
		return false
	}
	_, err := os.Stat(tr.abs("sys/class/net/" + name + "/bonding/mode"))
	return err == nil
}

// nameByIfindex finds the netdev with ifindex idx. tr.mu is held.
func (tr *Tree) nameByIfindex(idx int) (string, bool) {
	if idx <= 0 {
		return "", false
	}
	ents, err := os.ReadDir(tr.abs("sys/class/net"))
	if err != nil {
		return "", false
	}
	for _, e := range ents {
		if i, ok := tr.ifindexOf(e.Name()); ok && i == idx {
			return e.Name(), true
		}
	}
	return "", false
}

func (tr *Tree) ifindexOf(name string) (int, bool) {
	if name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return 0, false
	}
	b, err := os.ReadFile(tr.abs("sys/class/net/" + name + "/ifindex"))
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return n, err == nil
}

// pfByIfindex returns the PF one of whose netdevs has ifindex idx.
func (tr *Tree) pfByIfindex(idx int) *pfState {
	for _, p := range tr.pfs {
		names := []string{p.spec.Netdev}
		for _, nd := range p.spec.ExtraNetdevs {
			if nd.PortName != "" {
				names = append(names, nd.Name)
			}
		}
		for _, n := range names {
			if i, ok := tr.ifindexOf(n); ok && i == idx {
				return p
			}
		}
	}
	return nil
}

func (tr *Tree) pfByNetdev(name string) *pfState {
	for _, p := range tr.pfs {
		if p.spec.Netdev == name {
			return p
		}
		for _, nd := range p.spec.ExtraNetdevs {
			if nd.Name == name && nd.PortName != "" {
				return p
			}
		}
	}
	return nil
}

func defaultVFInfo(i int) rtnl.VFInfo {
	on, off := true, false
	return rtnl.VFInfo{VF: i, MAC: net.HardwareAddr{0, 0, 0, 0, 0, 0}, SpoofChk: &on, Trust: &off, LinkState: rtnl.LinkStateAuto}
}
