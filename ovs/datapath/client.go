package datapath

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"sync"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/genl"
	"github.com/offloadkit/offloadkit/internal/nlerr"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// Client talks to the OVS kernel datapath families on one generic netlink
// socket. It is safe for concurrent use; requests are serialised, and a
// flow stream holds the socket until the iteration ends.
type Client struct {
	mu                    sync.Mutex
	c                     *netlink.Conn
	dpFam, vpFam, flowFam genetlink.Family
	now                   func() uint64
	// read reads one datagram into a Client-owned buffer (nil for a
	// connection without a descriptor: see datagramReader).
	read func([]byte) (int, error)
}

// New resolves the ovs_datapath, ovs_vport and ovs_flow families on c (a
// NETLINK_GENERIC socket; nltest connections work) and returns a Client
// that owns c. A kernel without the openvswitch module gives an error
// matching errs.ErrNotSupported. c is closed on any error.
func New(c *netlink.Conn) (*Client, error) {
	g := genetlink.NewConn(c)
	cl := &Client{c: c, now: monotonicMsec, read: datagramReader(c)}
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

// Receiving runs ahead of decoding, on its own goroutine, by at most
// pipelineDepth batches of batchSize messages. The kernel fills the next
// datagram of a dump inside the recvmsg that drains the previous one, so
// while the caller decodes one batch the receiver is already inside the
// kernel producing the next: on two CPUs a dump costs about the larger of
// the kernel's work and the decoding instead of their sum. The bound keeps
// memory constant however many flows the dump holds.
const (
	batchSize     = 64
	pipelineDepth = 4
)

// batch is a run of reply payloads handed from the receiver to the caller:
// one datagram's, read into buf, or, without a datagram reader, up to
// batchSize messages the netlink package received.
type batch struct {
	buf         []byte
	payloads    [][]byte
	interrupted bool  // a message carried NLM_F_DUMP_INTR
	err         error // the receive ended with this error after payloads
}

// dump sends one dump request and calls fn, on the calling goroutine and
// in order, with the payload (after the genl header) of every reply of the
// family, while holding the socket. The payload is valid only during the
// call: its buffer is reused. It reports whether the kernel marked the
// dump interrupted. fn returning false stops the dump (the rest of it is
// read and dropped, so the socket stays in step). The receiving goroutine
// has ended when dump returns.
func (c *Client) dump(ctx context.Context, op, dev string, req netlink.Message, fn func([]byte) (bool, error)) (interrupted bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, nlerr.Netlink(ctx, op, dev, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer genl.BindContext(ctx, c.c)()
	sent, err := c.c.Send(req)
	if err != nil {
		return false, nlerr.Netlink(ctx, op, dev, err)
	}
	full := make(chan *batch, pipelineDepth)
	free := make(chan *batch, pipelineDepth+1)
	for range pipelineDepth + 1 {
		free <- &batch{payloads: make([][]byte, 0, batchSize)}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(full)
		if c.read != nil {
			c.receiveDatagrams(sent, req.Header.Type, full, free, stop)
		} else {
			c.receive(sent, req.Header.Type, full, free, stop)
		}
	}()
	defer func() {
		// Tell the receiver to stop, let it finish (draining the dump
		// off the socket), and only then give the socket back.
		close(stop)
		for range full {
		}
		wg.Wait()
	}()
	for b := range full {
		interrupted = interrupted || b.interrupted
		for _, p := range b.payloads {
			more, err := fn(p)
			if err != nil {
				return interrupted, err
			}
			if !more {
				return interrupted, nil
			}
		}
		if b.err != nil {
			return interrupted, nlerr.Netlink(ctx, op, dev, b.err)
		}
		b.payloads, b.interrupted = b.payloads[:0], false
		free <- b // never blocks: free holds every batch there is
	}
	return interrupted, nil
}

// receiveDatagrams reads the replies to sent off the socket one datagram
// at a time, each into the buffer of a batch taken from free, and hands
// them over on full, until the dump ends or fails. When stop is closed
// first (the caller stopped early) it reads the rest of the dump and drops
// it: the kernel sends every datagram of a dump it started, and the next
// request on the socket must not read them as its replies.
func (c *Client) receiveDatagrams(sent netlink.Message, typ netlink.HeaderType, full chan<- *batch, free <-chan *batch, stop <-chan struct{}) {
	one := make([]netlink.Message, 1)
	var b *batch
	for {
		select {
		case b = <-free:
		case <-stop:
			c.drain(sent, typ, one)
			return
		}
		if b.buf == nil {
			b.buf = make([]byte, datagramSize)
		}
		done, err := c.readDatagram(b, sent, typ, one)
		b.err = err
		select {
		case full <- b:
		case <-stop:
			if !done && err == nil {
				c.drain(sent, typ, one)
			}
			return
		}
		if done || err != nil {
			return
		}
	}
}

// readDatagram reads one datagram into b.buf and splits it into b.
func (c *Client) readDatagram(b *batch, sent netlink.Message, typ netlink.HeaderType, one []netlink.Message) (done bool, err error) {
	n, err := c.read(b.buf)
	if err != nil {
		return true, err
	}
	return splitDatagram(b.buf[:n], sent, typ, b, one)
}

// drain reads the rest of a dump the caller stopped and drops it, into a
// buffer of its own (the batches may still be in the caller's hands).
func (c *Client) drain(sent netlink.Message, typ netlink.HeaderType, one []netlink.Message) {
	scratch := &batch{buf: make([]byte, datagramSize)}
	for {
		scratch.payloads = scratch.payloads[:0]
		if done, err := c.readDatagram(scratch, sent, typ, one); done || err != nil {
			return
		}
	}
}

// receive is receiveDatagrams for a connection without a descriptor: it
// takes the replies from the netlink package, batchSize messages a batch.
// The payloads alias the datagrams the netlink package allocated, which
// nothing reuses.
func (c *Client) receive(sent netlink.Message, typ netlink.HeaderType, full chan<- *batch, free <-chan *batch, stop <-chan struct{}) {
	var b *batch
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
		select {
		case full <- b:
		case <-stop:
			return
		}
		select {
		case b = <-free:
		case <-stop:
			return
		}
	}
	select {
	case full <- b:
	case <-stop:
	}
}

// collect runs a dump to the end, restarting it when the kernel marks it
// interrupted, and decodes every reply with dec.
func collect[T any](ctx context.Context, c *Client, op, dev string, req netlink.Message, dec func([]byte) (T, error)) ([]T, error) {
	for attempt := 0; ; attempt++ {
		var out []T
		intr, err := c.dump(ctx, op, dev, req, func(b []byte) (bool, error) {
			// A copy: the decoded value may alias its bytes (RawAttr),
			// and dump reuses them.
			v, err := dec(bytes.Clone(b))
			if err != nil {
				return false, &errs.Error{Op: op, Device: dev, Err: err}
			}
			out = append(out, v)
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
// `dpctl/dump-flows -m --no-names`). The yielded *Flow is reused for the
// next flow; Clone it to keep it. The socket is held until the iteration
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
		d := NewDecoder(opts, names)
		d.NowMsec = c.now
		f := new(Flow)
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
			intr, err := c.dump(ctx, op, dev, req, func(b []byte) (bool, error) {
				seen++
				if seen <= delivered {
					return true, nil
				}
				if err := d.Decode(b, f); err != nil {
					return false, &errs.Error{Op: op, Device: dev, Err: err}
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
