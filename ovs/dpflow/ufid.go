package dpflow

import (
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// UFID is a datapath unique flow identifier in the byte order OVS prints
// it: four 32-bit words, each big-endian, as in
// ufid:67c2e10f-92d4-4574-be70-d072815ff166. The zero UFID means none.
//
// This is the one UFID type of the module: package tc reads it from the
// action cookies OVS writes (tc.Action.UFID) and tc/ovsjoin joins dump-flows
// lines to tc filters by it. The cookie holds the same 128 bits in OVS's
// memory layout instead (see Cookie and UFIDFromCookie).
type UFID [16]byte

// ParseUFID parses the printed form (with or without the "ufid:" prefix).
func ParseUFID(s string) (UFID, error) {
	var u UFID
	t := strings.TrimPrefix(s, "ufid:")
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return u, errs.Invalid("ufid", s, "want 8-4-4-4-12 hex digits")
	}
	nib := 0
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue // the dashes, checked above
		}
		d, ok := unhex(t[i])
		if !ok {
			return UFID{}, errs.Invalid("ufid", s, "not hexadecimal")
		}
		u[nib/2] |= d << (4 * (1 - nib%2))
		nib++
	}
	return u, nil
}

// IsZero reports whether u is the zero UFID (no ufid printed).
func (u UFID) IsZero() bool { return u == UFID{} }

// String formats u as OVS prints it, without the "ufid:" prefix.
func (u UFID) String() string {
	return string(u.appendText(nil))
}

// MarshalText implements encoding.TextMarshaler with the printed form, so a
// UFID reads as OVS prints it in JSON reports.
func (u UFID) MarshalText() ([]byte, error) { return u.appendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseUFID.
func (u *UFID) UnmarshalText(b []byte) error {
	v, err := ParseUFID(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

func (u UFID) appendText(b []byte) []byte {
	var buf [32]byte
	hex.Encode(buf[:], u[:])
	b = append(b, buf[0:8]...)
	b = append(b, '-')
	b = append(b, buf[8:12]...)
	b = append(b, '-')
	b = append(b, buf[12:16]...)
	b = append(b, '-')
	b = append(b, buf[16:20]...)
	b = append(b, '-')
	return append(b, buf[20:32]...)
}

// Words returns the four 32-bit words of the ovs_u128 the UFID prints.
func (u UFID) Words() [4]uint32 {
	return [4]uint32{
		binary.BigEndian.Uint32(u[0:]), binary.BigEndian.Uint32(u[4:]),
		binary.BigEndian.Uint32(u[8:]), binary.BigEndian.Uint32(u[12:]),
	}
}

// Cookie returns the UFID as OVS stores it in memory, which is what its TC
// offload puts in the TC action cookie (lib/netdev-offload-tc.c sets the
// cookie to the flow's ovs_u128, 16 bytes): the four words in the byte
// order of the host that ran ovs-vswitchd (binary.NativeEndian for this
// host). On little-endian hosts this is not the printed byte order, which
// is why a cookie and `ovs-appctl dpctl/dump-flows` agree only when read
// with the byte order of the machine that wrote them.
func (u UFID) Cookie(order binary.ByteOrder) [16]byte {
	var c [16]byte
	for i, w := range u.Words() {
		order.PutUint32(c[4*i:], w)
	}
	return c
}

// UFIDFromCookie converts a TC action cookie written by OVS (exactly 16
// bytes, the in-memory ovs_u128 in the given byte order) to the printed
// UFID, so TC filters can be joined to dump-flows lines. A cookie of any
// other length is not one OVS wrote and returns an error matching
// errs.ErrInvalidArgument.
func UFIDFromCookie(cookie []byte, order binary.ByteOrder) (UFID, error) {
	var u UFID
	if len(cookie) != len(u) {
		return u, errs.Invalid("tc cookie", hex.EncodeToString(cookie), "not 16 bytes")
	}
	for i := 0; i < 4; i++ {
		binary.BigEndian.PutUint32(u[4*i:], order.Uint32(cookie[4*i:]))
	}
	return u, nil
}
