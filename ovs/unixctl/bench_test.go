package unixctl

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// syntheticDump is n userspace-datapath -m lines shaped like the ones
// ovs-vswitchd 3.1 prints (see ovs_test.go), about 600 bytes each.
func syntheticDump(n int) string {
	var b strings.Builder
	b.WriteString("flow-dump from the main thread:\n")
	for i := range n {
		fmt.Fprintf(&b, "ufid:5eb34547-e84c-490a-abaf-%012x, skb_priority(0/0),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),recirc_id(0),dp_hash(0/0),in_port(uct-a),packet_type(ns=0,id=0),eth(src=02:00:00:%02x:%02x:01,dst=02:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.%d.%d.%d,dst=10.200.0.1,proto=17,tos=0,ttl=64,frag=no),udp(src=%d,dst=4789), packets:0, bytes:0, used:never, dp:ovs, actions:uct-b, dp-extra-info:miniflow_bits(5,1)\n",
			i, i>>8&0xff, i&0xff, 100+i>>16, i>>8&0xff, i&0xff, 1024+i%50000)
	}
	return b.String()
}

// BenchmarkDecodeReply10k measures the client's share of a 10k-flow dump:
// framing and decoding the JSON reply (MB/s of JSON).
func BenchmarkDecodeReply10k(b *testing.B) {
	reply := okReply(json.RawMessage("7"), syntheticDump(10000))
	b.SetBytes(int64(len(reply)))
	b.ReportAllocs()
	for b.Loop() {
		var f framer
		end, err := f.scan(reply)
		if err != nil || end != len(reply) {
			b.Fatal(end, err)
		}
		r, err := DecodeReply(reply)
		if err != nil || len(r.Result) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallFake10k is a whole call against the in-process fake server
// answering with a 10k-flow -m dump: socket transfer, framing, decoding.
// Against it, the real ovs-vswitchd spends most of a dump formatting.
func BenchmarkCallFake10k(b *testing.B) {
	dump := syntheticDump(10000)
	s := newFakeServer(b, func(method string, params []string, id json.RawMessage) []byte {
		return okReply(id, dump)
	})
	ctx := context.Background()
	c, err := Dial(ctx, Config{Path: s.path})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetBytes(int64(len(dump)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := c.CallBytes(ctx, "dpctl/dump-flows", "-m")
		if err != nil || len(out) != len(dump) {
			b.Fatal(len(out), err)
		}
	}
}
