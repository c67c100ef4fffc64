package tc

import (
	"encoding/binary"
	"fmt"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Attr is a netlink attribute the decoder did not recognise. It is kept,
// type and payload as the kernel sent them, so that a newer kernel's
// additions are visible rather than silently lost. Type includes the
// NLA_F_NESTED and NLA_F_NET_BYTEORDER bits when the sender set them.
type Attr struct {
	Type uint16   `json:"type"`
	Data HexBytes `json:"data"`
}

const (
	nlaNested    = 0x8000
	nlaByteOrder = 0x4000
	nlaTypeMask  = ^uint16(nlaNested | nlaByteOrder)
)

// attrs walks a buffer of netlink attributes without allocating. It stops at
// the first malformed attribute and records the error, so callers loop with
// next() and check err afterwards.
type attrs struct {
	b    []byte
	typ  uint16 // with flag bits
	data []byte
	err  error
}

func newAttrs(b []byte) attrs { return attrs{b: b} }

func (a *attrs) next() bool {
	if len(a.b) == 0 || a.err != nil {
		return false
	}
	if len(a.b) < 4 {
		a.err = fmt.Errorf("%w: %d trailing bytes after the last attribute", errMalformed, len(a.b))
		return false
	}
	l := int(binary.NativeEndian.Uint16(a.b[0:2]))
	if l < 4 || l > len(a.b) {
		a.err = fmt.Errorf("%w: attribute length %d with %d bytes left", errMalformed, l, len(a.b))
		return false
	}
	a.typ = binary.NativeEndian.Uint16(a.b[2:4])
	a.data = a.b[4:l]
	al := (l + 3) &^ 3
	if al > len(a.b) {
		al = len(a.b)
	}
	a.b = a.b[al:]
	return true
}

// t is the attribute type without the flag bits.
func (a *attrs) t() uint16 { return a.typ & nlaTypeMask }

// keep copies the current attribute for Unknown lists; the copy keeps the
// caller's data independent of the receive buffer.
func (a *attrs) keep() Attr {
	return Attr{Type: a.typ, Data: append([]byte(nil), a.data...)}
}

func (a *attrs) u8() (uint8, error) {
	if len(a.data) < 1 {
		return 0, a.short(1)
	}
	return a.data[0], nil
}

func (a *attrs) u16() (uint16, error) {
	if len(a.data) < 2 {
		return 0, a.short(2)
	}
	return binary.NativeEndian.Uint16(a.data), nil
}

func (a *attrs) be16() (uint16, error) {
	if len(a.data) < 2 {
		return 0, a.short(2)
	}
	return binary.BigEndian.Uint16(a.data), nil
}

func (a *attrs) u32() (uint32, error) {
	if len(a.data) < 4 {
		return 0, a.short(4)
	}
	return binary.NativeEndian.Uint32(a.data), nil
}

func (a *attrs) be32() (uint32, error) {
	if len(a.data) < 4 {
		return 0, a.short(4)
	}
	return binary.BigEndian.Uint32(a.data), nil
}

func (a *attrs) u64() (uint64, error) {
	if len(a.data) < 8 {
		return 0, a.short(8)
	}
	return binary.NativeEndian.Uint64(a.data), nil
}

func (a *attrs) str() string {
	d := a.data
	for i, c := range d {
		if c == 0 {
			d = d[:i]
			break
		}
	}
	return string(d)
}

func (a *attrs) short(want int) error {
	return fmt.Errorf("%w: attribute %d has %d bytes, want %d", errMalformed, a.t(), len(a.data), want)
}

// builder appends netlink attributes to a byte slice. Nesting is explicit
// (start/end) so that the NLA_F_NESTED bit is set exactly where iproute2
// sets it: the kernel accepts either, but byte-for-byte comparison with
// recorded requests needs the same choice.
type builder struct {
	b   []byte
	err error // set when an attribute outgrows its 16-bit length
}

func (w *builder) tooLong(typ uint16, l int) {
	if w.err == nil {
		w.err = errs.Invalid("netlink attribute", fmt.Sprint(typ&nlaTypeMask), fmt.Sprintf("%d bytes exceed the 65535 an attribute can hold", l))
	}
}

func (w *builder) put(typ uint16, data []byte) {
	l := 4 + len(data)
	if l > 0xffff {
		w.tooLong(typ, l)
		return
	}
	w.b = binary.NativeEndian.AppendUint16(w.b, uint16(l))
	w.b = binary.NativeEndian.AppendUint16(w.b, typ)
	w.b = append(w.b, data...)
	for l&3 != 0 {
		w.b = append(w.b, 0)
		l++
	}
}

func (w *builder) u8(typ uint16, v uint8) { w.put(typ, []byte{v}) }

func (w *builder) u16(typ uint16, v uint16) {
	w.put(typ, binary.NativeEndian.AppendUint16(nil, v))
}

func (w *builder) be16(typ uint16, v uint16) {
	w.put(typ, binary.BigEndian.AppendUint16(nil, v))
}

func (w *builder) u32(typ uint16, v uint32) {
	w.put(typ, binary.NativeEndian.AppendUint32(nil, v))
}

func (w *builder) be32(typ uint16, v uint32) {
	w.put(typ, binary.BigEndian.AppendUint32(nil, v))
}

func (w *builder) str(typ uint16, s string) { w.put(typ, append([]byte(s), 0)) }

// start opens a nested attribute and returns its offset for end.
func (w *builder) start(typ uint16) int {
	off := len(w.b)
	w.b = binary.NativeEndian.AppendUint16(w.b, 0)
	w.b = binary.NativeEndian.AppendUint16(w.b, typ)
	return off
}

func (w *builder) end(off int) {
	l := len(w.b) - off
	if l > 0xffff {
		w.tooLong(binary.NativeEndian.Uint16(w.b[off+2:]), l)
	}
	binary.NativeEndian.PutUint16(w.b[off:], uint16(l))
}
