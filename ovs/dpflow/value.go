package dpflow

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// TCPFlags is a set of TCP header flags (FIN is bit 0, NS bit 8), as in
// OVS's tcp_flags.
type TCPFlags uint16

// TCP flag bits.
const (
	TCPFIN TCPFlags = 1 << iota
	TCPSYN
	TCPRST
	TCPPSH
	TCPACK
	TCPURG
	TCPECE
	TCPCWR
	TCPNS
)

// tcpStatsChars is the order and letter OVS uses for the flags: info field.
var tcpStatsChars = [...]struct {
	bit TCPFlags
	s   string
}{
	{TCPSYN, "S"}, {TCPFIN, "F"}, {TCPPSH, "P"}, {TCPRST, "R"}, {TCPURG, "U"},
	{TCPACK, "."}, {TCPECE, "E"}, {TCPCWR, "C"}, {TCPNS, "N"},
	{0x200, "[200]"}, {0x400, "[400]"}, {0x800, "[800]"},
}

// tcpFlagNames are the names OVS uses for tcp_flags() match attributes.
var tcpFlagNames = [...]string{"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns", "[200]", "[400]", "[800]"}

// ctStateNames are the names of the datapath ct_state bits (OVS_CS_F_*).
var ctStateNames = [...]string{"new", "est", "rel", "rpl", "inv", "trk", "snat", "dnat"}

// String formats the flags the way the flags: info field prints them
// ("S." for SYN+ACK), "none" for no flags.
func (t TCPFlags) String() string {
	if t == 0 {
		return "none"
	}
	return string(t.appendStats(nil))
}

func (t TCPFlags) appendStats(b []byte) []byte {
	for _, c := range tcpStatsChars {
		if t&c.bit != 0 {
			b = append(b, c.s...)
		}
	}
	return b
}

// ParseTCPFlagsInfo parses the flags: info field notation ("S.", "FP.",
// "none").
func ParseTCPFlagsInfo(s string) (TCPFlags, error) {
	var t TCPFlags
	if s == "none" {
		return 0, nil
	}
	rest := s
	for rest != "" {
		found := false
		for _, c := range tcpStatsChars {
			if strings.HasPrefix(rest, c.s) {
				t |= c.bit
				rest = rest[len(c.s):]
				found = true
				break
			}
		}
		if !found {
			return 0, errs.Invalid("tcp flags", s, "unknown flag letter")
		}
	}
	if s == "" {
		return 0, errs.Invalid("tcp flags", s, "empty")
	}
	return t, nil
}

// ParseTCPFlags parses the value of a tcp_flags() match attribute in any
// notation OVS prints: "syn|ack" (exact), "+syn-ack" (masked: SYN set,
// ACK clear), "0/0", or numbers "0x002/0x012". An exact value has mask
// 0x0fff.
func ParseTCPFlags(s string) (value, mask TCPFlags, err error) {
	v, m, err := parseFlags(s, tcpFlagNames[:], 0x0fff, "tcp_flags")
	return TCPFlags(v), TCPFlags(m), err
}

// CTState is a set of datapath connection tracking state bits
// (OVS_CS_F_*: new 0x01, est 0x02, rel 0x04, rpl 0x08, inv 0x10, trk
// 0x20, snat 0x40, dnat 0x80).
type CTState uint32

// Connection tracking state bits.
const (
	CTNew CTState = 1 << iota
	CTEstablished
	CTRelated
	CTReply
	CTInvalid
	CTTracked
	CTSrcNAT
	CTDstNAT
)

// String formats the state the way OVS prints an exact ct_state ("new|trk"),
// "0" when empty.
func (c CTState) String() string {
	if c == 0 {
		return "0"
	}
	var b []byte
	for i, n := range ctStateNames {
		if c&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, n...)
		}
	}
	if rest := c &^ 0xff; rest != 0 {
		if len(b) > 0 {
			b = append(b, '|')
		}
		b = append(b, "0x"...)
		b = strconv.AppendUint(b, uint64(rest), 16)
	}
	return string(b)
}

// ParseCTState parses the value of a ct_state() match attribute in either
// notation: the -m form "0x21/0x21" (or "0x21", exact) and the plain form
// "+new+trk" (masked), "new|trk" (exact) or "0/0". An exact value has mask
// 0xffffffff.
func ParseCTState(s string) (value, mask CTState, err error) {
	v, m, err := parseFlags(s, ctStateNames[:], 0xffffffff, "ct_state")
	return CTState(v), CTState(m), err
}

// parseFlags decodes the flag notations of format_flags/format_flags_masked
// and plain numbers.
func parseFlags(s string, names []string, full uint64, what string) (value, mask uint64, err error) {
	if s == "" {
		return 0, 0, errs.Invalid(what, s, "empty")
	}
	if s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "|+-") {
		m, err := ParseMaskedUint(s)
		if err != nil {
			return 0, 0, errs.Invalid(what, s, "bad number")
		}
		if !m.Masked {
			m.Mask = full
		}
		return m.Value, m.Mask, nil
	}
	bit := func(name string) (uint64, bool) {
		for i, n := range names {
			if n == name {
				return 1 << i, true
			}
		}
		if strings.HasPrefix(name, "0x") {
			if u, err := strconv.ParseUint(name[2:], 16, 64); err == nil {
				return u, true
			}
		}
		return 0, false
	}
	if s[0] == '+' || s[0] == '-' {
		for i := 0; i < len(s); {
			set := s[i] == '+'
			if s[i] != '+' && s[i] != '-' {
				return 0, 0, errs.Invalid(what, s, "want +flag or -flag")
			}
			j := i + 1
			for j < len(s) && s[j] != '+' && s[j] != '-' {
				j++
			}
			b, ok := bit(s[i+1 : j])
			if !ok {
				return 0, 0, errs.Invalid(what, s, "unknown flag "+strconv.Quote(s[i+1:j]))
			}
			mask |= b
			if set {
				value |= b
			}
			i = j
		}
		return value, mask, nil
	}
	for _, n := range strings.Split(s, "|") {
		b, ok := bit(n)
		if !ok {
			return 0, 0, errs.Invalid(what, s, "unknown flag "+strconv.Quote(n))
		}
		value |= b
	}
	return value, full, nil
}

// MaskedUint is an integer match value with its mask. Masked is false when
// the text had no "/mask" (an exact match, or a value without mask).
type MaskedUint struct {
	Value, Mask uint64
	Masked      bool
}

// ParseMaskedUint parses "N", "0xN" or either with "/mask" (decimal or
// hex), as OVS prints integer fields such as recirc_id(0x18),
// skb_mark(0/0) or eth_type(0x0800).
func ParseMaskedUint(s string) (MaskedUint, error) {
	var m MaskedUint
	v, rest, hasMask := strings.Cut(s, "/")
	val, err := parseUint(v)
	if err != nil {
		return m, errs.Invalid("integer", s, err.Error())
	}
	m.Value = val
	if hasMask {
		m.Masked = true
		if m.Mask, err = parseUint(rest); err != nil {
			return MaskedUint{}, errs.Invalid("integer mask", s, err.Error())
		}
	}
	return m, nil
}

func parseUint(s string) (uint64, error) {
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		return strconv.ParseUint(s[2:], 16, 64)
	}
	return strconv.ParseUint(s, 10, 64)
}

// MaskedIP is an IPv4 or IPv6 match value with its mask. OVS prints masks
// as addresses (10.0.0.0/255.255.255.0), which may be non-contiguous;
// Prefix converts contiguous ones.
type MaskedIP struct {
	Addr, Mask netip.Addr
	Masked     bool
}

// ParseMaskedIP parses "addr", "addr/mask-address" or "addr/prefixlen".
func ParseMaskedIP(s string) (MaskedIP, error) {
	var m MaskedIP
	a, rest, hasMask := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(a)
	if err != nil {
		return m, errs.Invalid("IP address", s, "bad address")
	}
	m.Addr = addr
	if !hasMask {
		return m, nil
	}
	m.Masked = true
	if n, err := strconv.Atoi(rest); err == nil {
		p, err := addr.Prefix(n)
		if err != nil {
			return MaskedIP{}, errs.Invalid("IP address", s, "bad prefix length")
		}
		m.Mask = prefixMask(addr.BitLen(), p.Bits())
		return m, nil
	}
	mask, err := netip.ParseAddr(rest)
	if err != nil || mask.BitLen() != addr.BitLen() {
		return MaskedIP{}, errs.Invalid("IP address", s, "bad mask")
	}
	m.Mask = mask
	return m, nil
}

func prefixMask(bitLen, ones int) netip.Addr {
	var b [16]byte
	for i := 0; i < ones; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	if bitLen == 32 {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16(b)
}

// Prefix returns the value as a prefix when the mask is contiguous (or
// absent: a full-length prefix).
func (m MaskedIP) Prefix() (netip.Prefix, bool) {
	if !m.Masked {
		return netip.PrefixFrom(m.Addr, m.Addr.BitLen()), m.Addr.IsValid()
	}
	b := m.Mask.AsSlice()
	ones, seenZero := 0, false
	for _, x := range b {
		for i := 7; i >= 0; i-- {
			if x&(1<<i) != 0 {
				if seenZero {
					return netip.Prefix{}, false
				}
				ones++
			} else {
				seenZero = true
			}
		}
	}
	p, err := m.Addr.Prefix(ones)
	return p, err == nil
}

// MAC is an Ethernet address.
type MAC [6]byte

// String formats the address as aa:bb:cc:dd:ee:ff.
func (a MAC) String() string {
	const hexd = "0123456789abcdef"
	b := make([]byte, 0, 17)
	for i, x := range a {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hexd[x>>4], hexd[x&15])
	}
	return string(b)
}

// ParseMAC parses aa:bb:cc:dd:ee:ff (one or two hex digits per byte).
func ParseMAC(s string) (MAC, error) {
	var a MAC
	parts := 0
	for i := 0; i < len(s); parts++ {
		if parts == 6 {
			return MAC{}, errs.Invalid("MAC address", s, "too many bytes")
		}
		j := i
		var v byte
		for j < len(s) && s[j] != ':' && j-i < 3 {
			d, ok := unhex(s[j])
			if !ok {
				return MAC{}, errs.Invalid("MAC address", s, "not hexadecimal")
			}
			v = v<<4 | d
			j++
		}
		if j == i || j-i > 2 {
			return MAC{}, errs.Invalid("MAC address", s, "bad byte")
		}
		a[parts] = v
		if j < len(s) {
			if j == len(s)-1 {
				return MAC{}, errs.Invalid("MAC address", s, "trailing colon")
			}
			j++ // colon
		}
		i = j
	}
	if parts != 6 {
		return MAC{}, errs.Invalid("MAC address", s, "want 6 bytes")
	}
	return a, nil
}

// MaskedMAC is an Ethernet address match value with its mask.
type MaskedMAC struct {
	Addr, Mask MAC
	Masked     bool
}

// ParseMaskedMAC parses "addr" or "addr/mask".
func ParseMaskedMAC(s string) (MaskedMAC, error) {
	var m MaskedMAC
	a, rest, hasMask := strings.Cut(s, "/")
	var err error
	if m.Addr, err = ParseMAC(a); err != nil {
		return MaskedMAC{}, err
	}
	if hasMask {
		m.Masked = true
		if m.Mask, err = ParseMAC(rest); err != nil {
			return MaskedMAC{}, err
		}
	}
	return m, nil
}
