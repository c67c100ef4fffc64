package offload

import (
	"fmt"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// PCIAddress is a PCI function address, domain:bus:device.function, as sysfs
// names devices ("0000:84:00.2"). Domains above 0xffff (VMD, Hyper-V) print
// with five hex digits, as the kernel does.
type PCIAddress struct {
	Domain   uint32
	Bus      uint8
	Device   uint8 // 0..31
	Function uint8 // 0..7
}

// ParsePCIAddress parses "DDDD:BB:DD.F" or "DDDDD:BB:DD.F" (hex, either
// case) and the lspci short form "BB:DD.F" (domain 0). Anything else,
// including surrounding white space or path characters, is rejected with
// errs.ErrInvalidArgument: addresses arrive from CNI requests and are joined into
// sysfs paths.
func ParsePCIAddress(s string) (PCIAddress, error) {
	var a PCIAddress
	bad := func(why string) (PCIAddress, error) {
		return PCIAddress{}, errs.Invalid("PCI address", s, why)
	}
	if len(s) > 14 {
		return bad("too long")
	}
	rest := s
	switch len(s) {
	case 7: // BB:DD.F
	case 12, 13: // DDDD:BB:DD.F, DDDDD:BB:DD.F
		n := len(s) - 8
		d, ok := hexN(s[:n])
		if !ok || s[n] != ':' {
			return bad("want domain:bus:device.function")
		}
		a.Domain = d
		rest = s[n+1:]
	default:
		return bad("want domain:bus:device.function")
	}
	// rest is BB:DD.F
	if len(rest) != 7 || rest[2] != ':' || rest[5] != '.' {
		return bad("want domain:bus:device.function")
	}
	bus, ok1 := hexN(rest[0:2])
	dev, ok2 := hexN(rest[3:5])
	fn, ok3 := hexN(rest[6:7])
	if !ok1 || !ok2 || !ok3 {
		return bad("not hexadecimal")
	}
	if dev > 0x1f {
		return bad("device number above 0x1f")
	}
	if fn > 7 {
		return bad("function number above 7")
	}
	a.Bus, a.Device, a.Function = uint8(bus), uint8(dev), uint8(fn)
	return a, nil
}

// MustParsePCIAddress is ParsePCIAddress for constants in tests and examples;
// it panics on a malformed address.
func MustParsePCIAddress(s string) PCIAddress {
	a, err := ParsePCIAddress(s)
	if err != nil {
		panic(err)
	}
	return a
}

func hexN(s string) (uint32, bool) {
	var v uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(d)
	}
	return v, len(s) > 0
}

// String formats the address the way sysfs names it.
func (a PCIAddress) String() string {
	if a.Domain > 0xffff {
		return fmt.Sprintf("%05x:%02x:%02x.%x", a.Domain, a.Bus, a.Device, a.Function)
	}
	return fmt.Sprintf("%04x:%02x:%02x.%x", a.Domain, a.Bus, a.Device, a.Function)
}

// IsZero reports whether a is the zero address (unset).
func (a PCIAddress) IsZero() bool { return a == PCIAddress{} }

// RoutingID returns the 16-bit PCIe requester ID (bus, device, function).
// SR-IOV VFs sit at PF RID + First VF Offset + index * VF Stride, which is
// how a VF's index is found without scanning every virtfn link.
func (a PCIAddress) RoutingID() uint16 {
	return uint16(a.Bus)<<8 | uint16(a.Device)<<3 | uint16(a.Function)
}

// withRoutingID returns a in the same domain with the given requester ID.
func (a PCIAddress) withRoutingID(rid uint16) PCIAddress {
	return PCIAddress{Domain: a.Domain, Bus: uint8(rid >> 8), Device: uint8(rid>>3) & 0x1f, Function: uint8(rid) & 7}
}

// MarshalText implements encoding.TextMarshaler (JSON renders the string form).
func (a PCIAddress) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParsePCIAddress.
func (a *PCIAddress) UnmarshalText(b []byte) error {
	v, err := ParsePCIAddress(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
