package nldgram

import (
	"iter"

	"github.com/mdlayher/netlink"
)

// A Reader reads the socket's next datagram into p, waiting as the
// socket's read deadline allows, and returns its length.
type Reader func(p []byte) (int, error)

// Replies iterates over the replies to sent (already sent on c), but for
// the kernel's DONE, ERROR and NOOP messages, whose errors end the
// sequence. With a Reader the datagrams are read into buf (BufferSize
// bytes or more) and a message's Data is valid only until the next
// iteration; without one (r nil) they come from the netlink package's
// receive. Stopping early reads the rest of the reply and drops it, so the
// next request on c is not answered with it. A read that fails before the
// reply's end (its deadline passed) leaves the rest noted in u, for the
// socket's next request to Finish first.
func Replies(c *netlink.Conn, r Reader, buf []byte, sent netlink.Message, u *Unfinished) iter.Seq2[netlink.Message, error] {
	if r == nil {
		return c.ReceiveIter()
	}
	return func(yield func(netlink.Message, error) bool) {
		one := make([]netlink.Message, 1)
		var msgs []netlink.Message
		collect := func(h netlink.Header, data []byte) { msgs = append(msgs, netlink.Message{Header: h, Data: data}) }
		for {
			msgs = msgs[:0]
			n, err := r(buf)
			done := true
			if err != nil {
				u.Note(sent)
			} else {
				done, err = Split(buf[:n], sent, one, collect)
			}
			for _, m := range msgs {
				if !yield(m, nil) {
					if !done && err == nil {
						_ = Drain(r, buf, sent, one, u)
					}
					return
				}
			}
			if err != nil {
				yield(netlink.Message{}, err)
				return
			}
			if done {
				return
			}
		}
	}
}

// Drain reads the rest of a reply to sent and drops it, into buf (one
// a scratch slice as for Split): the kernel sends every datagram of a dump
// it started, and refuses the socket another dump until then. A read that
// fails (its deadline passed) is returned, and the rest noted in u.
func Drain(r Reader, buf []byte, sent netlink.Message, one []netlink.Message, u *Unfinished) error {
	for {
		n, err := r(buf)
		if err != nil {
			u.Note(sent)
			return err
		}
		if done, err := Split(buf[:n], sent, one, func(netlink.Header, []byte) {}); done || err != nil {
			return nil
		}
	}
}

// Unfinished remembers a reply the socket still owes: a dump whose reader
// gave up before its end, usually because a deadline passed. The kernel
// goes on sending it, and answers the socket's next dump request with
// EBUSY while it does, so that request must first read it to its end
// (Finish). The zero value owes nothing; a nil *Unfinished notes nothing.
// It is not safe for concurrent use: it belongs to one socket, under the
// lock that serialises the socket's requests.
type Unfinished struct {
	sent    netlink.Message
	pending bool
}

// Note records that the reply to sent was left before its end.
func (u *Unfinished) Note(sent netlink.Message) {
	if u != nil {
		u.sent, u.pending = sent, true
	}
}

// Finish reads the rest of the reply u remembers, if any, as the socket's
// deadline allows; if that fails the reply stays noted.
func (u *Unfinished) Finish(r Reader) error {
	if u == nil || !u.pending || r == nil {
		return nil
	}
	u.pending = false
	return Drain(r, make([]byte, BufferSize), u.sent, make([]netlink.Message, 1), u)
}
