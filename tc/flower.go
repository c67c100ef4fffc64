package tc

import (
	"encoding/hex"
	"net"
	"net/netip"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Masked is a key matched under a mask: the packet field AND Mask must equal
// Value. The kernel stores Value already masked.
type Masked[T ~uint8 | ~uint16 | ~uint32] struct {
	Value T `json:"value"`
	Mask  T `json:"mask"`
}

// PortRange matches min <= port <= max (TCA_FLOWER_KEY_PORT_*_MIN/MAX).
type PortRange struct {
	Min uint16 `json:"min"`
	Max uint16 `json:"max"`
}

// VLANKey matches one VLAN tag. ID and Prio are nil when not matched;
// EthType is the EtherType after this tag (0 when not matched).
type VLANKey struct {
	ID      *uint16 `json:"id,omitempty"`
	Prio    *uint8  `json:"prio,omitempty"`
	EthType uint16  `json:"eth_type,omitempty"`
}

// IPMatch is an address matched under a mask; an invalid Addr means the
// field is not matched. Mask has the address family of Addr.
type IPMatch struct {
	Addr netip.Addr `json:"addr"`
	Mask netip.Addr `json:"mask"`
}

// MarshalText writes the String form.
func (m IPMatch) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// IsSet reports whether the field is matched.
func (m IPMatch) IsSet() bool { return m.Addr.IsValid() }

// String prints addr/len for a prefix mask, addr/mask otherwise.
func (m IPMatch) String() string {
	if !m.Addr.IsValid() {
		return ""
	}
	if !m.Mask.IsValid() {
		return m.Addr.String()
	}
	if n := prefixLen(m.Mask); n >= 0 {
		if n == m.Addr.BitLen() {
			return m.Addr.String()
		}
		return netip.PrefixFrom(m.Addr, n).String()
	}
	return m.Addr.String() + "/" + m.Mask.String()
}

// prefixLen returns the prefix length of a contiguous mask, or -1.
func prefixLen(mask netip.Addr) int {
	b := mask.AsSlice()
	n := 0
	for i, c := range b {
		if c == 0xff {
			n += 8
			continue
		}
		for c&0x80 != 0 {
			n++
			c <<= 1
		}
		if c != 0 {
			return -1
		}
		for _, r := range b[i+1:] {
			if r != 0 {
				return -1
			}
		}
		return n
	}
	return n
}

// MACMatch is an Ethernet address under a mask; nil Addr means not matched.
type MACMatch struct {
	Addr net.HardwareAddr
	Mask net.HardwareAddr
}

// String prints addr or addr/mask as tc does; a full mask is not printed.
func (m MACMatch) String() string {
	if m.Addr == nil {
		return ""
	}
	if m.Mask == nil || string(m.Mask) == fullMAC {
		return m.Addr.String()
	}
	return m.Addr.String() + "/" + m.Mask.String()
}

// fullMAC is the all-ones MAC mask: an exact match. A constant, not a
// []byte var, so no code can change the mask every filter shares.
const fullMAC = "\xff\xff\xff\xff\xff\xff"

// MarshalText writes the String form.
func (m MACMatch) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// GeneveOpt is one Geneve TLV option, as flower matches it
// (TCA_FLOWER_KEY_ENC_OPT_GENEVE_*) and tunnel_key sets it. Class is in host
// order; Data is a multiple of 4 bytes.
type GeneveOpt struct {
	Class uint16   `json:"class"`
	Type  uint8    `json:"type"`
	Data  HexBytes `json:"data"`
}

// CTState is the conntrack state bits of TCA_FLOWER_KEY_CT_STATE.
type CTState uint16

// Conntrack state bits (TCA_FLOWER_KEY_CT_FLAGS_*).
const (
	CTNew         CTState = 1 << 0
	CTEstablished CTState = 1 << 1
	CTRelated     CTState = 1 << 2
	CTTracked     CTState = 1 << 3
	CTInvalid     CTState = 1 << 4
	CTReply       CTState = 1 << 5
)

// ctName is tc's word for a CTState bit.
type ctName struct {
	s    CTState
	name string
}

// ctNames returns tc's words for the ct_state bits in the order tc prints
// them. A function returning an array rather than a package var: the
// house rule allows no package-level state but sentinel errors.
func ctNames() [6]ctName {
	return [6]ctName{{CTTracked, "trk"}, {CTNew, "new"}, {CTEstablished, "est"}, {CTRelated, "rel"}, {CTInvalid, "inv"}, {CTReply, "rpl"}}
}

// CTStateMatch formats a ct_state key with its mask as tc does: "+trk+est-new".
func CTStateMatch(m Masked[CTState]) string {
	s := ""
	for _, n := range ctNames() {
		if m.Mask&n.s == 0 {
			continue
		}
		if m.Value&n.s != 0 {
			s += "+" + n.name
		} else {
			s += "-" + n.name
		}
	}
	return s
}

// Labels is a 128-bit conntrack label value with its mask.
type Labels struct {
	Value Label128 `json:"value"`
	Mask  Label128 `json:"mask"`
}

// Label128 is a 128-bit conntrack label in the kernel's byte order, printed in hex.
type Label128 [16]byte

// MarshalText writes the label as 32 hex digits.
func (l Label128) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(l[:])), nil }

// HexBytes is opaque binary data printed in hex (cookies, option data).
type HexBytes []byte

// MarshalText writes the bytes as hex.
func (h HexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

// UnmarshalText reads hex.
func (h *HexBytes) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	if err != nil {
		return errs.Invalid("hex bytes", string(b), err.Error())
	}
	*h = v
	return nil
}

// FlowerKey is everything a flower filter can match that offloadkit decodes.
// A nil pointer, an invalid IPMatch or a nil MACMatch.Addr means the field is
// not matched. Byte order: values are in host order here; the codec converts
// to the wire order of each attribute (big-endian for ports, EtherTypes,
// addresses and key ids; host order for VLAN ids, ct keys and flags).
type FlowerKey struct {
	EthDst  MACMatch `json:"eth_dst,omitzero"`
	EthSrc  MACMatch `json:"eth_src,omitzero"`
	EthType uint16   `json:"eth_type,omitempty"`
	// NumVLANs is TCA_FLOWER_KEY_NUM_OF_VLANS.
	NumVLANs *uint8   `json:"num_of_vlans,omitempty"`
	VLAN     *VLANKey `json:"vlan,omitempty"`
	CVLAN    *VLANKey `json:"cvlan,omitempty"`

	IPProto *uint8         `json:"ip_proto,omitempty"`
	IPTOS   *Masked[uint8] `json:"ip_tos,omitempty"`
	IPTTL   *Masked[uint8] `json:"ip_ttl,omitempty"`
	// IPFlags is TCA_FLOWER_KEY_FLAGS: bit 0 is_fragment, bit 1 first fragment.
	IPFlags *Masked[uint32] `json:"ip_flags,omitempty"`
	Src     IPMatch         `json:"src_ip,omitzero"`
	Dst     IPMatch         `json:"dst_ip,omitzero"`

	// SrcPort and DstPort are the TCP, UDP or SCTP ports, by IPProto.
	SrcPort      *Masked[uint16] `json:"src_port,omitempty"`
	DstPort      *Masked[uint16] `json:"dst_port,omitempty"`
	SrcPortRange *PortRange      `json:"src_port_range,omitempty"`
	DstPortRange *PortRange      `json:"dst_port_range,omitempty"`
	TCPFlags     *Masked[uint16] `json:"tcp_flags,omitempty"`
	// ICMPType and ICMPCode are ICMPv4 or ICMPv6 by EthType.
	ICMPType *Masked[uint8] `json:"icmp_type,omitempty"`
	ICMPCode *Masked[uint8] `json:"icmp_code,omitempty"`

	ARPSIP IPMatch        `json:"arp_sip,omitzero"`
	ARPTIP IPMatch        `json:"arp_tip,omitzero"`
	ARPOp  *Masked[uint8] `json:"arp_op,omitempty"`
	ARPSHA MACMatch       `json:"arp_sha,omitzero"`
	ARPTHA MACMatch       `json:"arp_tha,omitzero"`

	CTState  *Masked[CTState] `json:"ct_state,omitempty"`
	CTZone   *Masked[uint16]  `json:"ct_zone,omitempty"`
	CTMark   *Masked[uint32]  `json:"ct_mark,omitempty"`
	CTLabels *Labels          `json:"ct_labels,omitempty"`

	EncKeyID   *uint32         `json:"enc_key_id,omitempty"`
	EncSrc     IPMatch         `json:"enc_src_ip,omitzero"`
	EncDst     IPMatch         `json:"enc_dst_ip,omitzero"`
	EncSrcPort *Masked[uint16] `json:"enc_src_port,omitempty"`
	EncDstPort *Masked[uint16] `json:"enc_dst_port,omitempty"`
	EncTOS     *Masked[uint8]  `json:"enc_tos,omitempty"`
	EncTTL     *Masked[uint8]  `json:"enc_ttl,omitempty"`
	// EncOpts and EncOptsMask are the Geneve options matched and their masks,
	// pairwise.
	EncOpts     []GeneveOpt `json:"enc_opts,omitempty"`
	EncOptsMask []GeneveOpt `json:"enc_opts_mask,omitempty"`
}

// Flower is a flower classifier's own options (TCA_OPTIONS of kind
// "flower"); its flags, actions and in_hw_count are on Filter, as every
// offloadable classifier has them.
type Flower struct {
	ClassID uint32 `json:"classid,omitempty"`
	// InDev is TCA_FLOWER_INDEV, the ingress device name to match.
	InDev   string    `json:"indev,omitempty"`
	Key     FlowerKey `json:"key"`
	Unknown []Attr    `json:"unknown,omitempty"`
}
