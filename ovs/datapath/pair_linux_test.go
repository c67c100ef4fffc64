//go:build linux

package datapath_test

import (
	"context"
	"encoding/binary"
	"errors"
	"iter"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/datapath"
	"golang.org/x/sys/unix"
)

// pairSocket is a netlink.Socket over one end of a real SOCK_SEQPACKET
// socketpair. The fake kernel writes its replies into the other end, one
// datagram at a time, from a goroutine, and the Client reads them through
// SyscallConn and recvmsg with its deadlines, as it reads a real netlink
// socket: the tests run the receive path a real kernel drives. Like
// netlink_dump_start, it refuses a second dump while one is being sent
// (EBUSY), and a dump counts as over once its last datagram is produced.
type pairSocket struct {
	reply   func(req netlink.Message) iter.Seq[[]netlink.Message] // the datagrams answering req
	rd, wr  *os.File
	dumping atomic.Bool
	wg      sync.WaitGroup
}

func newPairSocket(tb testing.TB, reply func(netlink.Message) iter.Seq[[]netlink.Message]) *pairSocket {
	tb.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return &pairSocket{reply: reply, rd: os.NewFile(uintptr(fds[0]), "netlink"), wr: os.NewFile(uintptr(fds[1]), "fake-kernel")}
}

func (s *pairSocket) Send(m netlink.Message) error {
	dump := m.Header.Flags&netlink.Dump != 0
	if dump && !s.dumping.CompareAndSwap(false, true) {
		return syscall.EBUSY
	}
	// The reply is made here, on the caller's goroutine (the fake
	// kernel's state changes in step with the test); its datagrams are
	// written from another, as the kernel fills them while the reader
	// reads.
	reply := s.reply(m)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// Two buffers, reused: the datagram being encoded and the one
		// before it, written once the next exists (or the dump ends).
		var last, cur []byte
		pending := false
		for msgs := range reply {
			if pending {
				if _, err := s.wr.Write(last); err != nil {
					return // closed
				}
			}
			cur = cur[:0]
			for _, r := range msgs {
				cur = appendMessage(cur, r)
			}
			last, cur, pending = cur, last, true
		}
		if dump {
			s.dumping.Store(false)
		}
		if pending {
			_, _ = s.wr.Write(last)
		}
	}()
	return nil
}

// appendMessage appends m as the kernel lays it out: header (length
// unpadded), payload, padding to 4 bytes.
func appendMessage(b []byte, m netlink.Message) []byte {
	l := uint32(16 + len(m.Data))
	b = binary.NativeEndian.AppendUint32(b, l)
	b = binary.NativeEndian.AppendUint16(b, uint16(m.Header.Type))
	b = binary.NativeEndian.AppendUint16(b, uint16(m.Header.Flags))
	b = binary.NativeEndian.AppendUint32(b, m.Header.Sequence)
	b = binary.NativeEndian.AppendUint32(b, m.Header.PID)
	b = append(b, m.Data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func (s *pairSocket) SendMessages(m []netlink.Message) error { return s.Send(m[0]) }

// ReceiveIter reads one datagram, for the netlink package's own receive
// (family resolution).
func (s *pairSocket) ReceiveIter() iter.Seq2[netlink.Message, error] {
	return func(yield func(netlink.Message, error) bool) {
		b := make([]byte, 1<<20)
		n, err := s.rd.Read(b)
		if err != nil {
			yield(netlink.Message{}, err)
			return
		}
		b = b[:n]
		for len(b) >= 16 {
			l := (int(binary.NativeEndian.Uint32(b)) + 3) &^ 3
			var m netlink.Message
			if err := m.UnmarshalBinary(b[:min(l, len(b))]); err != nil {
				yield(netlink.Message{}, err)
				return
			}
			if !yield(m, nil) {
				return
			}
			b = b[min(l, len(b)):]
		}
	}
}

func (s *pairSocket) Receive() ([]netlink.Message, error) {
	var out []netlink.Message
	for m, err := range s.ReceiveIter() {
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func (s *pairSocket) SyscallConn() (syscall.RawConn, error) { return s.rd.SyscallConn() }
func (s *pairSocket) SetDeadline(t time.Time) error         { return s.rd.SetDeadline(t) }
func (s *pairSocket) SetReadDeadline(t time.Time) error     { return s.rd.SetReadDeadline(t) }
func (s *pairSocket) SetWriteDeadline(t time.Time) error    { return s.rd.SetWriteDeadline(t) }

func (s *pairSocket) Close() error {
	err := errors.Join(s.rd.Close(), s.wr.Close())
	s.wg.Wait()
	return err
}

// conn answers k's requests over a pairSocket: a reply in datagrams of up
// to dgramMsgs messages, an error as the kernel's NLMSG_ERROR.
func (k *fakeKernel) conn(tb testing.TB) *netlink.Conn {
	s := newPairSocket(tb, func(req netlink.Message) iter.Seq[[]netlink.Message] {
		// Called on Send's goroutine: k.serve's bookkeeping happens
		// before Send returns.
		msgs, err := k.serve([]netlink.Message{req})
		return chunked(req, msgs, err)
	})
	//nolint:staticcheck // netlink.Socket is the package's own test seam.
	return netlink.NewConn(s, nltest.PID)
}

// dgramMsgs is about how many ~350-byte flows fit one 32 KiB datagram.
const dgramMsgs = 90

// chunked is the datagrams of a reply of msgs, or of err (an errno).
func chunked(req netlink.Message, msgs []netlink.Message, err error) iter.Seq[[]netlink.Message] {
	return func(yield func([]netlink.Message) bool) {
		if err != nil {
			yield([]netlink.Message{errorReply(req, err)})
			return
		}
		for len(msgs) > 0 {
			n := min(len(msgs), dgramMsgs)
			if !yield(msgs[:n]) {
				return
			}
			msgs = msgs[n:]
		}
	}
}

// errorReply is the NLMSG_ERROR a kernel answers req with: the negative
// errno, then the request's header and payload.
func errorReply(req netlink.Message, err error) netlink.Message {
	errno := syscall.EINVAL
	_ = errors.As(err, &errno)
	rb, _ := req.MarshalBinary()
	data := binary.NativeEndian.AppendUint32(nil, uint32(-int32(errno)))
	return netlink.Message{
		Header: netlink.Header{Type: netlink.Error, Sequence: req.Header.Sequence, PID: req.Header.PID},
		Data:   append(data, rb...),
	}
}

// TestFlowsDeadlineMidDump: a kernel that stops sending in the middle of a
// dump does not keep the stream waiting past the caller's deadline; the
// flows before the stall arrive, then an error matching errs.ErrTimeout,
// and no goroutine of the dump is left running. The kernel then finishes
// that dump (as a real one does, whoever reads it), and the Client's next
// dump reads the rest of the old one first and gets all of its own.
func TestFlowsDeadlineMidDump(t *testing.T) {
	t.Parallel()
	msgs, _ := fixture(t)
	flows := msgs["flow"]
	if len(flows) == 0 {
		t.Fatal("no recorded flows")
	}
	release := make(chan struct{})
	k := &fakeKernel{}
	flowDumps := 0
	s := newPairSocket(t, func(req netlink.Message) iter.Seq[[]netlink.Message] {
		if req.Header.Type != famFlow {
			msgs, err := k.serve([]netlink.Message{req})
			return chunked(req, msgs, err)
		}
		flowDumps++
		stall := flowDumps == 1
		return func(yield func([]netlink.Message) bool) {
			h := netlink.Header{Type: famFlow, Flags: netlink.Multi, Sequence: req.Header.Sequence, PID: req.Header.PID}
			m := netlink.Message{Header: h, Data: flows[0]}
			// Two datagrams (the writer sends one when the next exists),
			// the first dump then nothing until released.
			for range 2 {
				if !yield([]netlink.Message{m}) {
					return
				}
			}
			if stall {
				<-release
			}
			h.Type = netlink.Done
			yield([]netlink.Message{m, {Header: h, Data: make([]byte, 4)}})
		}
	})
	//nolint:staticcheck // netlink.Socket is the package's own test seam.
	c, err := datapath.New(netlink.NewConn(s, nltest.PID))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dp := int(int32(binary.NativeEndian.Uint32(flows[0][4:])))
	count := func(ctx context.Context) (int, error) {
		n := 0
		for _, err := range c.Flows(ctx, dp, datapath.FlowOptions{}) {
			if err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	got, err := count(ctx)
	if got != 1 || !errors.Is(err, errs.ErrTimeout) {
		t.Errorf("%d flows then %v; want 1 flow then ErrTimeout", got, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the stream ended %s after a 300ms deadline", d)
	}
	close(release)
	if got, err := count(context.Background()); got != 3 || err != nil {
		t.Errorf("next dump: %d flows, %v; want 3 flows, no error", got, err)
	}
}
