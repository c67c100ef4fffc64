//go:build linux

package ethtool

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestConstantsMatchUnix checks the numbers consts.go copies from the uapi
// header against golang.org/x/sys/unix.
func TestConstantsMatchUnix(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"MsgFeaturesGet", MsgFeaturesGet, unix.ETHTOOL_MSG_FEATURES_GET},
		{"MsgFeaturesSet", MsgFeaturesSet, unix.ETHTOOL_MSG_FEATURES_SET},
		{"MsgFeaturesGetReply", MsgFeaturesGetReply, unix.ETHTOOL_MSG_FEATURES_GET_REPLY},
		{"MsgFeaturesSetReply", MsgFeaturesSetReply, unix.ETHTOOL_MSG_FEATURES_SET_REPLY},
		{"attrHeaderDevIndex", attrHeaderDevIndex, unix.ETHTOOL_A_HEADER_DEV_INDEX},
		{"attrHeaderDevName", attrHeaderDevName, unix.ETHTOOL_A_HEADER_DEV_NAME},
		{"attrHeaderFlags", attrHeaderFlags, unix.ETHTOOL_A_HEADER_FLAGS},
		{"flagCompactBitsets", flagCompactBitsets, unix.ETHTOOL_FLAG_COMPACT_BITSETS},
		{"flagOmitReply", flagOmitReply, unix.ETHTOOL_FLAG_OMIT_REPLY},
		{"attrFeaturesHeader", attrFeaturesHeader, unix.ETHTOOL_A_FEATURES_HEADER},
		{"attrFeaturesHW", attrFeaturesHW, unix.ETHTOOL_A_FEATURES_HW},
		{"attrFeaturesWanted", attrFeaturesWanted, unix.ETHTOOL_A_FEATURES_WANTED},
		{"attrFeaturesActive", attrFeaturesActive, unix.ETHTOOL_A_FEATURES_ACTIVE},
		{"attrFeaturesNoChange", attrFeaturesNoChange, unix.ETHTOOL_A_FEATURES_NOCHANGE},
		{"attrBitsetNoMask", attrBitsetNoMask, unix.ETHTOOL_A_BITSET_NOMASK},
		{"attrBitsetSize", attrBitsetSize, unix.ETHTOOL_A_BITSET_SIZE},
		{"attrBitsetBits", attrBitsetBits, unix.ETHTOOL_A_BITSET_BITS},
		{"attrBitsetValue", attrBitsetValue, unix.ETHTOOL_A_BITSET_VALUE},
		{"attrBitsetMask", attrBitsetMask, unix.ETHTOOL_A_BITSET_MASK},
		{"attrBitsetBitsBit", attrBitsetBitsBit, unix.ETHTOOL_A_BITSET_BITS_BIT},
		{"attrBitIndex", attrBitIndex, unix.ETHTOOL_A_BITSET_BIT_INDEX},
		{"attrBitName", attrBitName, unix.ETHTOOL_A_BITSET_BIT_NAME},
		{"attrBitValue", attrBitValue, unix.ETHTOOL_A_BITSET_BIT_VALUE},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, unix says %d", c.name, c.got, c.want)
		}
	}
	if GenlName != unix.ETHTOOL_GENL_NAME {
		t.Errorf("GenlName = %q", GenlName)
	}
}
