// Package rtnl is a small rtnetlink (NETLINK_ROUTE) client for the one thing
// offloadkit needs from it that sysfs does not show: the per-VF settings a PF
// holds (MAC, VLAN and QoS, spoof checking, trust, link state), read with
// RTM_GETLINK and IFLA_EXT_MASK=RTEXT_FILTER_VF and written with RTM_SETLINK
// and IFLA_VFINFO_LIST, as `ip link show` and `ip link set <pf> vf N ...` do;
// and a link's administrative state (IFF_UP in ifi_flags), read with
// RTM_GETLINK and set with RTM_SETLINK (ifi_change = IFF_UP), as
// `ip link set <dev> up|down` does: the bonding driver only takes a mode
// change on a bond that is down; and bonds themselves, created with their
// mode (RTM_NEWLINK, kind "bond", IFLA_BOND_MODE) and deleted by index
// (RTM_DELLINK), as `ip link add <bond> type bond mode <m>` and `ip link
// del` do, with a link's master and kind read back from RTM_GETLINK.
//
// It is written on github.com/mdlayher/netlink rather than
// vishvananda/netlink so that tests fake the kernel at the socket with
// nltest, and so that the caller's context bounds every request.
//
// Privileges: reading needs none; setting VF attributes or IFF_UP, and
// creating or deleting links, need CAP_NET_ADMIN.
// Network namespaces: the Conn's namespace decides which PF netdevs are
// visible; PF netdevs live in the host namespace.
// Errors: kernel errnos come back as *errs.Error carrying the extended ack.
package rtnl
