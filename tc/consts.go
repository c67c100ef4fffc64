package tc

// Attribute numbers from the Linux uapi headers (rtnetlink.h, pkt_cls.h,
// pkt_sched.h, gen_stats.h, tc_act/*.h). golang.org/x/sys/unix lacks most
// of them; they are stable kernel ABI.

const tcmsgLen = 20 // sizeof(struct tcmsg)

// rtnetlink message types.
const (
	rtmNewLink    = 16
	rtmGetLink    = 18
	rtmNewQdisc   = 36
	rtmGetQdisc   = 38
	rtmNewTFilter = 44
	rtmDelTFilter = 45
	rtmGetTFilter = 46
	rtmNewChain   = 100
	rtmGetChain   = 102
)

// iflaIfname is IFLA_IFNAME, the one link attribute resolve sends.
const iflaIfname = 3

// TCA_* (top level of a tc message).
const (
	tcaKind         = 1
	tcaOptions      = 2
	tcaStats2       = 7
	tcaChain        = 11
	tcaHWOffload    = 12
	tcaIngressBlock = 13
	tcaEgressBlock  = 14
)

// TCA_STATS_* (inside TCA_STATS2 and TCA_ACT_STATS).
const (
	tcaStatsBasic   = 1
	tcaStatsQueue   = 3
	tcaStatsBasicHW = 7
	tcaStatsPkt64   = 8
)

// TCA_ACT_*.
const (
	tcaActKind        = 1
	tcaActOptions     = 2
	tcaActIndex       = 3
	tcaActStats       = 4
	tcaActCookie      = 6
	tcaActFlags       = 7
	tcaActHWStats     = 8
	tcaActUsedHWStats = 9
	tcaActInHWCount   = 10
)

// TCA_FLOWER_*.
const (
	flClassID           = 1
	flIndev             = 2
	flAct               = 3
	flEthDst            = 4
	flEthDstMask        = 5
	flEthSrc            = 6
	flEthSrcMask        = 7
	flEthType           = 8
	flIPProto           = 9
	flIPv4Src           = 10
	flIPv4SrcMask       = 11
	flIPv4Dst           = 12
	flIPv4DstMask       = 13
	flIPv6Src           = 14
	flIPv6SrcMask       = 15
	flIPv6Dst           = 16
	flIPv6DstMask       = 17
	flTCPSrc            = 18
	flTCPDst            = 19
	flUDPSrc            = 20
	flUDPDst            = 21
	flFlags             = 22
	flVLANID            = 23
	flVLANPrio          = 24
	flVLANEthType       = 25
	flEncKeyID          = 26
	flEncIPv4Src        = 27
	flEncIPv4SrcMask    = 28
	flEncIPv4Dst        = 29
	flEncIPv4DstMask    = 30
	flEncIPv6Src        = 31
	flEncIPv6SrcMask    = 32
	flEncIPv6Dst        = 33
	flEncIPv6DstMask    = 34
	flTCPSrcMask        = 35
	flTCPDstMask        = 36
	flUDPSrcMask        = 37
	flUDPDstMask        = 38
	flSCTPSrcMask       = 39
	flSCTPDstMask       = 40
	flSCTPSrc           = 41
	flSCTPDst           = 42
	flEncUDPSrcPort     = 43
	flEncUDPSrcPortMask = 44
	flEncUDPDstPort     = 45
	flEncUDPDstPortMask = 46
	flKeyFlags          = 47
	flKeyFlagsMask      = 48
	flICMPv4Code        = 49
	flICMPv4CodeMask    = 50
	flICMPv4Type        = 51
	flICMPv4TypeMask    = 52
	flICMPv6Code        = 53
	flICMPv6CodeMask    = 54
	flICMPv6Type        = 55
	flICMPv6TypeMask    = 56
	flARPSIP            = 57
	flARPSIPMask        = 58
	flARPTIP            = 59
	flARPTIPMask        = 60
	flARPOp             = 61
	flARPOpMask         = 62
	flARPSHA            = 63
	flARPSHAMask        = 64
	flARPTHA            = 65
	flARPTHAMask        = 66
	flTCPFlags          = 71
	flTCPFlagsMask      = 72
	flIPTOS             = 73
	flIPTOSMask         = 74
	flIPTTL             = 75
	flIPTTLMask         = 76
	flCVLANID           = 77
	flCVLANPrio         = 78
	flCVLANEthType      = 79
	flEncIPTOS          = 80
	flEncIPTOSMask      = 81
	flEncIPTTL          = 82
	flEncIPTTLMask      = 83
	flEncOpts           = 84
	flEncOptsMask       = 85
	flInHWCount         = 86
	flPortSrcMin        = 87
	flPortSrcMax        = 88
	flPortDstMin        = 89
	flPortDstMax        = 90
	flCTState           = 91
	flCTStateMask       = 92
	flCTZone            = 93
	flCTZoneMask        = 94
	flCTMark            = 95
	flCTMarkMask        = 96
	flCTLabels          = 97
	flCTLabelsMask      = 98
	flNumVLANs          = 102
	flEncOptsGeneve     = 1 // inside flEncOpts
	geneveClass         = 1 // TCA_FLOWER_KEY_ENC_OPT_GENEVE_CLASS, also TCA_TUNNEL_KEY_ENC_OPT_GENEVE_*
	geneveType          = 2
	geneveData          = 3
)

// Action option attributes by kind.
const (
	mirredParms = 2

	gactParms = 2

	tunkeyParms    = 2
	tunkeyIPv4Src  = 3
	tunkeyIPv4Dst  = 4
	tunkeyIPv6Src  = 5
	tunkeyIPv6Dst  = 6
	tunkeyKeyID    = 7
	tunkeyDstPort  = 9
	tunkeyNoCsum   = 10
	tunkeyEncOpts  = 11
	tunkeyTOS      = 12
	tunkeyTTL      = 13
	tunkeyOptsGnv  = 1
	tunkeyActSet   = 1
	tunkeyActUnset = 2

	vlanParms    = 2
	vlanPushID   = 3
	vlanPushProt = 4
	vlanPushPrio = 6

	peditParms   = 2
	peditParmsEx = 4
	peditKeysEx  = 5
	peditKeyEx   = 6
	peditHType   = 1
	peditCmd     = 2

	csumParms = 1

	ctParms      = 1
	ctTM         = 2
	ctAction     = 3
	ctZone       = 4
	ctMark       = 5
	ctMarkMask   = 6
	ctLabels     = 7
	ctLabelsMask = 8
	ctNATv4Min   = 9
	ctNATv4Max   = 10
	ctNATv6Min   = 11
	ctNATv6Max   = 12
	ctPortMin    = 13
	ctPortMax    = 14

	policeTBF      = 1
	policeResult   = 5
	policeTM       = 6
	policeRate64   = 8
	policePeak64   = 9
	policePktRate  = 10
	policePktBurst = 11

	skbeditParms = 2
	skbeditPrio  = 3
	skbeditQueue = 4
	skbeditMark  = 5
	skbeditPType = 7
	skbeditMask  = 8

	// Most kinds put struct tcf_t at attribute 1; csum and ct at 2, police at 6.
	actTM = 1
)

const tcGenLen = 20 // index, capab, action, refcnt, bindcnt
