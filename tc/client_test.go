package tc

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/tc/tctest"
)

// fakeKernel answers RTM_GETLINK for "v0" (ifindex 3) and hands other
// requests to fn.
func fakeKernel(t *testing.T, fn nltest.Func) *Client {
	t.Helper()
	c := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
		if req[0].Header.Type == 18 { // RTM_GETLINK
			a := newAttrs(req[0].Data[ifinfomsgLen:])
			for a.next() {
				if a.t() == 3 && a.str() != "v0" {
					return nltest.Error(int(19), req) // ENODEV
				}
			}
			body := make([]byte, ifinfomsgLen)
			binary.NativeEndian.PutUint32(body[4:8], 3)
			h := netlink.Header{Type: 16, Sequence: req[0].Header.Sequence, PID: req[0].Header.PID}
			return []netlink.Message{{Header: h, Data: body}}, nil
		}
		return fn(req)
	})
	cl := NewClient(c)
	t.Cleanup(func() { cl.Close() })
	return cl
}

func TestAddFilterSendsIproute2Bytes(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t, "add-ipv6-tcp-mirred")
	want := sentOfType(fx, rtmNewTFilter)[0]
	f, err := DecodeFilter(want.Data)
	if err != nil {
		t.Fatal(err)
	}
	var got netlink.Message
	cl := fakeKernel(t, func(req []netlink.Message) ([]netlink.Message, error) {
		got = req[0]
		return nltest.Error(0, req) // ack
	})
	if err := cl.AddFilter(context.Background(), Interface{Name: "v0"}, f); err != nil {
		t.Fatal(err)
	}
	if got.Header.Type != rtmNewTFilter || got.Header.Flags != want.Header.Flags {
		t.Errorf("header %+v, iproute2 sent %+v", got.Header, want.Header)
	}
	g, w := canonical(t, got.Data), canonical(t, want.Data)
	if d := lineDiff(w, g); d != "" {
		t.Errorf("-iproute2 +ours:\n%s", d)
	}
}

func TestAddFilterKernelRefusal(t *testing.T) {
	t.Parallel()
	// The host kernel (no cls_flower) answered iproute2's request with
	// ENOENT and the extended ack "TC classifier not found".
	fx := loadFixture(t, "add-ipv4-vlan-drop")
	var reply []netlink.Message
	for _, m := range fx.recv {
		if m.Header.Type == netlink.Error {
			reply = append(reply, m)
		}
	}
	if len(reply) != 1 {
		t.Fatalf("%d error replies in fixture", len(reply))
	}
	f, _ := DecodeFilter(sentOfType(fx, rtmNewTFilter)[0].Data)
	cl := fakeKernel(t, func(req []netlink.Message) ([]netlink.Message, error) {
		r := reply[0]
		r.Header.Sequence = req[0].Header.Sequence
		r.Header.PID = req[0].Header.PID
		return []netlink.Message{r}, nil
	})
	err := cl.AddFilter(context.Background(), Interface{Name: "v0"}, f)
	var e *errs.Error
	if !errors.As(err, &e) || e.Message != "TC classifier not found" || e.Device != "v0" {
		t.Fatalf("error %#v", err)
	}
	if !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("%v does not match ErrNotFound", err)
	}
}

func TestBadInputTouchesNothing(t *testing.T) {
	t.Parallel()
	cl := fakeKernel(t, func(req []netlink.Message) ([]netlink.Message, error) {
		t.Errorf("request sent for bad input: %+v", req[0].Header)
		return nltest.Error(0, req)
	})
	ctx := context.Background()
	bad := []Filter{
		{Kind: "u32", Flower: &Flower{}},
		{Kind: "flower", Flower: &Flower{}, Flags: FlagSkipHW | FlagSkipSW},
		{Kind: "flower", Flower: &Flower{}, Flags: FlagInHW},
		{Kind: "flower", Flower: &Flower{Key: FlowerKey{VLAN: &VLANKey{ID: p[uint16](4096)}}}},
		{Kind: "flower", Flower: &Flower{Key: FlowerKey{DstPort: &Masked[uint16]{80, 0xffff}}}},
		{Kind: "flower", Flower: &Flower{}, Actions: []Action{{Kind: "gact", Cookie: make([]byte, 17)}}},
	}
	for i, f := range bad {
		if err := cl.AddFilter(ctx, Interface{Name: "v0"}, f); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("%d: error %v, want ErrInvalidArgument", i, err)
		}
	}
	if err := cl.AddFilter(ctx, Interface{Name: "this-name-is-too-long"}, Filter{Kind: "flower", Flower: &Flower{}}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("long name: %v", err)
	}
	if err := cl.DeleteFilter(ctx, Interface{Name: "v0"}, Filter{Handle: 1}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("delete handle without prio: %v", err)
	}
}

func TestDeleteMatchesIproute2(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fixture string
		f       Filter
	}{
		{"del-filter", Filter{Parent: ParentIngress, Priority: 2, Handle: 7, Protocol: EthPIPv6, Kind: "flower"}},
		{"del-prio", Filter{Parent: ParentIngress, Priority: 3}},
	} {
		fx := loadFixture(t, tc.fixture)
		want := sentOfType(fx, rtmDelTFilter)
		if len(want) != 1 {
			t.Fatalf("%s: %d delete requests", tc.fixture, len(want))
		}
		ifindex := int(binary.NativeEndian.Uint32(want[0].Data[4:8]))
		got, err := EncodeDelete(ifindex, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want[0].Data) {
			t.Errorf("%s:\n got %x\nwant %x", tc.fixture, got, want[0].Data)
		}
	}
}

func TestFilterListAndOffloadFromRecordedDump(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t, "dump-bpf-mirred-real")
	var replies []netlink.Message
	for _, m := range fx.recv {
		if m.Header.Type == rtmNewTFilter {
			m.Data[4] = 3 // the fake's v0 is ifindex 3
			replies = append(replies, m)
		}
	}
	interruptNext := false // mark the next filter dump NLM_F_DUMP_INTR
	cl := fakeKernel(t, func(req []netlink.Message) ([]netlink.Message, error) {
		switch req[0].Header.Type {
		case rtmGetQdisc:
			q := appendTCMsg(nil, tcmsg{ifindex: 3, handle: 0xffff0000, parent: uint32(HandleIngress)})
			w := builder{b: q}
			w.str(tcaKind, "ingress")
			h := netlink.Header{Type: rtmNewQdisc, Sequence: req[0].Header.Sequence, PID: req[0].Header.PID}
			return nltest.Multipart([]netlink.Message{{Header: h, Data: w.b}})
		case rtmGetTFilter:
			if req[0].Header.Flags&netlink.Dump == 0 {
				t.Errorf("filter dump without NLM_F_DUMP")
			}
			if Handle(binary.NativeEndian.Uint32(req[0].Data[12:16])) != ParentIngress {
				t.Errorf("dump parent %x", req[0].Data[12:16])
			}
			out := make([]netlink.Message, len(replies))
			for i, m := range replies {
				m.Header.Sequence, m.Header.PID = req[0].Header.Sequence, req[0].Header.PID
				if interruptNext && i == len(replies)-1 {
					m.Header.Flags |= netlink.DumpInterrupted
				}
				out[i] = m
			}
			interruptNext = false
			// Multipart turns the last message into NLMSG_DONE.
			out = append(out, netlink.Message{Data: make([]byte, 4)})
			return nltest.Multipart(out)
		}
		t.Fatalf("unexpected request type %d", req[0].Header.Type)
		return nil, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fs, err := cl.FilterList(ctx, Interface{Name: "v0"}, ParentIngress)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 4 {
		t.Fatalf("%d filters, want 4 (two heads, two filters)", len(fs))
	}
	n := 0
	for f, err := range cl.Filters(ctx, Interface{Index: 3}, ParentIngress) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		_ = f
	}
	if n != 4 {
		t.Errorf("streamed %d filters", n)
	}
	o, err := cl.Offload(ctx, Interface{Name: "v0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Filters) != 2 || o.SkipHW != 1 || o.NotInHW != 1 || o.InHW != 0 {
		t.Errorf("offload report %+v", o)
	}
	if o.Filters[0].UFID == nil || o.Filters[0].UFID.Cookie(binary.NativeEndian)[0] != 0xa1 {
		t.Errorf("first filter's cookie UFID %v", o.Filters[0].UFID)
	}
	if o.Filters[1].Chain != 3 || o.Filters[1].Actions != "mirred egress redirect ifindex 3" {
		t.Errorf("second filter %+v", o.Filters[1])
	}
	// A dump interrupted after some filters were summarised is restarted
	// and counted once.
	interruptNext = true
	again, err := cl.Offload(ctx, Interface{Name: "v0"})
	if err != nil {
		t.Fatal(err)
	}
	if interruptNext {
		t.Fatal("the fake never served the interrupted dump")
	}
	if d := cmp.Diff(o, again); d != "" {
		t.Errorf("report after a restarted dump (-first +again):\n%s", d)
	}
}

func TestUnknownInterface(t *testing.T) {
	t.Parallel()
	cl := fakeKernel(t, func(req []netlink.Message) ([]netlink.Message, error) { return nil, nil })
	_, err := cl.FilterList(context.Background(), Interface{Name: "nope"}, ParentIngress)
	if !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("error %v, want ErrNotFound", err)
	}
}

// TestBadInterfaceNameTouchesNothing: a name the kernel could never have
// (errs.ValidateIfName's rule) is refused before any request is sent.
func TestBadInterfaceNameTouchesNothing(t *testing.T) {
	t.Parallel()
	sent := 0
	cl := NewClient(nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
		sent++
		return nltest.Error(19, req) // ENODEV
	}))
	defer cl.Close()
	for _, name := range []string{"", "..", "v0:1", "v 0", "0123456789abcdef"} {
		if _, err := cl.FilterList(context.Background(), Interface{Name: name}, ParentIngress); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("FilterList on %q: %v, want ErrInvalidArgument", name, err)
		}
	}
	if sent != 0 {
		t.Errorf("%d requests reached the kernel for bad names", sent)
	}
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	cl := fakeKernel(t, func(req []netlink.Message) ([]netlink.Message, error) { return nil, nil })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := cl.Qdiscs(ctx, Interface{Index: 3})
	if !errors.Is(err, errs.ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
}

// replay answers the first request with the error reply recorded in a
// fixture (the Debian 6.1 kernel in the vmtest guest).
func replay(t *testing.T, name string) *Client {
	fx := loadFixture(t, name)
	var reply netlink.Message
	for _, m := range fx.recv {
		if m.Header.Type == netlink.Error {
			reply = m
		}
	}
	return fakeKernel(t, func(req []netlink.Message) ([]netlink.Message, error) {
		r := reply
		r.Header.Sequence, r.Header.PID = req[0].Header.Sequence, req[0].Header.PID
		return []netlink.Message{r}, nil
	})
}

func TestRecordedKernelRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// skip_sw on a veth: the kernel has no device to offload to.
	cl := replay(t, "vm-add-skipsw-refused")
	err := cl.AddFilter(ctx, Interface{Name: "v0"}, Filter{Kind: "flower", Parent: ParentIngress, Priority: 6,
		Protocol: EthPIPv4, Flags: FlagSkipSW, Flower: &Flower{Key: FlowerKey{IPProto: p[uint8](6)}},
		Actions: []Action{{Kind: "gact", Verdict: VerdictShot}}})
	if !errors.Is(err, errs.ErrNotSupported) {
		t.Errorf("skip_sw on veth: %v, want ErrNotSupported", err)
	}
	// Deleting a filter that is not there.
	cl = replay(t, "vm-del-missing")
	err = cl.DeleteFilter(ctx, Interface{Name: "v0"}, Filter{Parent: ParentIngress, Priority: 2, Handle: 1, Protocol: EthPARP, Kind: "flower"})
	var e *errs.Error
	if !errors.Is(err, errs.ErrNotFound) || !errors.As(err, &e) || e.Message != "Filter with specified priority/protocol not found" {
		t.Errorf("delete missing: %#v", err)
	}
}

func TestChainsAndQdiscsFromRecordedReplies(t *testing.T) {
	t.Parallel()
	serve := func(name string, typ netlink.HeaderType) nltest.Func {
		fx := loadFixture(t, name)
		return func(req []netlink.Message) ([]netlink.Message, error) {
			var out []netlink.Message
			for _, m := range fx.recv {
				if m.Header.Type == typ {
					m.Header.Sequence, m.Header.PID = req[0].Header.Sequence, req[0].Header.PID
					out = append(out, m)
				}
			}
			out = append(out, netlink.Message{Header: netlink.Header{Sequence: req[0].Header.Sequence, PID: req[0].Header.PID}, Data: make([]byte, 4)})
			return nltest.Multipart(out)
		}
	}
	ctx := context.Background()
	chains, err := fakeKernel(t, serve("vm-dump-chain", rtmNewChain)).Chains(ctx, Interface{Index: 3}, ParentIngress)
	if err != nil {
		t.Fatal(err)
	}
	var idx []uint32
	for _, c := range chains {
		idx = append(idx, c.Index)
	}
	if len(idx) != 2 || idx[0] != 0 || idx[1] != 1 {
		t.Errorf("chains %v, want [0 1] (tc chain show after the vm-add-* filters)", idx)
	}
	// The host kernel's qdisc dump holds both veth ends; Qdiscs keeps the
	// asked interface's only.
	fx := loadFixture(t, "dump-qdisc-real")
	first, _ := DecodeQdisc(fx.recv[0].Data)
	qs, err := fakeKernel(t, serve("dump-qdisc-real", rtmNewQdisc)).Qdiscs(ctx, Interface{Index: first.Ifindex})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 || qs[1].Kind != "clsact" {
		t.Errorf("qdiscs %+v", qs)
	}
}

func TestInterruptedDumpRetried(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t, "vm-dump-flower")
	var filters []netlink.Message
	for _, m := range fx.recv {
		if m.Header.Type == rtmNewTFilter {
			filters = append(filters, m)
		}
	}
	calls := 0
	cl := fakeKernel(t, func(req []netlink.Message) ([]netlink.Message, error) {
		calls++
		msgs := append([]netlink.Message(nil), filters...)
		if calls == 1 {
			// The kernel marks a dump whose table changed under it.
			msgs[2].Header.Flags |= netlink.DumpInterrupted
		}
		return tctest.DumpServer(msgs)(req)
	})
	ctx := context.Background()
	fs, err := cl.FilterList(ctx, Interface{Index: 3}, ParentIngress)
	if err != nil || len(fs) != len(filters) || calls != 2 {
		t.Errorf("FilterList: %d filters, %d dumps, %v", len(fs), calls, err)
	}
	calls = 0
	var last error
	for _, err := range cl.Filters(ctx, Interface{Index: 3}, ParentIngress) {
		last = err
	}
	if !errors.Is(last, errs.ErrBusy) {
		t.Errorf("streamed interrupted dump ended with %v, want ErrBusy", last)
	}
}

// TestInterruptedChainDump: the non-streamed dumps (chains, qdiscs) are
// restarted too, and give up with ErrBusy after maxDumpRetries attempts
// when the kernel keeps marking them interrupted.
func TestInterruptedChainDump(t *testing.T) {
	t.Parallel()
	fx := loadFixture(t, "vm-dump-chain")
	calls, interrupted := 0, 0
	cl := fakeKernel(t, func(req []netlink.Message) ([]netlink.Message, error) {
		calls++
		var out []netlink.Message
		for _, m := range fx.recv {
			if m.Header.Type == rtmNewChain {
				m.Header.Sequence, m.Header.PID = req[0].Header.Sequence, req[0].Header.PID
				if calls <= interrupted {
					m.Header.Flags |= netlink.DumpInterrupted
				}
				out = append(out, m)
			}
		}
		out = append(out, netlink.Message{Header: netlink.Header{Sequence: req[0].Header.Sequence, PID: req[0].Header.PID}, Data: make([]byte, 4)})
		return nltest.Multipart(out)
	})
	ctx := context.Background()
	interrupted = 1
	chains, err := cl.Chains(ctx, Interface{Index: 3}, ParentIngress)
	if err != nil || len(chains) != 2 || calls != 2 {
		t.Errorf("Chains after one interrupted dump: %d chains, %d dumps, %v; want 2 chains in 2 dumps", len(chains), calls, err)
	}
	calls, interrupted = 0, 1000
	if _, err := cl.Chains(ctx, Interface{Index: 3}, ParentIngress); !errors.Is(err, errs.ErrBusy) || calls != maxDumpRetries {
		t.Errorf("Chains, always interrupted: %v after %d dumps; want ErrBusy after %d", err, calls, maxDumpRetries)
	}
}
