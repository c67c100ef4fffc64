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
// next request on c is not answered with it.
func Replies(c *netlink.Conn, r Reader, buf []byte, sent netlink.Message) iter.Seq2[netlink.Message, error] {
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
			if err == nil {
				done, err = Split(buf[:n], sent, one, collect)
			}
			for _, m := range msgs {
				if !yield(m, nil) {
					if !done && err == nil {
						Drain(r, buf, sent, one)
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
// it started.
func Drain(r Reader, buf []byte, sent netlink.Message, one []netlink.Message) {
	for {
		n, err := r(buf)
		if err != nil {
			return
		}
		if done, err := Split(buf[:n], sent, one, func(netlink.Header, []byte) {}); done || err != nil {
			return
		}
	}
}
