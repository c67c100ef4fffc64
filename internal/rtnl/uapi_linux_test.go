package rtnl

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestUAPIConstants checks the local copies of the uapi values against
// x/sys/unix, which is generated from the kernel headers.
func TestUAPIConstants(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"NETLINK_ROUTE", netlinkRoute, unix.NETLINK_ROUTE},
		{"NLMSG_ERROR", nlmsgError, unix.NLMSG_ERROR},
		{"RTM_NEWLINK", rtmNewLink, unix.RTM_NEWLINK},
		{"RTM_DELLINK", rtmDelLink, unix.RTM_DELLINK},
		{"RTM_GETLINK", rtmGetLink, unix.RTM_GETLINK},
		{"IFLA_MASTER", iflaMaster, unix.IFLA_MASTER},
		{"IFLA_LINKINFO", iflaLinkInfo, unix.IFLA_LINKINFO},
		{"IFLA_INFO_KIND", iflaInfoKind, unix.IFLA_INFO_KIND},
		{"IFLA_INFO_DATA", iflaInfoData, unix.IFLA_INFO_DATA},
		{"IFLA_BOND_MODE", iflaBondMode, unix.IFLA_BOND_MODE},
		{"RTM_SETLINK", rtmSetLink, unix.RTM_SETLINK},
		{"IFLA_IFNAME", iflaIfname, unix.IFLA_IFNAME},
		{"IFLA_NUM_VF", iflaNumVF, unix.IFLA_NUM_VF},
		{"IFLA_VFINFO_LIST", iflaVFInfoList, unix.IFLA_VFINFO_LIST},
		{"IFLA_EXT_MASK", iflaExtMask, unix.IFLA_EXT_MASK},
		{"IFLA_VF_INFO", iflaVFInfo, unix.IFLA_VF_INFO},
		{"IFLA_VF_MAC", iflaVFMAC, unix.IFLA_VF_MAC},
		{"IFLA_VF_VLAN", iflaVFVLAN, unix.IFLA_VF_VLAN},
		{"IFLA_VF_SPOOFCHK", iflaVFSpoofchk, unix.IFLA_VF_SPOOFCHK},
		{"IFLA_VF_LINK_STATE", iflaVFLinkState, unix.IFLA_VF_LINK_STATE},
		{"IFLA_VF_TRUST", iflaVFTrust, unix.IFLA_VF_TRUST},
		{"IFF_UP", iffUp, unix.IFF_UP},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, x/sys/unix says %d", c.name, c.got, c.want)
		}
	}
}
