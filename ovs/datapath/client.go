package datapath

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"strconv"
	"sync"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/genl"
	"github.com/offloadkit/offloadkit/internal/nldgram"
	"github.com/offloadkit/offloadkit/internal/nlerr"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// Client talks to the OVS kernel datapath families on one generic netlink
// socket. It is safe for concurrent use; requests are serialised, and a
// flow stream holds the socket until the iteration ends. It keeps its flow
// dumps' receive buffers and decoded Flows (about half a MiB) from one
// dump to the next.
type Client struct {
	mu                    sync.Mutex
	c                     *netlink.Conn
	dpFam, vpFam, flowFam genetlink.Family
	now                   func() uint64
	// read reads one datagram into a Client-owned buffer (nil for a
	// connection without a descriptor, such as nltest's).
	read nldgram.Reader
	// flowBatches are the flow dumps' batches, their buffers and decoded
	// Flows, kept from one dump to the next (under mu): a dump would
	// otherwise allocate a few thousand times before its first flow.
	flowBatches []*batch[Flow]
	// unfinished is a dump left before its end (its deadline passed),
	// read to its end before the socket's next request (under mu).
	unfinished nldgram.Unfinished
}

// New resolves the ovs_datapath, ovs_vport and ovs_flow families on c (a
// NETLINK_GENERIC socket; nltest connections work) and returns a Client
// that owns c. A kernel without the openvswitch module gives an error
// matching errs.ErrNotSupported. c is closed on any error.
func New(c *netlink.Conn) (*Client, error) {
	g := genetlink.NewConn(c)
	cl := &Client{c: c, now: monotonicMsec, read: nldgram.NewReader(c)}
	for _, x := range []struct {
		name string
		f    *genetlink.Family
	}{{familyDatapath, &cl.dpFam}, {familyVport, &cl.vpFam}, {familyFlow, &cl.flowFam}} {
		f, err := g.GetFamily(x.name)
		if err != nil {
			_ = c.Close()
			op := "resolve generic netlink family " + x.name
			if errors.Is(err, syscall.ENOENT) {
				return nil, &errs.Error{Op: op, Err: fmt.Errorf("%w: the kernel has no %s family (openvswitch module not loaded): %s", errs.ErrNotSupported, x.name, err.Error())}
			}
			return nil, &errs.Error{Op: op, Err: err}
		}
		*x.f = f
	}
	_ = c.SetOption(netlink.ExtendedAcknowledge, true)
	return cl, nil
}

// Close closes the socket.
func (c *Client) Close() error { return c.c.Close() }

// request builds a dump request: genl header, struct ovs_header, attrs.
func request(f genetlink.Family, cmd uint8, dpIfindex int, attrs []byte) netlink.Message {
	b := make([]byte, 4+ovsHeaderLen, 4+ovsHeaderLen+len(attrs))
	b[0], b[1] = cmd, f.Version
	binary.NativeEndian.PutUint32(b[4:], uint32(int32(dpIfindex)))
	b = append(b, attrs...)
	return netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(f.ID), Flags: netlink.Request | netlink.Dump},
		Data:   b,
	}
}

// A dump runs on three kinds of goroutine. The receiver reads datagrams
// (the kernel fills the next one inside the recvmsg that drains the
// previous one), decodeWorkers workers decode them, a datagram each, and
// the caller takes the decoded replies in the kernel's order. On two CPUs
// the kernel's work and the decoding overlap instead of adding up, and the
// decoding, the larger part, is shared by both CPUs. The batches in flight
// are bounded, so memory stays constant however many flows a dump holds.
const (
	batchSize     = 64 // messages per batch without a datagram reader
	pipelineDepth = 4  // batches received ahead of the caller, besides the workers'
)

// decodeWorkers is the number of goroutines decoding a dump's datagrams.
// Two: the receiver is mostly inside the kernel, and more workers than
// CPUs only take turns.
func decodeWorkers() int { return min(2, runtime.GOMAXPROCS(0)) }

// received is a run of reply payloads as the receiver hands it over: one
// datagram's, read into buf, or, without a datagram reader, up to
// batchSize messages the netlink package received.
type received struct {
	buf         []byte
	payloads    [][]byte
	interrupted bool  // a message carried NLM_F_DUMP_INTR
	err         error // the receive ended with this error after payloads
}

// batch is received payloads and what a worker decoded them into.
type batch[T any] struct {
	received
	out     []T           // the payloads decoded, in order
	decErr  error         // decoding stopped after out with this error
	decoded chan struct{} // capacity 1: out is ready
}

// reset empties b for its next datagram; its buffers stay.
func (b *batch[T]) reset() {
	b.payloads, b.interrupted, b.err, b.decErr = b.payloads[:0], false, nil, nil
}

// decode fills b.out with dec, reusing its elements (and their slices).
func (b *batch[T]) decode(dec func([]byte, *T) error) {
	if cap(b.out) < len(b.payloads) {
		b.out = append(b.out[:cap(b.out)], make([]T, len(b.payloads)-cap(b.out))...)
	}
	b.out = b.out[:len(b.payloads)]
	for i, p := range b.payloads {
		if err := dec(p, &b.out[i]); err != nil {
			b.out, b.decErr = b.out[:i], err
			return
		}
	}
}

// dump sends one dump request, holding the socket, and calls fn on the
// calling goroutine, in order, with every reply of the family decoded by
// a decoding function from newDecoder (one per worker; each sees the
// payload after the genl header). The *T and the bytes it may alias are
// valid only during the call: both are reused. It reports whether the
// kernel marked the dump interrupted. fn returning false stops the dump
// (the rest of it is read and dropped, so the socket stays in step). Every
// goroutine of the dump has ended when dump returns.
//
// pool, when not nil, holds the batches to use, under c.mu, and gets them
// back for the next dump.
func dump[T any](ctx context.Context, c *Client, op, dev string, req netlink.Message, pool *[]*batch[T], newDecoder func() func([]byte, *T) error, fn func(*T) (bool, error)) (interrupted bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, nlerr.Netlink(ctx, op, dev, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer genl.BindContext(ctx, c.c)()
	if err := c.unfinished.Finish(c.read); err != nil {
		return false, nlerr.Netlink(ctx, op+": finish the dump an earlier caller left", dev, err)
	}
	sent, err := c.c.Send(req)
	if err != nil {
		return false, nlerr.Netlink(ctx, op, dev, err)
	}
	workers := decodeWorkers()
	n := pipelineDepth + workers + 1
	// Every channel holds every batch there is, so a send never blocks:
	// only taking a free batch waits.
	free := make(chan *batch[T], n)
	work := make(chan *batch[T], n)  // to the workers
	order := make(chan *batch[T], n) // to the caller, in the kernel's order
	var batches []*batch[T]
	if pool != nil && len(*pool) == n {
		batches = *pool
	} else {
		for range n {
			batches = append(batches, &batch[T]{decoded: make(chan struct{}, 1)})
		}
	}
	for _, b := range batches {
		b.reset()
		free <- b
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1 + workers)
	go func() {
		defer wg.Done()
		defer close(work)
		defer close(order)
		if c.read != nil {
			receiveDatagrams(c, sent, req.Header.Type, free, work, order, stop)
		} else {
			receive(c, sent, req.Header.Type, free, work, order, stop)
		}
	}()
	for range workers {
		dec := newDecoder()
		go func() {
			defer wg.Done()
			for b := range work {
				select {
				case <-stop: // the caller has gone: no one will read it
				default:
					b.decode(dec)
				}
				b.decoded <- struct{}{}
			}
		}()
	}
	// On return: tell the receiver to stop, let it drain the dump off the
	// socket, let the workers finish, and only then give the socket back.
	defer func() {
		close(stop)
		wg.Wait()
		if pool != nil {
			// Every goroutine has ended: the batches are idle, and their
			// signals are drained for the next dump.
			for _, b := range batches {
				select {
				case <-b.decoded:
				default:
				}
			}
			*pool = batches
		}
	}()
	for b := range order {
		<-b.decoded
		interrupted = interrupted || b.interrupted
		for i := range b.out {
			more, err := fn(&b.out[i])
			if err != nil {
				return interrupted, err
			}
			if !more {
				return interrupted, nil
			}
		}
		if b.decErr != nil {
			return interrupted, b.decErr
		}
		if b.err != nil {
			return interrupted, nlerr.Netlink(ctx, op, dev, b.err)
		}
		b.reset()
		free <- b
	}
	return interrupted, nil
}

// hand gives a received batch to the workers and its place in line to the
// caller.
func hand[T any](b *batch[T], work, order chan<- *batch[T]) {
	order <- b
	work <- b
}

// receiveDatagrams reads the replies to sent off the socket one datagram
// at a time, each into the buffer of a batch taken from free, and hands
// them on, until the dump ends or fails. When stop is closed first (the
// caller stopped early) it reads the rest of the dump and drops it: the
// kernel sends every datagram of a dump it started, and the next request
// on the socket must not read them as its replies. A read that fails (the
// deadline passed) leaves the rest to c.unfinished, which the next dump
// reads to its end before it sends.
func receiveDatagrams[T any](c *Client, sent netlink.Message, typ netlink.HeaderType, free <-chan *batch[T], work, order chan<- *batch[T], stop <-chan struct{}) {
	one := make([]netlink.Message, 1)
	var cur *batch[T]
	collect := func(h netlink.Header, data []byte) {
		if h.Flags&netlink.DumpInterrupted != 0 {
			cur.interrupted = true
		}
		if h.Type == typ && len(data) >= 4 {
			cur.payloads = append(cur.payloads, data[4:])
		}
	}
	for {
		select {
		case cur = <-free:
		case <-stop:
			_ = nldgram.Drain(c.read, make([]byte, nldgram.BufferSize), sent, one, &c.unfinished)
			return
		}
		if cur.buf == nil {
			cur.buf = make([]byte, nldgram.BufferSize)
		}
		n, err := c.read(cur.buf)
		done := true
		if err != nil {
			// The kernel goes on with the dump: the next request reads
			// it to its end first.
			c.unfinished.Note(sent)
		} else {
			done, err = nldgram.Split(cur.buf[:n], sent, one, collect)
		}
		cur.err = err
		hand(cur, work, order)
		if done || err != nil {
			return
		}
	}
}

// receive is receiveDatagrams for a connection without a descriptor: it
// takes the replies from the netlink package, batchSize messages a batch.
// The payloads alias the datagrams the netlink package allocated, which
// nothing reuses. Stopping the iteration early makes the netlink package
// read the rest of the dump and drop it.
func receive[T any](c *Client, sent netlink.Message, typ netlink.HeaderType, free <-chan *batch[T], work, order chan<- *batch[T], stop <-chan struct{}) {
	var b *batch[T]
	select {
	case b = <-free:
	case <-stop:
		return
	}
	one := make([]netlink.Message, 1)
	for m, err := range c.c.ReceiveIter() {
		if err != nil {
			b.err = err
			break
		}
		one[0] = m
		if err := netlink.Validate(sent, one); err != nil {
			b.err = err
			break
		}
		if m.Header.Flags&netlink.DumpInterrupted != 0 {
			b.interrupted = true
		}
		if m.Header.Type != typ || len(m.Data) < 4 {
			continue
		}
		b.payloads = append(b.payloads, m.Data[4:])
		if len(b.payloads) < batchSize {
			continue
		}
		hand(b, work, order)
		select {
		case b = <-free:
		case <-stop:
			return
		}
	}
	hand(b, work, order)
}

// collect runs a dump to the end, restarting it when the kernel marks it
// interrupted, and decodes every reply with dec.
func collect[T any](ctx context.Context, c *Client, op, dev string, req netlink.Message, dec func([]byte) (T, error)) ([]T, error) {
	newDecoder := func() func([]byte, *T) error {
		return func(b []byte, out *T) error {
			// A copy: the value may alias its bytes (RawAttr), and the
			// dump reuses them.
			v, err := dec(bytes.Clone(b))
			if err != nil {
				return &errs.Error{Op: op, Device: dev, Err: err}
			}
			*out = v
			return nil
		}
	}
	for attempt := 0; ; attempt++ {
		var out []T
		intr, err := dump(ctx, c, op, dev, req, nil, newDecoder, func(v *T) (bool, error) {
			out = append(out, *v)
			return true, nil
		})
		if err != nil {
			return nil, err
		}
		if !intr {
			return out, nil
		}
		if attempt == genl.DumpRetries {
			return nil, &errs.Error{Op: op, Device: dev, Err: fmt.Errorf("%w: dump interrupted %d times in a row", errs.ErrBusy, attempt+1)}
		}
	}
}

// Datapaths lists the kernel datapaths of the socket's network namespace
// (`ovs-dpctl show`): usually one, "ovs-system".
func (c *Client) Datapaths(ctx context.Context) ([]Datapath, error) {
	return collect(ctx, c, "list ovs datapaths", "", request(c.dpFam, cmdGet, 0, nil), DecodeDatapath)
}

// Datapath returns the datapath called name; errs.ErrNotFound when there
// is none.
func (c *Client) Datapath(ctx context.Context, name string) (Datapath, error) {
	dps, err := c.Datapaths(ctx)
	if err != nil {
		return Datapath{}, err
	}
	for _, d := range dps {
		if d.Name == name {
			return d, nil
		}
	}
	return Datapath{}, &errs.Error{Op: "find ovs datapath", Device: name, Err: fmt.Errorf("%w: no such datapath", errs.ErrNotFound)}
}

func dpName(ifindex int) string { return "datapath ifindex " + strconv.Itoa(ifindex) }

// Vports lists the ports of the datapath with the given ifindex
// (Datapath.Ifindex), ordered as the kernel dumps them.
func (c *Client) Vports(ctx context.Context, dp int) ([]Vport, error) {
	return collect(ctx, c, "list ovs vports", dpName(dp), request(c.vpFam, cmdGet, dp, nil), DecodeVport)
}

// Flows streams the flows of the datapath with the given ifindex, each
// decoded and rendered as opts says (the zero FlowOptions: like
// `dpctl/dump-flows -m --no-names`). The yielded *Flow, and the received
// bytes its Raw and Unknown fields alias, are reused once the loop body
// returns; Clone it to keep it (its strings stay valid regardless). The socket is held until the iteration
// ends; breaking out early is fine.
//
// Interrupted dumps: if the kernel marks the dump interrupted
// (NLM_F_DUMP_INTR; the openvswitch module up to 6.12 never does, its
// dump is a plain cursor over the flow table), the dump restarts and the
// flows already delivered are skipped by count, up to genl.DumpRetries
// times, then the sequence ends with an error matching errs.ErrBusy.
func (c *Client) Flows(ctx context.Context, dp int, opts FlowOptions) iter.Seq2[*Flow, error] {
	return func(yield func(*Flow, error) bool) {
		const op = "dump ovs flows"
		dev := dpName(dp)
		var names map[uint32]string
		if opts.Names && !opts.CountersOnly {
			vps, err := c.Vports(ctx, dp)
			if err != nil {
				yield(nil, err)
				return
			}
			names = PortNames(vps)
		}
		newDecoder := func() func([]byte, *Flow) error {
			d := NewDecoder(opts, names)
			d.NowMsec = c.now
			return func(b []byte, f *Flow) error {
				if err := d.Decode(b, f); err != nil {
					return &errs.Error{Op: op, Device: dev, Err: err}
				}
				return nil
			}
		}
		var attrs []byte
		if opts.CountersOnly {
			// OVS_FLOW_ATTR_UFID_FLAGS: OMIT_KEY|OMIT_MASK|OMIT_ACTIONS.
			attrs = []byte{8, 0, flowAttrUFIDFlags, 0, 0, 0, 0, 0}
			binary.NativeEndian.PutUint32(attrs[4:], ufidOmitKey|ufidOmitMask|ufidOmitActions)
		}
		req := request(c.flowFam, cmdGet, dp, attrs)
		delivered := 0
		for attempt := 0; ; attempt++ {
			seen, stopped := 0, false
			intr, err := dump(ctx, c, op, dev, req, &c.flowBatches, newDecoder, func(f *Flow) (bool, error) {
				seen++
				if seen <= delivered {
					return true, nil
				}
				delivered++
				if !yield(f, nil) {
					stopped = true
					return false, nil
				}
				return true, nil
			})
			if stopped {
				return
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if !intr {
				return
			}
			if attempt == genl.DumpRetries {
				yield(nil, &errs.Error{Op: op, Device: dev, Err: fmt.Errorf("%w: dump interrupted %d times in a row", errs.ErrBusy, attempt+1)})
				return
			}
		}
	}
}

// FlowList collects Flows into a slice of independent copies.
func (c *Client) FlowList(ctx context.Context, dp int, opts FlowOptions) ([]*Flow, error) {
	var out []*Flow
	for f, err := range c.Flows(ctx, dp, opts) {
		if err != nil {
			return nil, err
		}
		out = append(out, f.Clone())
	}
	return out, nil
}

// PortNames maps the vports' odp port numbers to their names, for
// NewDecoder.
func PortNames(vports []Vport) map[uint32]string {
	m := make(map[uint32]string, len(vports))
	for _, v := range vports {
		m[v.PortNo] = v.Name
	}
	return m
}
