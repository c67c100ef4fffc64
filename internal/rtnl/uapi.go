package rtnl

// Values from the kernel's uapi headers (linux/if_link.h, linux/rtnetlink.h,
// linux/netlink.h). They are stable ABI; defining them here instead of using
// golang.org/x/sys/unix keeps the message codec building on every GOOS, so
// packages that import this one still vet and compile for macOS developers.
// uapi_linux_test.go checks them against x/sys/unix.
const (
	netlinkRoute = 0 // NETLINK_ROUTE
	nlmsgError   = 2 // NLMSG_ERROR

	rtmNewLink = 16 // RTM_NEWLINK
	rtmDelLink = 17 // RTM_DELLINK
	rtmGetLink = 18 // RTM_GETLINK
	rtmSetLink = 19 // RTM_SETLINK

	iflaIfname     = 3  // IFLA_IFNAME
	iflaMaster     = 10 // IFLA_MASTER
	iflaLinkInfo   = 18 // IFLA_LINKINFO
	iflaNumVF      = 21 // IFLA_NUM_VF
	iflaVFInfoList = 22 // IFLA_VFINFO_LIST
	iflaExtMask    = 29 // IFLA_EXT_MASK

	iflaInfoKind = 1 // IFLA_INFO_KIND
	iflaInfoData = 2 // IFLA_INFO_DATA
	iflaBondMode = 1 // IFLA_BOND_MODE (u8, the kernel's BOND_MODE_* number)

	iflaVFInfo      = 1 // IFLA_VF_INFO
	iflaVFMAC       = 1 // IFLA_VF_MAC
	iflaVFVLAN      = 2 // IFLA_VF_VLAN
	iflaVFSpoofchk  = 4 // IFLA_VF_SPOOFCHK
	iflaVFLinkState = 5 // IFLA_VF_LINK_STATE
	iflaVFTrust     = 9 // IFLA_VF_TRUST

	iffUp = 0x1 // IFF_UP (linux/if.h): the administrative up flag
)

// Message types, exported for fakes of this protocol (offloadtest) so they
// need no Linux-only constants either.
const (
	TypeNewLink = rtmNewLink // RTM_NEWLINK
	TypeDelLink = rtmDelLink // RTM_DELLINK
	TypeGetLink = rtmGetLink // RTM_GETLINK
	TypeSetLink = rtmSetLink // RTM_SETLINK
	TypeError   = nlmsgError // NLMSG_ERROR
)

// FlagUp is IFF_UP, the bit of Link.Flags (ifi_flags) that says a link is
// administratively up, exported for fakes like the message types.
const FlagUp = iffUp
