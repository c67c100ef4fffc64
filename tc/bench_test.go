package tc

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
)

// recordedDump10k builds a dump of n flower filters from the filter
// messages the vmtest guest's kernel returned (testdata/tc/vm-dump-flower.nl:
// skip_hw and not_in_hw filters with gact, vlan, tunnel_key, mirred and ct
// actions and their stats), cycling through them with distinct handles.
func recordedDump10k(b *testing.B, n int) []netlink.Message {
	fx := loadFixture(b, "vm-dump-flower")
	var proto []netlink.Message
	for _, m := range fx.recv {
		if m.Header.Type == rtmNewTFilter && len(m.Data) > 64 {
			proto = append(proto, m)
		}
	}
	if len(proto) == 0 {
		b.Fatal("no filters in the recorded dump")
	}
	msgs := make([]netlink.Message, n)
	for i := range msgs {
		p := proto[i%len(proto)]
		d := append([]byte(nil), p.Data...)
		binary.NativeEndian.PutUint32(d[8:12], uint32(i+1)) // handle
		msgs[i] = netlink.Message{Header: netlink.Header{Type: rtmNewTFilter, Flags: netlink.Multi}, Data: d}
	}
	return msgs
}

// BenchmarkDecodeDump10k decodes 10k recorded flower filter messages.
func BenchmarkDecodeDump10k(b *testing.B) {
	msgs := recordedDump10k(b, 10000)
	var bytes int
	for _, m := range msgs {
		bytes += len(m.Data)
	}
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			if _, err := DecodeFilter(m.Data); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/filter")
}

// BenchmarkFilterList10k dumps 10k recorded filters through the Client and
// a fake socket: request, netlink framing, decoding, the slice.
func BenchmarkFilterList10k(b *testing.B) {
	msgs := recordedDump10k(b, 10000)
	c := NewClient(nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
		out := make([]netlink.Message, len(msgs)+1)
		for i, m := range msgs {
			m.Header.Sequence, m.Header.PID = req[0].Header.Sequence, req[0].Header.PID
			out[i] = m
		}
		out[len(msgs)] = netlink.Message{Header: netlink.Header{Sequence: req[0].Header.Sequence, PID: req[0].Header.PID}, Data: make([]byte, 4)}
		return nltest.Multipart(out)
	}))
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		fs, err := c.FilterList(ctx, Interface{Index: 3}, ParentIngress)
		if err != nil {
			b.Fatal(err)
		}
		if len(fs) != len(msgs) {
			b.Fatalf("%d filters", len(fs))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/filter")
}
