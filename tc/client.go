package tc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/genl"
	"github.com/offloadkit/offloadkit/internal/nldgram"
	"github.com/offloadkit/offloadkit/internal/nlerr"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// Config configures Dial. The zero Config is valid: the calling thread's
// network namespace. Dial copies it; changing it afterwards changes
// nothing.
type Config struct {
	// NetNS is an open file descriptor of the network namespace to work in
	// (for example from /run/netns/NAME or /proc/PID/ns/net). Default (0):
	// the namespace of the thread that calls Dial. Privilege: entering
	// another namespace needs CAP_SYS_ADMIN; the fd is used only during
	// Dial and may be closed after it returns.
	NetNS int
}

// Client lists and changes tc objects over one rtnetlink socket. It is safe
// for concurrent use: requests are serialised on the socket.
type Client struct {
	mu sync.Mutex
	c  *netlink.Conn
	// read reads filter dumps a datagram at a time into buf, reused
	// under mu (nil for a connection without a descriptor, such as
	// nltest's: dumps then go through the netlink package's receive).
	read nldgram.Reader
	buf  []byte
	// unfinished is a filter dump left before its end (its deadline
	// passed), read to its end before the socket's next request.
	unfinished nldgram.Unfinished
}

// NewClient wraps an existing NETLINK_ROUTE connection, such as a fake from
// github.com/mdlayher/netlink/nltest. The Client closes it on Close.
func NewClient(c *netlink.Conn) *Client { return &Client{c: c, read: nldgram.NewReader(c)} }

// Close closes the socket.
func (c *Client) Close() error { return c.c.Close() }

// maxDumpRetries bounds the attempts at a dump the kernel keeps marking
// interrupted (NLM_F_DUMP_INTR: the table changed while it was read).
const maxDumpRetries = 5

// errDumpInterrupted is returned by the streaming Filters when the kernel
// marked the dump inconsistent; the slice helpers retry instead.
var errDumpInterrupted = fmt.Errorf("%w: dump interrupted by a concurrent change (NLM_F_DUMP_INTR), retry", errs.ErrBusy)

// execute sends one request and collects the replies.
func (c *Client) execute(ctx context.Context, op string, ifc Interface, m netlink.Message) ([]netlink.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, nlerr.Netlink(ctx, op, ifc.String(), err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer genl.BindContext(ctx, c.c)()
	if err := c.unfinished.Finish(c.read); err != nil {
		return nil, nlerr.Netlink(ctx, op+": finish the dump an earlier caller left", ifc.String(), err)
	}
	msgs, err := c.c.Execute(m)
	if err != nil {
		return nil, nlerr.Netlink(ctx, op, ifc.String(), err)
	}
	return msgs, nil
}

// ifinfomsgLen is sizeof(struct ifinfomsg).
const ifinfomsgLen = 16

// resolve returns the interface index, looking the name up with
// RTM_GETLINK in the socket's namespace (not the caller's).
func (c *Client) resolve(ctx context.Context, ifc Interface) (int, error) {
	if ifc.Index > 0 {
		return ifc.Index, nil
	}
	if err := errs.ValidateIfName(ifc.Name); err != nil {
		return 0, err
	}
	w := builder{b: make([]byte, ifinfomsgLen)}
	w.str(iflaIfname, ifc.Name)
	msgs, err := c.execute(ctx, "get link", ifc, netlink.Message{
		Header: netlink.Header{Type: rtmGetLink, Flags: netlink.Request},
		Data:   w.b,
	})
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if m.Header.Type == rtmNewLink && len(m.Data) >= 8 {
			return int(int32(binary.NativeEndian.Uint32(m.Data[4:8]))), nil
		}
	}
	return 0, &errs.Error{Op: "get link", Device: ifc.Name, Err: fmt.Errorf("%w: no RTM_NEWLINK in the reply", errs.ErrNotFound)}
}

func dumpRequest(typ netlink.HeaderType, ifindex int, parent Handle) netlink.Message {
	return netlink.Message{
		Header: netlink.Header{Type: typ, Flags: netlink.Request | netlink.Dump},
		Data:   appendTCMsg(nil, tcmsg{ifindex: int32(ifindex), parent: uint32(parent)}),
	}
}

// restartInterrupted runs attempt, which reads one whole dump, again for
// as long as it fails with errDumpInterrupted, up to maxDumpRetries times.
// attempt must start from nothing each time: a restarted dump repeats the
// objects the interrupted one already sent.
func restartInterrupted(op string, ifc Interface, attempt func() error) error {
	for range maxDumpRetries {
		if err := attempt(); !errors.Is(err, errDumpInterrupted) {
			return err
		}
	}
	return &errs.Error{Op: op, Device: ifc.String(), Err: errDumpInterrupted}
}

// dump runs a dump request and decodes each reply of type want, retrying
// when the kernel marks the dump interrupted.
func dump[T any](ctx context.Context, c *Client, op string, ifc Interface, req netlink.Message, want netlink.HeaderType, dec func([]byte) (T, error)) ([]T, error) {
	var out []T
	err := restartInterrupted(op, ifc, func() error {
		msgs, err := c.execute(ctx, op, ifc, req)
		if err != nil {
			return err
		}
		out = make([]T, 0, len(msgs))
		for _, m := range msgs {
			if m.Header.Flags&netlink.DumpInterrupted != 0 {
				return errDumpInterrupted
			}
			if m.Header.Type != want {
				continue
			}
			v, err := dec(m.Data)
			if err != nil {
				return &errs.Error{Op: "decode " + op, Device: ifc.String(), Err: err}
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Qdiscs lists the qdiscs of an interface (RTM_GETQDISC dump, filtered to
// the interface).
func (c *Client) Qdiscs(ctx context.Context, ifc Interface) ([]Qdisc, error) {
	idx, err := c.resolve(ctx, ifc)
	if err != nil {
		return nil, err
	}
	all, err := dump(ctx, c, "dump qdiscs", ifc, dumpRequest(rtmGetQdisc, idx, 0), rtmNewQdisc, DecodeQdisc)
	if err != nil {
		return nil, err
	}
	// Older kernels ignore tcm_ifindex in qdisc dumps and return every
	// interface's qdiscs.
	out := all[:0]
	for _, q := range all {
		if q.Ifindex == idx {
			out = append(out, q)
		}
	}
	return out, nil
}

// Chains lists the filter chains of parent (ParentIngress for ingress and
// clsact, ParentEgress for clsact egress).
func (c *Client) Chains(ctx context.Context, ifc Interface, parent Handle) ([]Chain, error) {
	idx, err := c.resolve(ctx, ifc)
	if err != nil {
		return nil, err
	}
	return dump(ctx, c, "dump chains", ifc, dumpRequest(rtmGetChain, idx, parent), rtmNewChain, DecodeChain)
}

// FilterList returns every filter of parent on the interface, in all
// chains, as `tc -s filter show dev X ingress` lists them. Interrupted
// dumps are retried.
func (c *Client) FilterList(ctx context.Context, ifc Interface, parent Handle) ([]Filter, error) {
	idx, err := c.resolve(ctx, ifc)
	if err != nil {
		return nil, err
	}
	byIdx := Interface{Index: idx, Name: ifc.Name}
	// Decoded as the datagrams arrive (through Filters), so the raw dump
	// is not held next to its decoded form: for 10k filters that halves
	// the live heap the garbage collector has to walk.
	var out []Filter
	err = restartInterrupted("dump filters", ifc, func() error {
		out = nil
		for f, err := range c.Filters(ctx, byIdx, parent) {
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Filters streams the filters of parent, decoding each as it arrives, so
// that a dump of many filters is not held in memory twice. The socket is
// held until the iteration ends. If the kernel marks the dump interrupted
// the sequence ends with an error matching errs.ErrBusy; FilterList
// retries instead.
func (c *Client) Filters(ctx context.Context, ifc Interface, parent Handle) iter.Seq2[Filter, error] {
	return func(yield func(Filter, error) bool) {
		idx, err := c.resolve(ctx, ifc)
		if err != nil {
			yield(Filter{}, err)
			return
		}
		const op = "dump filters"
		c.mu.Lock()
		defer c.mu.Unlock()
		defer genl.BindContext(ctx, c.c)()
		if err := c.unfinished.Finish(c.read); err != nil {
			yield(Filter{}, nlerr.Netlink(ctx, op+": finish the dump an earlier caller left", ifc.String(), err))
			return
		}
		sent, err := c.c.Send(dumpRequest(rtmGetTFilter, idx, parent))
		if err != nil {
			yield(Filter{}, nlerr.Netlink(ctx, op, ifc.String(), err))
			return
		}
		if c.read != nil && c.buf == nil {
			c.buf = make([]byte, nldgram.BufferSize)
		}
		// Each datagram is read into c.buf and split in place; the
		// decoded Filters copy what they keep.
		for m, err := range nldgram.Replies(c.c, c.read, c.buf, sent, &c.unfinished) {
			if err != nil {
				yield(Filter{}, nlerr.Netlink(ctx, op, ifc.String(), err))
				return
			}
			if m.Header.Flags&netlink.DumpInterrupted != 0 {
				yield(Filter{}, &errs.Error{Op: op, Device: ifc.String(), Err: errDumpInterrupted})
				return
			}
			if m.Header.Type != rtmNewTFilter {
				continue
			}
			f, err := DecodeFilter(m.Data)
			if err != nil {
				err = &errs.Error{Op: "decode filter", Device: ifc.String(), Err: err}
			}
			if !yield(f, err) || err != nil {
				return
			}
		}
	}
}

// AddFilter creates a flower filter on the interface (RTM_NEWTFILTER with
// NLM_F_CREATE|NLM_F_EXCL, as `tc filter add`). f.Parent, f.Priority and
// f.Protocol place it; f.Handle 0 lets the kernel choose. An existing filter
// with the same handle gives an error matching errs.ErrExists. Needs
// CAP_NET_ADMIN.
func (c *Client) AddFilter(ctx context.Context, ifc Interface, f Filter) error {
	return c.newFilter(ctx, ifc, f, netlink.Create|netlink.Excl, "add filter")
}

// ReplaceFilter creates the filter or replaces the one with the same
// handle (`tc filter replace`).
func (c *Client) ReplaceFilter(ctx context.Context, ifc Interface, f Filter) error {
	return c.newFilter(ctx, ifc, f, netlink.Create|netlink.Replace, "replace filter")
}

func (c *Client) newFilter(ctx context.Context, ifc Interface, f Filter, flags netlink.HeaderFlags, op string) error {
	// Validate before resolving anything: bad input touches nothing.
	if _, err := EncodeFilter(1, f); err != nil {
		return err
	}
	idx, err := c.resolve(ctx, ifc)
	if err != nil {
		return err
	}
	body, err := EncodeFilter(idx, f)
	if err != nil {
		return err
	}
	_, err = c.execute(ctx, op, ifc, netlink.Message{
		Header: netlink.Header{Type: rtmNewTFilter, Flags: netlink.Request | netlink.Acknowledge | flags},
		Data:   body,
	})
	return err
}

// DeleteFilter deletes filters (RTM_DELTFILTER): one filter when f.Handle,
// f.Priority and f.Kind are set, all filters of a priority with Handle 0,
// all of the parent with Priority 0. A missing filter gives an error
// matching errs.ErrNotFound. Needs CAP_NET_ADMIN.
func (c *Client) DeleteFilter(ctx context.Context, ifc Interface, f Filter) error {
	if _, err := EncodeDelete(1, f); err != nil {
		return err
	}
	idx, err := c.resolve(ctx, ifc)
	if err != nil {
		return err
	}
	body, err := EncodeDelete(idx, f)
	if err != nil {
		return err
	}
	_, err = c.execute(ctx, "delete filter", ifc, netlink.Message{
		Header: netlink.Header{Type: rtmDelTFilter, Flags: netlink.Request | netlink.Acknowledge},
		Data:   body,
	})
	return err
}
