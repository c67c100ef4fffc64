package offloadtest

import (
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/internal/rtnl"
)

// RtnetlinkConn returns a fake NETLINK_ROUTE connection that answers
// RTM_GETLINK (with the PF's VF list) and RTM_SETLINK (VF MAC, VLAN,
// spoofchk, trust, link state) from the tree's state, the way the kernel
// does for an SR-IOV PF. Tree.Open passes one to the Host.
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
		l := rtnl.Link{Index: idx, Name: name}
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
	}
	return nltest.Error(int(unix.EOPNOTSUPP), reqs)
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
