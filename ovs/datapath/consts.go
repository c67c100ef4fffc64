package datapath

// Generic netlink family names and the commands and attributes this package
// uses, from include/uapi/linux/openvswitch.h (the header's names are in the
// comments). golang.org/x/sys/unix has none of them.
const (
	familyDatapath = "ovs_datapath" // OVS_DATAPATH_FAMILY
	familyVport    = "ovs_vport"    // OVS_VPORT_FAMILY
	familyFlow     = "ovs_flow"     // OVS_FLOW_FAMILY

	// OVS_DP_CMD_GET, OVS_VPORT_CMD_GET and OVS_FLOW_CMD_GET are all 3,
	// OVS_*_CMD_NEW all 1.
	cmdNew = 1
	cmdGet = 3

	// ovsHeaderLen is sizeof(struct ovs_header): the int dp_ifindex that
	// follows the generic netlink header in every message of the three
	// families.
	ovsHeaderLen = 4
)

// enum ovs_datapath_attr.
const (
	dpAttrName           = 1 // OVS_DP_ATTR_NAME
	dpAttrUpcallPID      = 2 // OVS_DP_ATTR_UPCALL_PID
	dpAttrStats          = 3 // OVS_DP_ATTR_STATS
	dpAttrMegaflowStats  = 4 // OVS_DP_ATTR_MEGAFLOW_STATS
	dpAttrUserFeatures   = 5 // OVS_DP_ATTR_USER_FEATURES
	dpAttrPad            = 6 // OVS_DP_ATTR_PAD
	dpAttrMasksCacheSize = 7 // OVS_DP_ATTR_MASKS_CACHE_SIZE
	dpAttrPerCPUPIDs     = 8 // OVS_DP_ATTR_PER_CPU_PIDS
	dpAttrIfindex        = 9 // OVS_DP_ATTR_IFINDEX
)

// enum ovs_vport_attr.
const (
	vportAttrPortNo      = 1  // OVS_VPORT_ATTR_PORT_NO
	vportAttrType        = 2  // OVS_VPORT_ATTR_TYPE
	vportAttrName        = 3  // OVS_VPORT_ATTR_NAME
	vportAttrOptions     = 4  // OVS_VPORT_ATTR_OPTIONS
	vportAttrUpcallPID   = 5  // OVS_VPORT_ATTR_UPCALL_PID
	vportAttrStats       = 6  // OVS_VPORT_ATTR_STATS
	vportAttrPad         = 7  // OVS_VPORT_ATTR_PAD
	vportAttrIfindex     = 8  // OVS_VPORT_ATTR_IFINDEX
	vportAttrNetNSID     = 9  // OVS_VPORT_ATTR_NETNSID
	vportAttrUpcallStats = 10 // OVS_VPORT_ATTR_UPCALL_STATS
)

// enum ovs_flow_attr.
const (
	flowAttrKey       = 1  // OVS_FLOW_ATTR_KEY
	flowAttrActions   = 2  // OVS_FLOW_ATTR_ACTIONS
	flowAttrStats     = 3  // OVS_FLOW_ATTR_STATS
	flowAttrTCPFlags  = 4  // OVS_FLOW_ATTR_TCP_FLAGS
	flowAttrUsed      = 5  // OVS_FLOW_ATTR_USED
	flowAttrClear     = 6  // OVS_FLOW_ATTR_CLEAR
	flowAttrMask      = 7  // OVS_FLOW_ATTR_MASK
	flowAttrProbe     = 8  // OVS_FLOW_ATTR_PROBE
	flowAttrUFID      = 9  // OVS_FLOW_ATTR_UFID
	flowAttrUFIDFlags = 10 // OVS_FLOW_ATTR_UFID_FLAGS
	flowAttrPad       = 11 // OVS_FLOW_ATTR_PAD
)

// OVS_UFID_F_* bits of OVS_FLOW_ATTR_UFID_FLAGS.
const (
	ufidOmitKey     = 1 << 0 // OVS_UFID_F_OMIT_KEY
	ufidOmitMask    = 1 << 1 // OVS_UFID_F_OMIT_MASK
	ufidOmitActions = 1 << 2 // OVS_UFID_F_OMIT_ACTIONS
)

// enum ovs_key_attr.
const (
	keyEncap        = 1  // OVS_KEY_ATTR_ENCAP
	keyPriority     = 2  // OVS_KEY_ATTR_PRIORITY
	keyInPort       = 3  // OVS_KEY_ATTR_IN_PORT
	keyEthernet     = 4  // OVS_KEY_ATTR_ETHERNET
	keyVLAN         = 5  // OVS_KEY_ATTR_VLAN
	keyEthertype    = 6  // OVS_KEY_ATTR_ETHERTYPE
	keyIPv4         = 7  // OVS_KEY_ATTR_IPV4
	keyIPv6         = 8  // OVS_KEY_ATTR_IPV6
	keyTCP          = 9  // OVS_KEY_ATTR_TCP
	keyUDP          = 10 // OVS_KEY_ATTR_UDP
	keyICMP         = 11 // OVS_KEY_ATTR_ICMP
	keyICMPv6       = 12 // OVS_KEY_ATTR_ICMPV6
	keyARP          = 13 // OVS_KEY_ATTR_ARP
	keyND           = 14 // OVS_KEY_ATTR_ND
	keySkbMark      = 15 // OVS_KEY_ATTR_SKB_MARK
	keyTunnel       = 16 // OVS_KEY_ATTR_TUNNEL
	keySCTP         = 17 // OVS_KEY_ATTR_SCTP
	keyTCPFlags     = 18 // OVS_KEY_ATTR_TCP_FLAGS
	keyDPHash       = 19 // OVS_KEY_ATTR_DP_HASH
	keyRecircID     = 20 // OVS_KEY_ATTR_RECIRC_ID
	keyMPLS         = 21 // OVS_KEY_ATTR_MPLS
	keyCTState      = 22 // OVS_KEY_ATTR_CT_STATE
	keyCTZone       = 23 // OVS_KEY_ATTR_CT_ZONE
	keyCTMark       = 24 // OVS_KEY_ATTR_CT_MARK
	keyCTLabels     = 25 // OVS_KEY_ATTR_CT_LABELS
	keyCTTupleIPv4  = 26 // OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4
	keyCTTupleIPv6  = 27 // OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6
	keyNSH          = 28 // OVS_KEY_ATTR_NSH
	keyPacketType   = 29 // OVS_KEY_ATTR_PACKET_TYPE
	keyNDExtensions = 30 // OVS_KEY_ATTR_ND_EXTENSIONS
	keyTunnelInfo   = 31 // OVS_KEY_ATTR_TUNNEL_INFO (kernel-internal)
	keyIPv6Exthdrs  = 32 // OVS_KEY_ATTR_IPV6_EXTHDRS
	keyMax          = 32
)

// enum ovs_action_attr.
const (
	actOutput      = 1  // OVS_ACTION_ATTR_OUTPUT
	actUserspace   = 2  // OVS_ACTION_ATTR_USERSPACE
	actSet         = 3  // OVS_ACTION_ATTR_SET
	actPushVLAN    = 4  // OVS_ACTION_ATTR_PUSH_VLAN
	actPopVLAN     = 5  // OVS_ACTION_ATTR_POP_VLAN
	actSample      = 6  // OVS_ACTION_ATTR_SAMPLE
	actRecirc      = 7  // OVS_ACTION_ATTR_RECIRC
	actHash        = 8  // OVS_ACTION_ATTR_HASH
	actPushMPLS    = 9  // OVS_ACTION_ATTR_PUSH_MPLS
	actPopMPLS     = 10 // OVS_ACTION_ATTR_POP_MPLS
	actSetMasked   = 11 // OVS_ACTION_ATTR_SET_MASKED
	actCT          = 12 // OVS_ACTION_ATTR_CT
	actTrunc       = 13 // OVS_ACTION_ATTR_TRUNC
	actPushEth     = 14 // OVS_ACTION_ATTR_PUSH_ETH
	actPopEth      = 15 // OVS_ACTION_ATTR_POP_ETH
	actCTClear     = 16 // OVS_ACTION_ATTR_CT_CLEAR
	actPushNSH     = 17 // OVS_ACTION_ATTR_PUSH_NSH
	actPopNSH      = 18 // OVS_ACTION_ATTR_POP_NSH
	actMeter       = 19 // OVS_ACTION_ATTR_METER
	actClone       = 20 // OVS_ACTION_ATTR_CLONE
	actCheckPktLen = 21 // OVS_ACTION_ATTR_CHECK_PKT_LEN
	actAddMPLS     = 22 // OVS_ACTION_ATTR_ADD_MPLS
	actDecTTL      = 23 // OVS_ACTION_ATTR_DEC_TTL
	actDrop        = 24 // OVS_ACTION_ATTR_DROP
)

// enum ovs_ct_attr.
const (
	ctAttrCommit      = 1 // OVS_CT_ATTR_COMMIT
	ctAttrZone        = 2 // OVS_CT_ATTR_ZONE
	ctAttrMark        = 3 // OVS_CT_ATTR_MARK
	ctAttrLabels      = 4 // OVS_CT_ATTR_LABELS
	ctAttrHelper      = 5 // OVS_CT_ATTR_HELPER
	ctAttrNAT         = 6 // OVS_CT_ATTR_NAT
	ctAttrForceCommit = 7 // OVS_CT_ATTR_FORCE_COMMIT
	ctAttrEventmask   = 8 // OVS_CT_ATTR_EVENTMASK
	ctAttrTimeout     = 9 // OVS_CT_ATTR_TIMEOUT
)

// enum ovs_userspace_attr.
const (
	userspaceAttrPID           = 1 // OVS_USERSPACE_ATTR_PID
	userspaceAttrUserdata      = 2 // OVS_USERSPACE_ATTR_USERDATA
	userspaceAttrEgressTunPort = 3 // OVS_USERSPACE_ATTR_EGRESS_TUN_PORT
	userspaceAttrActions       = 4 // OVS_USERSPACE_ATTR_ACTIONS
)
