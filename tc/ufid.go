package tc

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// UFID is an Open vSwitch datapath flow's unique flow identifier, as OVS
// stores it in a tc action cookie: the 128-bit ovs_u128 in OVS's memory
// layout, four 32-bit words in host byte order (lib/netdev-offload-tc.c sets
// the cookie to the flow's ufid, 16 bytes). The byte order of the words is
// the host's, which is the kernel's, which is why the cookie and
// `ovs-appctl dpctl/dump-flows` agree only when read on the same machine.
type UFID [16]byte

// words returns the four 32-bit words OVS formats.
func (u UFID) words() [4]uint32 {
	var w [4]uint32
	for i := range w {
		w[i] = binary.NativeEndian.Uint32(u[i*4:])
	}
	return w
}

// String formats the UFID as OVS does after "ufid:":
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, built from the words
// w0, w1>>16, w1&0xffff, w2>>16, w2&0xffff and w3.
func (u UFID) String() string {
	w := u.words()
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%04x%08x", w[0], w[1]>>16, w[1]&0xffff, w[2]>>16, w[2]&0xffff, w[3])
}

// MarshalText implements encoding.TextMarshaler.
func (u UFID) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseUFID.
func (u *UFID) UnmarshalText(b []byte) error {
	v, err := ParseUFID(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

// IsZero reports whether u is all zeros.
func (u UFID) IsZero() bool { return u == UFID{} }

// ParseUFID parses the OVS text form, with or without the "ufid:" prefix.
func ParseUFID(s string) (UFID, error) {
	t := strings.TrimPrefix(s, "ufid:")
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return UFID{}, errs.Invalid("ufid", s, "want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
	}
	h, err := hex.DecodeString(t[0:8] + t[9:13] + t[14:18] + t[19:23] + t[24:36])
	if err != nil {
		return UFID{}, errs.Invalid("ufid", s, "not hex")
	}
	var u UFID
	for i := range 4 {
		binary.NativeEndian.PutUint32(u[i*4:], binary.BigEndian.Uint32(h[i*4:]))
	}
	return u, nil
}

// UFIDFromCookie reads a UFID from a 16-byte action cookie; other lengths
// are not OVS cookies.
func UFIDFromCookie(c []byte) (UFID, bool) {
	if len(c) != 16 {
		return UFID{}, false
	}
	return UFID(c), true
}

// UFID returns the OVS flow id stored in the action's cookie, if any.
func (a Action) UFID() (UFID, bool) { return UFIDFromCookie(a.Cookie) }

// Cookie returns the 16 bytes OVS would put in an action cookie for u.
func (u UFID) Cookie() []byte { return append([]byte(nil), u[:]...) }
