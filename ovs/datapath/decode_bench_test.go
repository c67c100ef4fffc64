package datapath_test

import (
	"testing"

	"github.com/offloadkit/offloadkit/ovs/datapath"
)

// BenchmarkDecode decodes and renders the recorded 6.1 flows, without a
// socket: the per-flow cost of this package alone.
func BenchmarkDecode(b *testing.B) {
	flows := fixturePayloads(b, "flow")
	d := datapath.NewDecoder(datapath.FlowOptions{}, nil)
	var f datapath.Flow
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := d.Decode(flows[i%len(flows)], &f); err != nil {
			b.Fatal(err)
		}
	}
}
