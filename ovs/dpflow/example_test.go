package dpflow_test

import (
	"fmt"
	"strings"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// A line from `ovs-appctl dpctl/dump-flows -m type=offloaded` (Corigine
// guide): typed values are decoded on demand from the raw attributes.
func ExampleParse() {
	f, err := dpflow.Parse(`ufid:91cc45de-e7e9-4935-8f82-1890430b0f66, ct_state(0/0x23),recirc_id(0),in_port(5b45c61b307e_h),eth(src=00:00:00:c5:6d:4e,dst=00:00:00:e7:16:ce),eth_type(0x0800),ipv4(src=10.16.0.0/255.255.0.0,frag=no), packets:941539, bytes:62142230, used:0.260s, offloaded:yes, dp:tc, actions:54235e5753b8_h`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.UFID, f.InPort, f.Placement(), f.Packets, f.Used)
	ipv4, _ := f.Key("ipv4")
	src, _ := ipv4.Field("src")
	m, _ := dpflow.ParseMaskedIP(src)
	p, _ := m.Prefix()
	fmt.Println("ipv4 src", p)
	ct, _ := f.Key("ct_state")
	v, mask, _ := dpflow.ParseCTState(ct.Args())
	fmt.Printf("ct_state %v/%#x\n", v, uint32(mask))
	for port := range f.Outputs() {
		fmt.Println("output", port)
	}
	// Output:
	// 91cc45de-e7e9-4935-8f82-1890430b0f66 5b45c61b307e_h hardware 941539 260ms
	// ipv4 src 10.16.0.0/16
	// ct_state 0/0x23
	// output 54235e5753b8_h
}

// Streaming a dump and building the offload report.
func ExampleScanner() {
	dump := `flow-dump from the main thread:
ufid:91cc45de-e7e9-4935-8f82-1890430b0f66, recirc_id(0),in_port(pf0vf1), packets:10, bytes:600, used:0.260s, offloaded:yes, dp:tc, actions:pf0vf2
ufid:e00768d7-e652-4d79-8182-3291d852b791, recirc_id(0),in_port(pf0vf2), packets:5, bytes:300, used:0.300s, dp:ovs, actions:hash(l4(0)),recirc(0x3a)
`
	r := dpflow.NewReport()
	for f, err := range dpflow.NewScanner(strings.NewReader(dump), dpflow.Options{}).All() {
		if err != nil {
			fmt.Println(err)
			continue
		}
		r.Add(f)
	}
	fmt.Printf("%d of %d flows in hardware\n", r.Offloaded.Flows, r.Total.Flows)
	for _, fd := range r.Findings {
		fmt.Printf("line %d %s: %s: %s (%s)\n", fd.Line, fd.InPort, fd.Reason, fd.Reason.Explain(), fd.Detail)
	}
	// Output:
	// 1 of 2 flows in hardware
	// line 3 pf0vf2: hash: dp_hash/hash (load balancer or select group): not offloadable (hash(l4(0)))
}
