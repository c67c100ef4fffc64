package dpflow

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func TestParseUFID(t *testing.T) {
	t.Parallel()
	u, err := ParseUFID("ufid:67c2e10f-92d4-4574-be70-d072815ff166")
	if err != nil {
		t.Fatal(err)
	}
	if u.String() != "67c2e10f-92d4-4574-be70-d072815ff166" {
		t.Errorf("String %s", u)
	}
	if w := u.Words(); w != [4]uint32{0x67c2e10f, 0x92d44574, 0xbe70d072, 0x815ff166} {
		t.Errorf("Words %#x", w)
	}
	// On a little-endian host the TC cookie holds each word reversed.
	c := u.Cookie(binary.LittleEndian)
	if c[0] != 0x0f || c[3] != 0x67 || c[4] != 0x74 {
		t.Errorf("little-endian cookie % x", c)
	}
	back, err := UFIDFromCookie(c[:], binary.LittleEndian)
	if err != nil || back != u {
		t.Errorf("UFIDFromCookie = %s, %v", back, err)
	}
	for _, bad := range []string{
		"", "67c2e10f-92d4-4574-be70-d072815ff16", "67c2e10f-92d4-4574-be70-d072815ff16g",
		"00000000-0000-0000-0000-0000-0000000", "67c2e10f_92d4-4574-be70-d072815ff166",
	} {
		if _, err := ParseUFID(bad); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("ParseUFID(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
	if _, err := UFIDFromCookie([]byte{1, 2}, binary.BigEndian); err == nil {
		t.Error("short cookie accepted")
	}
}

func TestFlagNotations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in         string
		value, msk CTState
	}{
		{"0x21/0x21", CTNew | CTTracked, CTNew | CTTracked},
		{"0/0x23", 0, CTNew | CTEstablished | CTTracked},
		{"+new+trk", CTNew | CTTracked, CTNew | CTTracked},
		{"-new+est+trk", CTEstablished | CTTracked, CTNew | CTEstablished | CTTracked},
		{"est|trk", CTEstablished | CTTracked, 0xffffffff},
		{"0/0", 0, 0},
		{"0x21", CTNew | CTTracked, 0xffffffff},
	} {
		v, m, err := ParseCTState(tc.in)
		if err != nil || v != tc.value || m != tc.msk {
			t.Errorf("ParseCTState(%q) = %#x/%#x %v, want %#x/%#x", tc.in, v, m, err, tc.value, tc.msk)
		}
	}
	if (CTNew | CTTracked).String() != "new|trk" {
		t.Errorf("CTState String %q", (CTNew | CTTracked).String())
	}
	if _, _, err := ParseCTState("+bogus"); err == nil {
		t.Error("unknown ct_state flag accepted")
	}
	v, m, err := ParseTCPFlags("+syn-ack")
	if err != nil || v != TCPSYN || m != TCPSYN|TCPACK {
		t.Errorf("ParseTCPFlags(+syn-ack) = %v %v %v", v, m, err)
	}
	f, err := ParseTCPFlagsInfo("SFP.")
	if err != nil || f != TCPSYN|TCPFIN|TCPPSH|TCPACK || f.String() != "SFP." {
		t.Errorf("ParseTCPFlagsInfo(SFP.) = %v %v", f, err)
	}
	if _, err := ParseTCPFlagsInfo("SX"); err == nil {
		t.Error("bad flag letter accepted")
	}
}

func TestMaskedValues(t *testing.T) {
	t.Parallel()
	ip, err := ParseMaskedIP("192.168.1.0/255.255.255.0")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := ip.Prefix(); !ok || p != netip.MustParsePrefix("192.168.1.0/24") {
		t.Errorf("Prefix = %v %v", p, ok)
	}
	odd, _ := ParseMaskedIP("1.2.3.4/255.0.255.0")
	if _, ok := odd.Prefix(); ok {
		t.Error("non-contiguous mask gave a prefix")
	}
	v6, err := ParseMaskedIP("::1/::255")
	if err != nil || !v6.Masked || v6.Mask != netip.MustParseAddr("::255") {
		t.Errorf("v6 %+v %v", v6, err)
	}
	mac, err := ParseMaskedMAC("00:01:02:03:04:05/ff:ff:ff:ff:ff:f0")
	if err != nil || mac.Addr.String() != "00:01:02:03:04:05" || mac.Mask != (MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xf0}) {
		t.Errorf("mac %+v %v", mac, err)
	}
	for _, bad := range []string{"00:01:02:03:04", "00:01:02:03:04:05:06", "0g:01:02:03:04:05", "00:01:02:03:04:"} {
		if _, err := ParseMAC(bad); err == nil {
			t.Errorf("ParseMAC(%q) accepted", bad)
		}
	}
	u, err := ParseMaskedUint("0x1234/0xfff0")
	if err != nil || u.Value != 0x1234 || u.Mask != 0xfff0 || !u.Masked {
		t.Errorf("uint %+v %v", u, err)
	}
	if u, err := ParseMaskedUint("24"); err != nil || u != (MaskedUint{Value: 24}) {
		t.Errorf("unmasked uint %+v %v", u, err)
	}
	for _, bad := range []string{"1/", "/1", "1/2/3", "0x", "-1"} {
		if u, err := ParseMaskedUint(bad); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("ParseMaskedUint(%q) = %+v, %v; want ErrInvalidArgument", bad, u, err)
		}
	}
}
