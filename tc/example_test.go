package tc_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/tc"
)

// A flower filter as OVS would install it for a VF representor: match
// IPv4 to 10.0.0.0/24 on VLAN 100, redirect to ifindex 7, software only,
// with the flow's UFID in the action cookie. EncodeFilter builds the
// RTM_NEWTFILTER body; DecodeFilter reads it back as a dump would.
func ExampleEncodeFilter() {
	vlan := uint16(100)
	ufid, _ := dpflow.ParseUFID("67c2e10f-92d4-4574-be70-d072815ff166")
	// OVS writes the UFID in its own memory layout: this host's byte order.
	cookie := ufid.Cookie(binary.NativeEndian)
	f := tc.Filter{
		Kind: "flower", Parent: tc.ParentIngress, Priority: 1, Protocol: tc.EthP8021Q,
		Flags: tc.FlagSkipHW,
		Flower: &tc.Flower{Key: tc.FlowerKey{
			VLAN: &tc.VLANKey{ID: &vlan, EthType: tc.EthPIPv4},
			Dst:  tc.IPMatch{Addr: netip.MustParseAddr("10.0.0.0"), Mask: netip.MustParseAddr("255.255.255.0")},
		}},
		Actions: []tc.Action{{
			Kind: "mirred", Verdict: tc.VerdictStolen, Cookie: cookie[:],
			Mirred: &tc.Mirred{Action: tc.EgressRedirect, Ifindex: 7},
		}},
	}
	body, err := tc.EncodeFilter(5, f)
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := tc.DecodeFilter(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ := got.Actions[0].UFID()
	fmt.Println(got.Parent, got.Priority, got.Flags)
	fmt.Println(got.Flower.Key)
	fmt.Println(tc.ActionsString(got.Actions), u)
	// Output:
	// ffff:fff2 1 skip_hw
	// eth_type 0x8100 vlan_id 100 dst_ip 10.0.0.0/24
	// mirred egress redirect ifindex 7 67c2e10f-92d4-4574-be70-d072815ff166
}
