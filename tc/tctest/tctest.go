// Package tctest reads the netlink recordings under testdata/tc (written by
// hack/tc-bench/record.sh from iproute2's tc under strace) and serves them
// as a fake kernel for github.com/mdlayher/netlink/nltest, so that tests of
// code built on package tc need neither root nor cls_flower.
package tctest

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
)

// Recording is one recorded tc invocation: what tc sent and what the
// kernel answered, as netlink messages.
type Recording struct {
	// Command is the recorded command line ("tc -s filter show dev p1 ingress").
	Command string
	// Sent and Received are the messages in order.
	Sent, Received []netlink.Message
}

// ReadRecording parses a .nl recording: "#" comment lines (the first is
// "# command: ..."), then blocks headed ">" (sent) or "<" (received) of hex
// lines, each block one socket buffer of whole netlink messages.
func ReadRecording(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := ParseRecording(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// ParseRecording parses a recording from rd; see ReadRecording.
func ParseRecording(rd io.Reader) (*Recording, error) {
	r := &Recording{}
	var dir string
	var buf []byte
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		msgs, err := split(buf)
		if err != nil {
			return err
		}
		if dir == ">" {
			r.Sent = append(r.Sent, msgs...)
		} else {
			r.Received = append(r.Received, msgs...)
		}
		buf = nil
		return nil
	}
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "# command: "):
			r.Command = strings.TrimPrefix(line, "# command: ")
		case line == "" || strings.HasPrefix(line, "#"):
		case line == ">" || line == "<":
			if err := flush(); err != nil {
				return nil, err
			}
			dir = line
		default:
			b, err := hex.DecodeString(line)
			if err != nil {
				return nil, err
			}
			buf = append(buf, b...)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return r, nil
}

func split(b []byte) ([]netlink.Message, error) {
	var msgs []netlink.Message
	for len(b) >= 16 {
		l := int(binary.NativeEndian.Uint32(b[0:4]))
		if l < 16 || l > len(b) {
			return nil, fmt.Errorf("netlink message length %d with %d bytes left", l, len(b))
		}
		var m netlink.Message
		if err := m.UnmarshalBinary(b[:l]); err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
		b = b[min((l+3)&^3, len(b)):]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%d trailing bytes after the last netlink message", len(b))
	}
	return msgs, nil
}

// ReceivedOfType returns the received messages of type typ.
func (r *Recording) ReceivedOfType(typ netlink.HeaderType) []netlink.Message {
	var out []netlink.Message
	for _, m := range r.Received {
		if m.Header.Type == typ {
			out = append(out, m)
		}
	}
	return out
}

// DumpServer returns an nltest.Func that answers every request with msgs as
// a multi-part dump, each message stamped with the request's sequence
// number and port id.
func DumpServer(msgs []netlink.Message) nltest.Func {
	return func(req []netlink.Message) ([]netlink.Message, error) {
		h := req[0].Header
		out := make([]netlink.Message, 0, len(msgs)+1)
		for _, m := range msgs {
			m.Header.Sequence, m.Header.PID = h.Sequence, h.PID
			out = append(out, m)
		}
		// nltest.Multipart turns the last message into NLMSG_DONE.
		out = append(out, netlink.Message{Header: netlink.Header{Sequence: h.Sequence, PID: h.PID}, Data: make([]byte, 4)})
		return nltest.Multipart(out)
	}
}
