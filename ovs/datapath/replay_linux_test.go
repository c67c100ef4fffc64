//go:build linux

package datapath_test

import (
	"context"
	"encoding/binary"
	"iter"
	"runtime"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"

	"github.com/offloadkit/offloadkit/ovs/datapath"
)

// replayFlows answers a flow dump with n copies of recorded flow messages
// (each with its own UFID), made datagram by datagram as the reader reads,
// as a kernel fills one receive buffer after another, so a dump of a
// million flows never exists in memory at once. Other requests go to the
// fake kernel.
func replayFlows(k *fakeKernel, flows [][]byte, n int) func(netlink.Message) iter.Seq[[]netlink.Message] {
	return func(req netlink.Message) iter.Seq[[]netlink.Message] {
		if req.Header.Type != famFlow {
			msgs, err := k.serve([]netlink.Message{req})
			return chunked(req, msgs, err)
		}
		return func(yield func([]netlink.Message) bool) {
			// The messages and their bytes are reused from one datagram
			// to the next: the writer has encoded a datagram before it
			// asks for the next.
			buf := make([]netlink.Message, 0, dgramMsgs+1)
			var data [dgramMsgs][]byte
			for next := 0; ; {
				buf = buf[:0]
				for len(buf) < dgramMsgs && next < n {
					src := flows[next%len(flows)]
					m := netlink.Message{Header: netlink.Header{Type: famFlow, Flags: netlink.Multi, Sequence: req.Header.Sequence, PID: req.Header.PID}}
					d := &data[len(buf)]
					*d = append((*d)[:0], src...)
					m.Data = *d
					// The UFID is the first flow attribute in the kernel's
					// replies (4 genl + 4 ovs_header + 4 attribute header).
					binary.NativeEndian.PutUint64(m.Data[12:], uint64(next))
					buf = append(buf, m)
					next++
				}
				if next >= n {
					buf = append(buf, netlink.Message{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi, Sequence: req.Header.Sequence, PID: req.Header.PID}, Data: make([]byte, 4)})
					yield(buf)
					return
				}
				if !yield(buf) {
					return
				}
			}
		}
	}
}

func replayClient(tb testing.TB, n int) (*datapath.Client, int) {
	tb.Helper()
	msgs, _ := fixture(tb)
	if len(msgs["flow"]) == 0 {
		tb.Fatal("no recorded flows")
	}
	s := newPairSocket(tb, replayFlows(&fakeKernel{}, msgs["flow"], n))
	//nolint:staticcheck // netlink.Socket is the package's own test seam.
	c, err := datapath.New(netlink.NewConn(s, nltest.PID))
	if err != nil {
		tb.Fatal(err)
	}
	dp := int(int32(binary.NativeEndian.Uint32(msgs["flow"][0][4:])))
	return c, dp
}

// BenchmarkFlowStream streams b.N flows (the recorded 6.1 flows, cycled
// with fresh UFIDs) in one dump through the Client: ns/op, B/op and
// allocs/op are per flow, decoding and rendering included. peak-heap-MB
// is the largest heap seen every 100,000 flows: run with -benchtime=1000000x
// to see a million-flow dump stay flat.
func BenchmarkFlowStream(b *testing.B) {
	c, dp := replayClient(b, b.N)
	defer c.Close()
	var ms runtime.MemStats
	peak := uint64(0)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for f, err := range c.Flows(context.Background(), dp, datapath.FlowOptions{}) {
		if err != nil {
			b.Fatal(err)
		}
		if f.Packets > 1<<62 {
			b.Fatal("impossible")
		}
		n++
		if n%100000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	b.StopTimer()
	if n != b.N {
		b.Fatalf("streamed %d flows, want %d", n, b.N)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// TestStreamMillionFlows streams a synthetic million-flow dump and checks
// that the heap in use stays flat: what grows per flow would show as
// hundreds of MB.
func TestStreamMillionFlows(t *testing.T) {
	// Not parallel: it measures the whole process's heap (runtime.MemStats), which parallel tests would grow.
	if testing.Short() || raceEnabled {
		t.Skip("streams 1,000,000 flows: seconds, but over a minute under -race or too long for -short")
	}
	const n = 1000000
	c, dp := replayClient(t, n)
	defer c.Close()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, uint64(0)
	got := 0
	for _, err := range c.Flows(context.Background(), dp, datapath.FlowOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got++
		if got%100000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if got != n {
		t.Fatalf("streamed %d flows, want %d", got, n)
	}
	growth := int64(peak) - int64(base)
	t.Logf("heap in use: %d MiB before, peak %d MiB while streaming %d flows", base>>20, peak>>20, n)
	// A dump held in memory would be ~350 MB of messages alone.
	if growth > 64<<20 {
		t.Errorf("heap grew by %d MiB while streaming: the dump is not streamed", growth>>20)
	}
}

// TestStreamOrderAndEarlyStop: a dump much longer than the receiver's
// read-ahead arrives complete and in the kernel's order, and a stream
// abandoned while the receiver is batches ahead leaves the socket in step:
// the next dump on it again delivers every flow from the first.
func TestStreamOrderAndEarlyStop(t *testing.T) {
	t.Parallel()
	const n = 5000
	c, dp := replayClient(t, n)
	defer c.Close()
	ufidWord := func(f *datapath.Flow) uint64 {
		b := f.UFID.Cookie(binary.NativeEndian)
		return binary.NativeEndian.Uint64(b[:8])
	}
	stream := func(stopAt int) []uint64 {
		var got []uint64
		for f, err := range c.Flows(context.Background(), dp, datapath.FlowOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ufidWord(f))
			if len(got) == stopAt {
				break
			}
		}
		return got
	}
	if got := stream(10); len(got) != 10 {
		t.Fatalf("stopped stream gave %d flows, want 10", len(got))
	}
	got := stream(-1)
	if len(got) != n {
		t.Fatalf("full dump after an abandoned one gave %d flows, want %d", len(got), n)
	}
	for i, u := range got {
		if u != uint64(i) {
			t.Fatalf("flow %d has UFID word %d: out of order or from the abandoned dump", i, u)
		}
	}
}
