package nldgram

import (
	"encoding/binary"
	"errors"
	"syscall"
	"testing"

	"github.com/mdlayher/netlink"
)

func nlmsg(typ netlink.HeaderType, flags netlink.HeaderFlags, seq uint32, data []byte) []byte {
	b := binary.NativeEndian.AppendUint32(nil, uint32(16+len(data)))
	b = binary.NativeEndian.AppendUint16(b, uint16(typ))
	b = binary.NativeEndian.AppendUint16(b, uint16(flags))
	b = binary.NativeEndian.AppendUint32(b, seq)
	b = binary.NativeEndian.AppendUint32(b, 77) // PID
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func errno(e syscall.Errno) []byte { return binary.NativeEndian.AppendUint32(nil, uint32(-int32(e))) }

// extack is NLMSGERR_ATTR_MSG "bad" and NLMSGERR_ATTR_OFFS 20.
func extack() []byte {
	ae := netlink.NewAttributeEncoder()
	ae.String(1, "bad")
	ae.Uint32(2, 20)
	b, _ := ae.Encode()
	return b
}

// split collects the payloads of type typ after a 4-byte genl header, and
// whether a message was marked NLM_F_DUMP_INTR.
func split(d []byte, sent netlink.Message, typ netlink.HeaderType) (payloads [][]byte, intr, done bool, err error) {
	done, err = Split(d, sent, make([]netlink.Message, 1), func(h netlink.Header, data []byte) {
		if h.Flags&netlink.DumpInterrupted != 0 {
			intr = true
		}
		if h.Type == typ && len(data) >= 4 {
			payloads = append(payloads, data[4:])
		}
	})
	return payloads, intr, done, err
}

// TestSplit: the replies of a dump read from a datagram, as the netlink
// package's receive would give them, with the kernel's errors.
func TestSplit(t *testing.T) {
	t.Parallel()
	const fam, seq = 0x22, 5
	sent := netlink.Message{Header: netlink.Header{Type: fam, Sequence: seq, PID: 77}}
	payload := []byte{3, 1, 0, 0, 0xaa, 0xbb}
	req := nlmsg(fam, netlink.Request|netlink.Dump, seq, []byte{3, 1, 0, 0, 9, 0, 0, 0})
	for _, tc := range []struct {
		name     string
		d        []byte
		payloads int
		done     bool
		intr     bool
		errno    syscall.Errno
		msg      string
		bad      bool // an error that is not an errno from the kernel
	}{
		{name: "flows", d: append(nlmsg(fam, netlink.Multi, seq, payload), nlmsg(fam, netlink.Multi, seq, payload)...), payloads: 2},
		{name: "flows then done", d: append(nlmsg(fam, netlink.Multi, seq, payload), nlmsg(netlink.Done, netlink.Multi, seq, errno(0))...), payloads: 1, done: true},
		{name: "empty done", d: nlmsg(netlink.Done, netlink.Multi, seq, nil), done: true},
		{name: "other types and noop skipped", d: append(nlmsg(fam+1, netlink.Multi, seq, payload), nlmsg(netlink.Noop, netlink.Multi, seq, nil)...)},
		{name: "short payload skipped", d: nlmsg(fam, netlink.Multi, seq, []byte{3, 1}), payloads: 0},
		{name: "interrupted", d: nlmsg(fam, netlink.Multi|netlink.DumpInterrupted, seq, payload), payloads: 1, intr: true},
		{name: "single part", d: nlmsg(fam, 0, seq, payload), payloads: 1, done: true},
		{name: "done with errno", d: nlmsg(netlink.Done, netlink.Multi, seq, errno(syscall.ENODEV)), done: true, errno: syscall.ENODEV},
		{name: "done with extack", d: nlmsg(netlink.Done, netlink.Multi|netlink.AcknowledgeTLVs, seq, append(errno(syscall.EINVAL), extack()...)), done: true, errno: syscall.EINVAL, msg: "bad"},
		{name: "error", d: nlmsg(netlink.Error, 0, seq, append(errno(syscall.ENODEV), req...)), done: true, errno: syscall.ENODEV},
		{name: "error with extack", d: nlmsg(netlink.Error, netlink.AcknowledgeTLVs, seq, append(append(errno(syscall.EINVAL), req...), extack()...)), done: true, errno: syscall.EINVAL, msg: "bad"},
		{name: "error with capped echo and extack", d: nlmsg(netlink.Error, netlink.AcknowledgeTLVs|netlink.Capped, seq, append(append(errno(syscall.EPERM), req[:16]...), extack()...)), done: true, errno: syscall.EPERM, msg: "bad"},
		{name: "ack", d: nlmsg(netlink.Error, 0, seq, append(errno(0), req...)), done: true},
		{name: "overrun", d: nlmsg(netlink.Overrun, netlink.Multi, seq, nil), done: true, errno: syscall.ENOBUFS},
		{name: "other request", d: nlmsg(fam, netlink.Multi, seq+1, payload), done: true, bad: true},
		{name: "length past the datagram", d: nlmsg(fam, netlink.Multi, seq, payload)[:20], done: true, bad: true},
		{name: "length under a header", d: append(binary.NativeEndian.AppendUint32(nil, 8), make([]byte, 12)...), done: true, bad: true},
		{name: "short error", d: nlmsg(netlink.Error, 0, seq, []byte{1}), done: true, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			payloads, intr, done, err := split(tc.d, sent, fam)
			if len(payloads) != tc.payloads || done != tc.done || intr != tc.intr {
				t.Errorf("%d payloads, done %v, interrupted %v; want %d, %v, %v", len(payloads), done, intr, tc.payloads, tc.done, tc.intr)
			}
			for _, p := range payloads {
				if string(p) != string(payload[4:]) {
					t.Errorf("payload %x, want %x", p, payload[4:])
				}
			}
			var oe *netlink.OpError
			switch {
			case tc.errno != 0:
				if !errors.Is(err, tc.errno) || !errors.As(err, &oe) || oe.Message != tc.msg {
					t.Errorf("error %#v, want %v with message %q", err, tc.errno, tc.msg)
				}
				if tc.msg != "" && oe.Offset != 20 {
					t.Errorf("extack offset %d, want 20", oe.Offset)
				}
			case tc.bad:
				if err == nil {
					t.Error("no error")
				}
			case err != nil:
				t.Errorf("error %v", err)
			}
		})
	}
}

// FuzzSplit: any bytes split without a panic, and every payload lies
// inside the datagram.
func FuzzSplit(f *testing.F) {
	const fam, seq = 0x22, 5
	f.Add(nlmsg(fam, netlink.Multi, seq, []byte{3, 1, 0, 0, 1}))
	f.Add(nlmsg(netlink.Error, netlink.AcknowledgeTLVs, seq, append(errno(syscall.EINVAL), extack()...)))
	f.Add(nlmsg(netlink.Done, netlink.Multi|netlink.AcknowledgeTLVs, seq, append(errno(syscall.EINVAL), extack()...)))
	sent := netlink.Message{Header: netlink.Header{Type: fam, Sequence: seq, PID: 77}}
	f.Fuzz(func(t *testing.T, d []byte) {
		payloads, _, _, _ := split(d, sent, fam)
		total := 0
		for _, p := range payloads {
			total += len(p)
		}
		if total > len(d) {
			t.Fatalf("%d payload bytes from a %d-byte datagram", total, len(d))
		}
	})
}
