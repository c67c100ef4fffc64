package nldgram

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	"github.com/mdlayher/netlink"
)

// BufferSize is the receive buffer per datagram to use. The kernel sizes dump
// datagrams by the reader's buffer, up to 32 KiB (netlink_recvmsg caps
// max_recvmsg_len at SKB_WITH_OVERHEAD(32768)); twice that leaves room for
// a family that asks for larger ones, and a datagram larger still is
// reported as truncated, never silently cut.
const BufferSize = 64 << 10

const nlmsgHeaderLen = 16

// ErrTruncated: a datagram did not fit the receive buffer.
var ErrTruncated = errors.New("netlink datagram larger than the receive buffer: truncated")

// Split calls fn with the header and payload of every message of the
// datagram d, a reply to sent, but for NLMSG_DONE, NLMSG_ERROR and
// NLMSG_NOOP; the payloads alias d. done reports that the reply ended in
// d: an NLMSG_DONE, an error message, or a datagram with no multi-part
// message. A message from another request or a malformed one ends the
// split with an error, as does an error message from the kernel (a
// *netlink.OpError with its errno and extended acknowledgement). one is a
// one-message scratch slice for netlink.Validate, so that splitting
// allocates nothing.
func Split(d []byte, sent netlink.Message, one []netlink.Message, fn func(h netlink.Header, data []byte)) (done bool, err error) {
	multi := false
	for len(d) >= nlmsgHeaderLen {
		l := int(binary.NativeEndian.Uint32(d))
		if l < nlmsgHeaderLen || l > len(d) {
			return true, &netlink.OpError{Op: "receive", Err: fmt.Errorf("netlink message of %d bytes in %d bytes left of the datagram: %w", l, len(d), syscall.EBADMSG)}
		}
		h := netlink.Header{
			Length:   uint32(l),
			Type:     netlink.HeaderType(binary.NativeEndian.Uint16(d[4:])),
			Flags:    netlink.HeaderFlags(binary.NativeEndian.Uint16(d[6:])),
			Sequence: binary.NativeEndian.Uint32(d[8:]),
			PID:      binary.NativeEndian.Uint32(d[12:]),
		}
		data := d[nlmsgHeaderLen:l]
		one[0] = netlink.Message{Header: h}
		if err := netlink.Validate(sent, one); err != nil {
			return true, err
		}
		if h.Flags&netlink.Multi != 0 {
			multi = true
		}
		switch h.Type {
		case netlink.Done:
			return true, replyError(h, data)
		case netlink.Error:
			if err := replyError(h, data); err != nil {
				return true, err
			}
		case netlink.Overrun:
			return true, &netlink.OpError{Op: "receive", Err: syscall.ENOBUFS, Sequence: h.Sequence}
		case netlink.Noop:
		default:
			fn(h, data)
		}
		d = d[min((l+3)&^3, len(d)):]
	}
	return !multi, nil
}

// replyError is the error an NLMSG_ERROR or NLMSG_DONE message carries, nil
// for none (errno 0, or a DONE without an errno): the errno, and the
// kernel's extended acknowledgement message and offset when it sent them.
func replyError(h netlink.Header, data []byte) error {
	if h.Type == netlink.Done && len(data) == 0 {
		return nil
	}
	if len(data) < 4 {
		return &netlink.OpError{Op: "receive", Err: fmt.Errorf("short error message: %w", syscall.EBADMSG), Sequence: h.Sequence}
	}
	code := int32(binary.NativeEndian.Uint32(data))
	if code == 0 {
		return nil
	}
	oerr := &netlink.OpError{Op: "receive", Err: syscall.Errno(-code), Sequence: h.Sequence}
	if h.Flags&netlink.AcknowledgeTLVs == 0 {
		return oerr
	}
	off := 4
	if h.Type == netlink.Error {
		// The request's header follows the errno, then its payload unless
		// the kernel capped the echo, then the attributes.
		if len(data) < 4+nlmsgHeaderLen {
			return oerr
		}
		off = 4 + nlmsgHeaderLen
		if h.Flags&netlink.Capped == 0 {
			off = 4 + int(binary.NativeEndian.Uint32(data[4:]))
		}
		if off < 4+nlmsgHeaderLen || off > len(data) {
			return oerr
		}
	}
	ad, err := netlink.NewAttributeDecoder(data[off:])
	if err != nil {
		return oerr
	}
	for ad.Next() {
		switch ad.Type() {
		case 1: // NLMSGERR_ATTR_MSG
			oerr.Message = ad.String()
		case 2: // NLMSGERR_ATTR_OFFS
			oerr.Offset = int(ad.Uint32())
		}
	}
	return oerr
}
