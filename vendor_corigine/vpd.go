package corigine

import (
	"fmt"
	"regexp"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// VPD is a parsed PCI Vital Product Data image (the sysfs "vpd" file).
type VPD struct {
	// Identifier is the product name string (large resource 0x82).
	Identifier string
	// Fields are the read-only keywords (large resource 0x90): "PN" part
	// number, "EC" engineering change, "SN" serial number, "MN"
	// manufacturer, "V0".."VZ" vendor specific. The checksum "RV" is left
	// out.
	Fields map[string]string
}

// VPD resource tags (PCI Local Bus 3.0, section 6.4 and appendix I).
const (
	vpdTagIdentifier = 0x82
	vpdTagReadOnly   = 0x90
	vpdTagWritable   = 0x91
	vpdTagEnd        = 0x78 // small resource, item 0xF, length 0
)

// ParseVPD parses a VPD image: large resources (tag, 16-bit little-endian
// length, data) up to the small end tag. Keywords are two characters, a
// length byte and the data. It never panics on short or odd input; the
// image the kernel returns is often padded with 0xff or 0x00 after the end
// tag. On a malformed or truncated image it returns the fields read so far
// with the error.
func ParseVPD(b []byte) (VPD, error) {
	v := VPD{Fields: map[string]string{}}
	for i := 0; i < len(b); {
		tag := b[i]
		if tag&0x80 == 0 {
			// Small resource: item name in bits 6:3, length in bits 2:0.
			if tag&0x78 == vpdTagEnd {
				return v, nil
			}
			i += 1 + int(tag&0x07)
			continue
		}
		if i+3 > len(b) {
			return v, fmt.Errorf("%w: VPD resource 0x%02x at %d is truncated", errs.ErrInvalidArgument, tag, i)
		}
		n := int(b[i+1]) | int(b[i+2])<<8
		start := i + 3
		if start+n > len(b) {
			return v, fmt.Errorf("%w: VPD resource 0x%02x at %d claims %d bytes, %d left", errs.ErrInvalidArgument, tag, i, n, len(b)-start)
		}
		data := b[start : start+n]
		switch tag {
		case vpdTagIdentifier:
			v.Identifier = printable(data)
		case vpdTagReadOnly, vpdTagWritable:
			for j := 0; j+3 <= len(data); {
				kw := string(data[j : j+2])
				l := int(data[j+2])
				if j+3+l > len(data) {
					return v, fmt.Errorf("%w: VPD keyword %q claims %d bytes, %d left", errs.ErrInvalidArgument, printable([]byte(kw)), l, len(data)-j-3)
				}
				if kw != "RV" && kw != "RW" && validKeyword(kw) {
					v.Fields[kw] = printable(data[j+3 : j+3+l])
				}
				j += 3 + l
			}
		}
		i = start + n
	}
	// Still return what was read: a truncated image may hold the fields.
	return v, fmt.Errorf("%w: VPD has no end tag", errs.ErrInvalidArgument)
}

func validKeyword(kw string) bool {
	for i := 0; i < len(kw); i++ {
		c := kw[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// printable keeps printable ASCII and trims trailing spaces and NULs.
func printable(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			out = append(out, c)
		}
	}
	for len(out) > 0 && out[len(out)-1] == ' ' {
		out = out[:len(out)-1]
	}
	return string(out)
}

var amdaRE = regexp.MustCompile(`AMDA[0-9]{4}`)

// AssemblyFromText finds an assembly number ("AMDA0097") in s: a devlink
// board.id ("AMDA2001-1003"), a VPD field or the "SN:" line of the
// `ethtool -w` dump the guide's script greps.
func AssemblyFromText(s string) (string, bool) {
	m := amdaRE.FindString(s)
	return m, m != ""
}

// Assembly returns the assembly number from the VPD's part number, serial
// number or vendor fields, in that order.
func (v VPD) Assembly() (string, bool) {
	for _, k := range []string{"PN", "SN"} {
		if a, ok := AssemblyFromText(v.Fields[k]); ok {
			return a, true
		}
	}
	for c := '0'; c <= 'Z'; c++ {
		if c > '9' && c < 'A' {
			continue
		}
		if a, ok := AssemblyFromText(v.Fields["V"+string(c)]); ok {
			return a, true
		}
	}
	return AssemblyFromText(v.Identifier)
}
