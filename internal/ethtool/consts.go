package ethtool

// Numbers from include/uapi/linux/ethtool_netlink.h, defined here so the
// codec builds and is tested on every OS (golang.org/x/sys/unix has them on
// Linux only); a Linux test checks them against unix.

// GenlName is the generic netlink family name (ETHTOOL_GENL_NAME).
const GenlName = "ethtool"

// Message types. Requests and replies have separate enums in the header;
// for features the numbers coincide.
const (
	MsgFeaturesGet      = 11 // ETHTOOL_MSG_FEATURES_GET
	MsgFeaturesSet      = 12 // ETHTOOL_MSG_FEATURES_SET
	MsgFeaturesGetReply = 11 // ETHTOOL_MSG_FEATURES_GET_REPLY
	MsgFeaturesSetReply = 12 // ETHTOOL_MSG_FEATURES_SET_REPLY
)

// Request header (ETHTOOL_A_HEADER_*) and its flags (ETHTOOL_FLAG_*).
const (
	attrHeaderDevIndex = 1 // u32
	attrHeaderDevName  = 2 // string
	attrHeaderFlags    = 3 // u32

	flagCompactBitsets = 1 // ETHTOOL_FLAG_COMPACT_BITSETS
	flagOmitReply      = 2 // ETHTOOL_FLAG_OMIT_REPLY
)

// Features message attributes (ETHTOOL_A_FEATURES_*).
const (
	attrFeaturesHeader   = 1 // nested header
	attrFeaturesHW       = 2 // bitset: changeable features (value), all (mask)
	attrFeaturesWanted   = 3 // bitset: requested
	attrFeaturesActive   = 4 // bitset: active
	attrFeaturesNoChange = 5 // bitset: never changeable
)

// Bitsets (ETHTOOL_A_BITSET_*, ETHTOOL_A_BITSET_BITS_*, ETHTOOL_A_BITSET_BIT_*).
const (
	attrBitsetNoMask = 1 // flag: a list, no mask
	attrBitsetSize   = 2 // u32: number of significant bits
	attrBitsetBits   = 3 // nested: verbose form
	attrBitsetValue  = 4 // binary: compact form, u32 words
	attrBitsetMask   = 5 // binary: compact form, u32 words

	attrBitsetBitsBit = 1 // nested: one bit

	attrBitIndex = 1 // u32
	attrBitName  = 2 // string
	attrBitValue = 3 // flag
)
