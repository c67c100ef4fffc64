package tc

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestUAPIConstants checks the local copies against x/sys/unix where it has
// them (message types and the top-level TCA_* attributes). It has none of
// the flower, action or stats attributes: those are checked against a real
// kernel by the recorded fixtures and TestVMFlowerRoundTrip.
func TestUAPIConstants(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"RTM_NEWLINK", rtmNewLink, unix.RTM_NEWLINK},
		{"RTM_GETLINK", rtmGetLink, unix.RTM_GETLINK},
		{"RTM_NEWQDISC", rtmNewQdisc, unix.RTM_NEWQDISC},
		{"RTM_GETQDISC", rtmGetQdisc, unix.RTM_GETQDISC},
		{"RTM_NEWTFILTER", rtmNewTFilter, unix.RTM_NEWTFILTER},
		{"RTM_DELTFILTER", rtmDelTFilter, unix.RTM_DELTFILTER},
		{"RTM_GETTFILTER", rtmGetTFilter, unix.RTM_GETTFILTER},
		{"RTM_NEWCHAIN", rtmNewChain, unix.RTM_NEWCHAIN},
		{"RTM_GETCHAIN", rtmGetChain, unix.RTM_GETCHAIN},
		{"IFLA_IFNAME", iflaIfname, unix.IFLA_IFNAME},
		{"TCA_KIND", tcaKind, unix.TCA_KIND},
		{"TCA_OPTIONS", tcaOptions, unix.TCA_OPTIONS},
		{"TCA_STATS2", tcaStats2, unix.TCA_STATS2},
		{"TCA_CHAIN", tcaChain, unix.TCA_CHAIN},
		{"TCA_HW_OFFLOAD", tcaHWOffload, unix.TCA_HW_OFFLOAD},
		{"TCA_INGRESS_BLOCK", tcaIngressBlock, unix.TCA_INGRESS_BLOCK},
		{"TCA_EGRESS_BLOCK", tcaEgressBlock, unix.TCA_EGRESS_BLOCK},
		{"sizeof(struct ifinfomsg)", ifinfomsgLen, unix.SizeofIfInfomsg},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}
