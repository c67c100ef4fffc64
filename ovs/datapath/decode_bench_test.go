package datapath_test

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
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

// TestDecoderReuseMatchesFresh: a Decoder reuses what it rendered for the
// previous flow where the bytes are the same; every flow of the recorded
// dumps, decoded in a shuffled order, several times over and in every
// rendering mode, must come out exactly as a fresh Decoder renders it.
func TestDecoderReuseMatchesFresh(t *testing.T) {
	t.Parallel()
	flows := fixturePayloads(t, "flow")
	// Variants whose key or mask differ from a recorded flow's in one
	// attribute's bytes, so that a flow may have the same key as the one
	// before it but not the same mask, or the reverse.
	n := len(flows)
	for _, outer := range []uint16{1, 7} { // OVS_FLOW_ATTR_KEY, OVS_FLOW_ATTR_MASK
		for i := range n {
			if v := flipInner(flows[i], outer); v != nil {
				flows = append(flows, v)
			}
		}
	}
	if len(flows) < 3*n {
		t.Fatalf("only %d variants of %d flows", len(flows)-n, n)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var order []int
	for range 20 {
		order = append(order, rng.Perm(len(flows))...)
	}
	render := func(f *datapath.Flow) string {
		var b strings.Builder
		for _, a := range f.Flow.Match {
			b.WriteString(a.Name + "|" + a.Text + ",")
		}
		b.WriteString(" actions:")
		for _, a := range f.Flow.Actions {
			b.WriteString(a.Name + "|" + a.Text + ",")
		}
		return b.String() + " in_port=" + f.InPort
	}
	for _, opts := range []datapath.FlowOptions{{}, {Terse: true}, {Names: true}} {
		names := map[uint32]string{1: "p1", 2: "veth-a", 3: "veth-b"}
		d := datapath.NewDecoder(opts, names)
		var f datapath.Flow
		kept := make([]*datapath.Flow, 0, len(order))
		for _, i := range order {
			if err := d.Decode(flows[i], &f); err != nil {
				t.Fatal(err)
			}
			var fresh datapath.Flow
			if err := datapath.NewDecoder(opts, names).Decode(flows[i], &fresh); err != nil {
				t.Fatal(err)
			}
			if got, want := render(&f), render(&fresh); got != want {
				t.Fatalf("%+v: flow %d decoded after others:\n%s\nfresh:\n%s", opts, i, got, want)
			}
			kept = append(kept, f.Clone())
		}
		// Strings handed out earlier are never overwritten.
		for k, i := range order {
			var fresh datapath.Flow
			if err := datapath.NewDecoder(opts, names).Decode(flows[i], &fresh); err != nil {
				t.Fatal(err)
			}
			if got, want := render(kept[k]), render(&fresh); got != want {
				t.Fatalf("%+v: kept flow %d changed since:\n%s\nwant:\n%s", opts, k, got, want)
			}
		}
	}
}

// flipInner returns a copy of the flow payload b (struct ovs_header, then
// attributes) whose flow attribute outer has the first data byte of each
// flat key attribute inverted (priority, ethernet, ipv4, arp, skb_mark,
// dp_hash, ct_state, ct_zone, ct_mark: none nested); nil when there is
// none.
func flipInner(b []byte, outer uint16) []byte {
	c := append([]byte(nil), b...)
	changed := false
	walkAttrs(c[4:], func(t uint16, data []byte) {
		if t != outer {
			return
		}
		walkAttrs(data, func(t uint16, d []byte) {
			switch t {
			case 2, 4, 7, 13, 15, 19, 22, 23, 24:
				if len(d) > 0 {
					d[0] ^= 0xff
					changed = true
				}
			}
		})
	})
	if !changed {
		return nil
	}
	return c
}

// BenchmarkDecodeOneRule decodes flows that share one mask and differ in
// the IPv4 source and the UFID, as the megaflows one OpenFlow rule makes:
// the common shape of a large dump (and of hack/datapath-bench's).
func BenchmarkDecodeOneRule(b *testing.B) {
	flows := oneRuleFlows(b, 1024)
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

// oneRuleFlows makes n copies of the first recorded flow with an IPv4 key,
// each with its own IPv4 source address.
func oneRuleFlows(tb testing.TB, n int) [][]byte {
	tb.Helper()
	for _, p := range fixturePayloads(tb, "flow") {
		var out [][]byte
		for i := range n {
			c := append([]byte(nil), p...)
			found := false
			walkAttrs(c[4:], func(t uint16, data []byte) {
				if t != 1 { // OVS_FLOW_ATTR_KEY
					return
				}
				walkAttrs(data, func(t uint16, d []byte) {
					if t == 7 && len(d) >= 4 { // OVS_KEY_ATTR_IPV4: src first
						binary.BigEndian.PutUint32(d, 0x0a000000+uint32(i))
						found = true
					}
				})
			})
			if !found {
				break
			}
			out = append(out, c)
		}
		if len(out) == n {
			return out
		}
	}
	tb.Fatal("no recorded flow with an IPv4 key")
	return nil
}

func walkAttrs(p []byte, fn func(t uint16, data []byte)) {
	for len(p) >= 4 {
		l := int(binary.NativeEndian.Uint16(p))
		if l < 4 || l > len(p) {
			return
		}
		fn(binary.NativeEndian.Uint16(p[2:])&0x3fff, p[4:l])
		p = p[min((l+3)&^3, len(p)):]
	}
}
