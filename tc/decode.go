package tc

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// tcmsg is struct tcmsg: family, pad, ifindex, handle, parent, info.
type tcmsg struct {
	ifindex int32
	handle  uint32
	parent  uint32
	info    uint32
}

func decodeTCMsg(b []byte) (tcmsg, []byte, error) {
	if len(b) < tcmsgLen {
		return tcmsg{}, nil, fmt.Errorf("%w: tcmsg has %d bytes, want %d", errMalformed, len(b), tcmsgLen)
	}
	m := tcmsg{
		ifindex: int32(binary.NativeEndian.Uint32(b[4:8])),
		handle:  binary.NativeEndian.Uint32(b[8:12]),
		parent:  binary.NativeEndian.Uint32(b[12:16]),
		info:    binary.NativeEndian.Uint32(b[16:20]),
	}
	return m, b[tcmsgLen:], nil
}

func appendTCMsg(b []byte, m tcmsg) []byte {
	b = append(b, 0, 0, 0, 0) // AF_UNSPEC and padding
	b = binary.NativeEndian.AppendUint32(b, uint32(m.ifindex))
	b = binary.NativeEndian.AppendUint32(b, m.handle)
	b = binary.NativeEndian.AppendUint32(b, m.parent)
	return binary.NativeEndian.AppendUint32(b, m.info)
}

// DecodeFilter decodes the body (after the netlink header) of an
// RTM_NEWTFILTER message. Unknown attributes are kept in Unknown fields;
// malformed input returns an error wrapping errs.ErrInvalidArgument.
func DecodeFilter(b []byte) (Filter, error) {
	m, rest, err := decodeTCMsg(b)
	if err != nil {
		return Filter{}, err
	}
	f := Filter{
		Ifindex:  int(m.ifindex),
		Parent:   Handle(m.parent),
		Handle:   m.handle,
		Priority: uint16(m.info >> 16),
		// The protocol is in network byte order in the low half of tcm_info.
		Protocol: htons(uint16(m.info)),
	}
	var opts []byte
	a := newAttrs(rest)
	for a.next() {
		switch a.t() {
		case tcaKind:
			f.Kind = a.str()
		case tcaOptions:
			opts = a.data
		case tcaChain:
			if f.Chain, err = a.u32(); err != nil {
				return f, err
			}
		default:
			f.Unknown = append(f.Unknown, a.keep())
		}
	}
	if a.err != nil {
		return f, a.err
	}
	if opts == nil {
		return f, nil
	}
	switch f.Kind {
	case "flower":
		fl, err := decodeFlower(&f, opts)
		if err != nil {
			return f, fmt.Errorf("flower options: %w", err)
		}
		f.Flower = &fl
		return f, nil
	case "bpf":
		err = decodeClsActFlags(&f, opts, bpfAct, bpfFlagsGen)
	case "matchall":
		err = decodeClsActFlags(&f, opts, matchallAct, matchallFlags)
	}
	f.Options = append([]byte(nil), opts...)
	return f, err
}

// DecodeQdisc decodes the body of an RTM_NEWQDISC message.
func DecodeQdisc(b []byte) (Qdisc, error) {
	m, rest, err := decodeTCMsg(b)
	if err != nil {
		return Qdisc{}, err
	}
	q := Qdisc{Ifindex: int(m.ifindex), Handle: Handle(m.handle), Parent: Handle(m.parent)}
	a := newAttrs(rest)
	for a.next() {
		switch a.t() {
		case tcaKind:
			q.Kind = a.str()
		case tcaOptions:
			q.Options = append([]byte(nil), a.data...)
		case tcaStats2:
			s, err := decodeStats(a.data)
			if err != nil {
				return q, err
			}
			q.Stats = &s
		case tcaHWOffload:
			v, err := a.u8()
			if err != nil {
				return q, err
			}
			q.HWOffload = v != 0
		case tcaIngressBlock:
			if q.IngressBlock, err = a.u32(); err != nil {
				return q, err
			}
		case tcaEgressBlock:
			if q.EgressBlock, err = a.u32(); err != nil {
				return q, err
			}
		case 3, 4: // TCA_STATS (legacy struct tc_stats), TCA_XSTATS: superseded by TCA_STATS2
		default:
			q.Unknown = append(q.Unknown, a.keep())
		}
	}
	return q, a.err
}

// DecodeChain decodes the body of an RTM_NEWCHAIN message.
func DecodeChain(b []byte) (Chain, error) {
	m, rest, err := decodeTCMsg(b)
	if err != nil {
		return Chain{}, err
	}
	c := Chain{Ifindex: int(m.ifindex), Parent: Handle(m.parent)}
	a := newAttrs(rest)
	for a.next() {
		if a.t() == tcaChain {
			if c.Index, err = a.u32(); err != nil {
				return c, err
			}
		}
	}
	return c, a.err
}

func decodeStats(b []byte) (Stats, error) {
	var s Stats
	var pkt64 bool
	a := newAttrs(b)
	for a.next() {
		switch a.t() {
		case tcaStatsBasic, tcaStatsBasicHW:
			// struct gnet_stats_basic: u64 bytes, u32 packets.
			if len(a.data) < 12 {
				return s, a.short(12)
			}
			by := binary.NativeEndian.Uint64(a.data[0:8])
			p := uint64(binary.NativeEndian.Uint32(a.data[8:12]))
			if a.t() == tcaStatsBasicHW {
				s.HWBytes, s.HWPackets = by, p
			} else {
				s.Bytes = by
				if !pkt64 {
					s.Packets = p
				}
			}
		case tcaStatsPkt64:
			// The 64-bit packet count supersedes the 32-bit one of BASIC.
			v, err := a.u64()
			if err != nil {
				return s, err
			}
			s.Packets, pkt64 = v, true
		case tcaStatsQueue:
			// struct gnet_stats_queue: qlen, backlog, drops, requeues, overlimits.
			if len(a.data) < 20 {
				return s, a.short(20)
			}
			d := a.data
			s.QLen = binary.NativeEndian.Uint32(d[0:4])
			s.Backlog = binary.NativeEndian.Uint32(d[4:8])
			s.Drops = binary.NativeEndian.Uint32(d[8:12])
			s.Requeues = binary.NativeEndian.Uint32(d[12:16])
			s.Overlimits = binary.NativeEndian.Uint32(d[16:20])
		}
	}
	return s, a.err
}

func fullMaskOf(a netip.Addr) netip.Addr {
	b := make([]byte, a.BitLen()/8)
	for i := range b {
		b[i] = 0xff
	}
	m, _ := netip.AddrFromSlice(b)
	return m
}

func ipFrom(d []byte) (netip.Addr, error) {
	a, ok := netip.AddrFromSlice(d)
	if !ok {
		return netip.Addr{}, fmt.Errorf("%w: address of %d bytes", errMalformed, len(d))
	}
	return a, nil
}

func macFrom(d []byte) (net.HardwareAddr, error) {
	if len(d) != 6 {
		return nil, fmt.Errorf("%w: MAC address of %d bytes", errMalformed, len(d))
	}
	return net.HardwareAddr(append([]byte(nil), d...)), nil
}

func m8(p **Masked[uint8]) *Masked[uint8] {
	if *p == nil {
		*p = &Masked[uint8]{}
	}
	return *p
}

func m16(p **Masked[uint16]) *Masked[uint16] {
	if *p == nil {
		*p = &Masked[uint16]{}
	}
	return *p
}

func m32(p **Masked[uint32]) *Masked[uint32] {
	if *p == nil {
		*p = &Masked[uint32]{}
	}
	return *p
}

func vlanKey(p **VLANKey) *VLANKey {
	if *p == nil {
		*p = &VLANKey{}
	}
	return *p
}

func decodeFlower(f *Filter, b []byte) (Flower, error) {
	var fl Flower
	k := &fl.Key
	// seen records which mask attributes were present: an absent mask
	// means "all ones" to the kernel (iproute2 sends none for ports).
	var seen [2]uint64
	a := newAttrs(b)
	for a.next() {
		var err error
		d := a.data
		switch a.t() {
		case flClassID:
			fl.ClassID, err = a.u32()
		case flIndev:
			fl.InDev = a.str()
		case flAct:
			f.Actions, err = decodeActions(d)
		case flFlags:
			var v uint32
			v, err = a.u32()
			f.Flags = Flags(v)
		case flInHWCount:
			var v uint32
			if v, err = a.u32(); err == nil {
				f.InHWCount = &v
			}
		case flEthDst:
			k.EthDst.Addr, err = macFrom(d)
		case flEthDstMask:
			k.EthDst.Mask, err = macFrom(d)
		case flEthSrc:
			k.EthSrc.Addr, err = macFrom(d)
		case flEthSrcMask:
			k.EthSrc.Mask, err = macFrom(d)
		case flEthType:
			k.EthType, err = a.be16()
		case flNumVLANs:
			var v uint8
			if v, err = a.u8(); err == nil {
				k.NumVLANs = &v
			}
		case flVLANID, flCVLANID:
			// VLAN ids are host order, unlike the header's "be16" comment.
			var v uint16
			if v, err = a.u16(); err == nil {
				if a.t() == flVLANID {
					vlanKey(&k.VLAN).ID = &v
				} else {
					vlanKey(&k.CVLAN).ID = &v
				}
			}
		case flVLANPrio, flCVLANPrio:
			var v uint8
			if v, err = a.u8(); err == nil {
				if a.t() == flVLANPrio {
					vlanKey(&k.VLAN).Prio = &v
				} else {
					vlanKey(&k.CVLAN).Prio = &v
				}
			}
		case flVLANEthType:
			vlanKey(&k.VLAN).EthType, err = a.be16()
		case flCVLANEthType:
			vlanKey(&k.CVLAN).EthType, err = a.be16()
		case flIPProto:
			var v uint8
			if v, err = a.u8(); err == nil {
				k.IPProto = &v
			}
		case flIPTOS:
			m8(&k.IPTOS).Value, err = a.u8()
		case flIPTOSMask:
			m8(&k.IPTOS).Mask, err = a.u8()
		case flIPTTL:
			m8(&k.IPTTL).Value, err = a.u8()
		case flIPTTLMask:
			m8(&k.IPTTL).Mask, err = a.u8()
		case flKeyFlags:
			m32(&k.IPFlags).Value, err = a.be32()
		case flKeyFlagsMask:
			m32(&k.IPFlags).Mask, err = a.be32()
		case flIPv4Src, flIPv6Src:
			k.Src.Addr, err = ipFrom(d)
		case flIPv4SrcMask, flIPv6SrcMask:
			k.Src.Mask, err = ipFrom(d)
		case flIPv4Dst, flIPv6Dst:
			k.Dst.Addr, err = ipFrom(d)
		case flIPv4DstMask, flIPv6DstMask:
			k.Dst.Mask, err = ipFrom(d)
		case flTCPSrc, flUDPSrc, flSCTPSrc:
			m16(&k.SrcPort).Value, err = a.be16()
		case flTCPSrcMask, flUDPSrcMask, flSCTPSrcMask:
			m16(&k.SrcPort).Mask, err = a.be16()
		case flTCPDst, flUDPDst, flSCTPDst:
			m16(&k.DstPort).Value, err = a.be16()
		case flTCPDstMask, flUDPDstMask, flSCTPDstMask:
			m16(&k.DstPort).Mask, err = a.be16()
		case flPortSrcMin, flPortSrcMax, flPortDstMin, flPortDstMax:
			var v uint16
			if v, err = a.be16(); err == nil {
				r := &k.SrcPortRange
				if a.t() == flPortDstMin || a.t() == flPortDstMax {
					r = &k.DstPortRange
				}
				if *r == nil {
					*r = &PortRange{}
				}
				if a.t() == flPortSrcMin || a.t() == flPortDstMin {
					(*r).Min = v
				} else {
					(*r).Max = v
				}
			}
		case flTCPFlags:
			m16(&k.TCPFlags).Value, err = a.be16()
		case flTCPFlagsMask:
			m16(&k.TCPFlags).Mask, err = a.be16()
		case flICMPv4Type, flICMPv6Type:
			m8(&k.ICMPType).Value, err = a.u8()
		case flICMPv4TypeMask, flICMPv6TypeMask:
			m8(&k.ICMPType).Mask, err = a.u8()
		case flICMPv4Code, flICMPv6Code:
			m8(&k.ICMPCode).Value, err = a.u8()
		case flICMPv4CodeMask, flICMPv6CodeMask:
			m8(&k.ICMPCode).Mask, err = a.u8()
		case flARPSIP:
			k.ARPSIP.Addr, err = ipFrom(d)
		case flARPSIPMask:
			k.ARPSIP.Mask, err = ipFrom(d)
		case flARPTIP:
			k.ARPTIP.Addr, err = ipFrom(d)
		case flARPTIPMask:
			k.ARPTIP.Mask, err = ipFrom(d)
		case flARPOp:
			m8(&k.ARPOp).Value, err = a.u8()
		case flARPOpMask:
			m8(&k.ARPOp).Mask, err = a.u8()
		case flARPSHA:
			k.ARPSHA.Addr, err = macFrom(d)
		case flARPSHAMask:
			k.ARPSHA.Mask, err = macFrom(d)
		case flARPTHA:
			k.ARPTHA.Addr, err = macFrom(d)
		case flARPTHAMask:
			k.ARPTHA.Mask, err = macFrom(d)
		case flCTState, flCTStateMask:
			var v uint16
			if v, err = a.u16(); err == nil {
				if k.CTState == nil {
					k.CTState = &Masked[CTState]{}
				}
				if a.t() == flCTState {
					k.CTState.Value = CTState(v)
				} else {
					k.CTState.Mask = CTState(v)
				}
			}
		case flCTZone:
			m16(&k.CTZone).Value, err = a.u16()
		case flCTZoneMask:
			m16(&k.CTZone).Mask, err = a.u16()
		case flCTMark:
			m32(&k.CTMark).Value, err = a.u32()
		case flCTMarkMask:
			m32(&k.CTMark).Mask, err = a.u32()
		case flCTLabels, flCTLabelsMask:
			if len(d) != 16 {
				err = a.short(16)
				break
			}
			if k.CTLabels == nil {
				k.CTLabels = &Labels{}
			}
			if a.t() == flCTLabels {
				copy(k.CTLabels.Value[:], d)
			} else {
				copy(k.CTLabels.Mask[:], d)
			}
		case flEncKeyID:
			var v uint32
			if v, err = a.be32(); err == nil {
				k.EncKeyID = &v
			}
		case flEncIPv4Src, flEncIPv6Src:
			k.EncSrc.Addr, err = ipFrom(d)
		case flEncIPv4SrcMask, flEncIPv6SrcMask:
			k.EncSrc.Mask, err = ipFrom(d)
		case flEncIPv4Dst, flEncIPv6Dst:
			k.EncDst.Addr, err = ipFrom(d)
		case flEncIPv4DstMask, flEncIPv6DstMask:
			k.EncDst.Mask, err = ipFrom(d)
		case flEncUDPSrcPort:
			m16(&k.EncSrcPort).Value, err = a.be16()
		case flEncUDPSrcPortMask:
			m16(&k.EncSrcPort).Mask, err = a.be16()
		case flEncUDPDstPort:
			m16(&k.EncDstPort).Value, err = a.be16()
		case flEncUDPDstPortMask:
			m16(&k.EncDstPort).Mask, err = a.be16()
		case flEncIPTOS:
			m8(&k.EncTOS).Value, err = a.u8()
		case flEncIPTOSMask:
			m8(&k.EncTOS).Mask, err = a.u8()
		case flEncIPTTL:
			m8(&k.EncTTL).Value, err = a.u8()
		case flEncIPTTLMask:
			m8(&k.EncTTL).Mask, err = a.u8()
		case flEncOpts, flEncOptsMask:
			var opts []GeneveOpt
			var unknown []Attr
			opts, unknown, err = decodeEncOpts(d, flEncOptsGeneve)
			if a.t() == flEncOpts {
				k.EncOpts = opts
			} else {
				k.EncOptsMask = opts
			}
			if len(unknown) > 0 {
				// vxlan/erspan options: kept whole.
				fl.Unknown = append(fl.Unknown, a.keep())
			}
		default:
			fl.Unknown = append(fl.Unknown, a.keep())
		}
		if err != nil {
			return fl, fmt.Errorf("attribute %d: %w", a.t(), err)
		}
		if t := a.t(); t < 128 {
			seen[t/64] |= 1 << (t % 64)
		}
	}
	if a.err != nil {
		return fl, a.err
	}
	has := func(t uint16) bool { return seen[t/64]&(1<<(t%64)) != 0 }
	fullMask16 := func(m *Masked[uint16], masks ...uint16) {
		if m == nil {
			return
		}
		for _, t := range masks {
			if has(t) {
				return
			}
		}
		m.Mask = 0xffff
	}
	fullMask16(k.SrcPort, flTCPSrcMask, flUDPSrcMask, flSCTPSrcMask)
	fullMask16(k.DstPort, flTCPDstMask, flUDPDstMask, flSCTPDstMask)
	fullMask16(k.EncSrcPort, flEncUDPSrcPortMask)
	fullMask16(k.EncDstPort, flEncUDPDstPortMask)
	fullMask16(k.TCPFlags, flTCPFlagsMask)
	fullMask16(k.CTZone, flCTZoneMask)
	fullMask8 := func(m *Masked[uint8], masks ...uint16) {
		if m == nil {
			return
		}
		for _, t := range masks {
			if has(t) {
				return
			}
		}
		m.Mask = 0xff
	}
	fullMask8(k.IPTOS, flIPTOSMask)
	fullMask8(k.IPTTL, flIPTTLMask)
	fullMask8(k.ICMPType, flICMPv4TypeMask, flICMPv6TypeMask)
	fullMask8(k.ICMPCode, flICMPv4CodeMask, flICMPv6CodeMask)
	fullMask8(k.ARPOp, flARPOpMask)
	fullMask8(k.EncTOS, flEncIPTOSMask)
	fullMask8(k.EncTTL, flEncIPTTLMask)
	if k.CTMark != nil && !has(flCTMarkMask) {
		k.CTMark.Mask = 0xffffffff
	}
	if k.IPFlags != nil && !has(flKeyFlagsMask) {
		k.IPFlags.Mask = 0xffffffff
	}
	if k.CTState != nil && !has(flCTStateMask) {
		k.CTState.Mask = 0xffff
	}
	if k.CTLabels != nil && !has(flCTLabelsMask) {
		for i := range k.CTLabels.Mask {
			k.CTLabels.Mask[i] = 0xff
		}
	}
	for _, m := range []*IPMatch{&k.Src, &k.Dst, &k.ARPSIP, &k.ARPTIP, &k.EncSrc, &k.EncDst} {
		if m.Addr.IsValid() && !m.Mask.IsValid() {
			m.Mask = fullMaskOf(m.Addr)
		}
		if !m.Addr.IsValid() && m.Mask.IsValid() {
			// A mask alone matches the all-zeros address under it.
			m.Addr = netip.IPv4Unspecified()
			if m.Mask.Is6() {
				m.Addr = netip.IPv6Unspecified()
			}
		}
	}
	for _, m := range []*MACMatch{&k.EthDst, &k.EthSrc, &k.ARPSHA, &k.ARPTHA} {
		if m.Addr != nil && m.Mask == nil {
			m.Mask = net.HardwareAddr(fullMAC)
		}
		if m.Addr == nil && m.Mask != nil {
			m.Addr = make(net.HardwareAddr, 6)
		}
	}
	return fl, nil
}

// decodeEncOpts reads a list of Geneve option nests (type gnv) and returns
// other option kinds as unknown.
func decodeEncOpts(b []byte, gnv uint16) ([]GeneveOpt, []Attr, error) {
	var opts []GeneveOpt
	var unknown []Attr
	a := newAttrs(b)
	for a.next() {
		if a.t() != gnv {
			unknown = append(unknown, a.keep())
			continue
		}
		var o GeneveOpt
		in := newAttrs(a.data)
		for in.next() {
			var err error
			switch in.t() {
			case geneveClass:
				o.Class, err = in.be16()
			case geneveType:
				o.Type, err = in.u8()
			case geneveData:
				o.Data = append([]byte(nil), in.data...)
			}
			if err != nil {
				return nil, nil, err
			}
		}
		if in.err != nil {
			return nil, nil, in.err
		}
		opts = append(opts, o)
	}
	return opts, unknown, a.err
}

func decodeActions(b []byte) ([]Action, error) {
	// Count first so that the slice of large Action values is allocated
	// once: dumps of thousands of filters are dominated by allocation.
	n := 0
	for c := newAttrs(b); c.next(); {
		n++
	}
	acts := make([]Action, 0, n)
	a := newAttrs(b)
	for a.next() {
		act, err := decodeAction(a.data)
		if err != nil {
			return acts, fmt.Errorf("action %d: %w", a.t(), err)
		}
		act.Order = int(a.t())
		acts = append(acts, act)
	}
	return acts, a.err
}

// bitfield32 reads struct nla_bitfield32 {value, selector} and returns value.
func bitfield32(a *attrs) (uint32, error) {
	if len(a.data) < 8 {
		return 0, a.short(8)
	}
	return binary.NativeEndian.Uint32(a.data[0:4]), nil
}

func decodeAction(b []byte) (Action, error) {
	var act Action
	var opts []byte
	a := newAttrs(b)
	for a.next() {
		var err error
		switch a.t() {
		case tcaActKind:
			act.Kind = a.str()
		case tcaActOptions:
			opts = a.data
		case tcaActIndex:
			act.Index, err = a.u32()
		case tcaActStats:
			var s Stats
			if s, err = decodeStats(a.data); err == nil {
				act.Stats = &s
			}
		case tcaActCookie:
			act.Cookie = append([]byte(nil), a.data...)
		case tcaActFlags:
			act.Flags, err = bitfield32(&a)
		case tcaActHWStats, tcaActUsedHWStats:
			var v uint32
			if v, err = bitfield32(&a); err == nil {
				h := HWStats(v)
				if a.t() == tcaActHWStats {
					act.HWStats = &h
				} else {
					act.UsedHWStats = &h
				}
			}
		case tcaActInHWCount:
			var v uint32
			if v, err = a.u32(); err == nil {
				act.InHWCount = &v
			}
		case 5: // TCA_ACT_PAD
		default:
			act.Unknown = append(act.Unknown, a.keep())
		}
		if err != nil {
			return act, fmt.Errorf("attribute %d: %w", a.t(), err)
		}
	}
	if a.err != nil {
		return act, a.err
	}
	if opts != nil {
		if err := decodeActOptions(&act, opts); err != nil {
			return act, fmt.Errorf("%s options: %w", act.Kind, err)
		}
	}
	return act, nil
}

// tcGen reads the tc_gen head shared by all action parameter structs.
func (act *Action) tcGen(d []byte, size int) error {
	if len(d) < size {
		return fmt.Errorf("%w: %s parameters have %d bytes, want %d", errMalformed, act.Kind, len(d), size)
	}
	if act.Index == 0 {
		act.Index = binary.NativeEndian.Uint32(d[0:4])
	}
	act.Verdict = Verdict(int32(binary.NativeEndian.Uint32(d[8:12])))
	act.RefCount = int32(binary.NativeEndian.Uint32(d[12:16]))
	act.BindCount = int32(binary.NativeEndian.Uint32(d[16:20]))
	return nil
}

// userHZ is the unit of struct tcf_t (jiffies converted to clock_t).
const userHZ = 100

func (act *Action) tm(d []byte) {
	if len(d) < 16 {
		return
	}
	act.Installed = time.Duration(binary.NativeEndian.Uint64(d[0:8])) * time.Second / userHZ
	act.LastUsed = time.Duration(binary.NativeEndian.Uint64(d[8:16])) * time.Second / userHZ
}

func decodeActOptions(act *Action, b []byte) error {
	tmAttr := uint16(actTM)
	switch act.Kind {
	case "csum", "ct":
		tmAttr = ctTM
	case "police":
		tmAttr = policeTM
	}
	var keysEx []PeditKey
	a := newAttrs(b)
	for a.next() {
		var err error
		d := a.data
		t := a.t()
		if t == tmAttr {
			act.tm(d)
			continue
		}
		switch act.Kind {
		case "gact":
			switch t {
			case gactParms:
				err = act.tcGen(d, tcGenLen)
			case 3, 4: // TCA_GACT_PROB, pad
			default:
				act.Unknown = append(act.Unknown, a.keep())
			}
		case "mirred":
			if t == mirredParms {
				if err = act.tcGen(d, 28); err == nil {
					act.Mirred = &Mirred{
						Action:  MirredAction(int32(binary.NativeEndian.Uint32(d[20:24]))),
						Ifindex: binary.NativeEndian.Uint32(d[24:28]),
					}
				}
			} else if t != 3 {
				act.Unknown = append(act.Unknown, a.keep())
			}
		case "tunnel_key":
			if act.TunnelKey == nil {
				act.TunnelKey = &TunnelKey{}
			}
			err = decodeTunnelKey(act, act.TunnelKey, &a)
		case "vlan":
			if act.VLAN == nil {
				act.VLAN = &VLANAction{}
			}
			v := act.VLAN
			switch t {
			case vlanParms:
				if err = act.tcGen(d, 24); err == nil {
					v.Op = VLANOp(int32(binary.NativeEndian.Uint32(d[20:24])))
				}
			case vlanPushID:
				var x uint16
				if x, err = a.u16(); err == nil {
					v.ID = &x
				}
			case vlanPushProt:
				var x uint16
				if x, err = a.be16(); err == nil {
					v.Protocol = &x
				}
			case vlanPushPrio:
				var x uint8
				if x, err = a.u8(); err == nil {
					v.Priority = &x
				}
			case 5:
			default:
				act.Unknown = append(act.Unknown, a.keep())
			}
		case "pedit":
			switch t {
			case peditParms, peditParmsEx:
				err = decodePedit(act, d)
			case peditKeysEx:
				keysEx, err = decodePeditKeysEx(d)
			case 3:
			default:
				act.Unknown = append(act.Unknown, a.keep())
			}
		case "csum":
			if t == csumParms {
				if err = act.tcGen(d, 24); err == nil {
					act.Csum = &Csum{UpdateFlags: binary.NativeEndian.Uint32(d[20:24])}
				}
			} else if t != 3 {
				act.Unknown = append(act.Unknown, a.keep())
			}
		case "ct":
			if act.CT == nil {
				act.CT = &CT{}
			}
			err = decodeCT(act, act.CT, &a)
		case "police":
			if act.Police == nil {
				act.Police = &Police{}
				// Kept so that the action can be sent again: encoding
				// police from its fields would need the link's rate tables.
				act.Options = append([]byte(nil), b...)
			}
			err = decodePolice(act, act.Police, &a)
		case "skbedit":
			if act.SkbEdit == nil {
				act.SkbEdit = &SkbEdit{}
			}
			s := act.SkbEdit
			switch t {
			case skbeditParms:
				err = act.tcGen(d, tcGenLen)
			case skbeditPrio, skbeditMark, skbeditMask:
				var x uint32
				if x, err = a.u32(); err == nil {
					switch t {
					case skbeditPrio:
						s.Priority = &x
					case skbeditMark:
						s.Mark = &x
					default:
						s.Mask = &x
					}
				}
			case skbeditQueue, skbeditPType:
				var x uint16
				if x, err = a.u16(); err == nil {
					if t == skbeditQueue {
						s.QueueMapping = &x
					} else {
						s.PType = &x
					}
				}
			case 6, 9: // pad, flags
			default:
				act.Unknown = append(act.Unknown, a.keep())
			}
		default:
			// Unknown kind: every kind starts its parameters with tc_gen at
			// attribute 2 by convention, but not all; keep the raw options.
			act.Options = append([]byte(nil), b...)
			return nil
		}
		if err != nil {
			return fmt.Errorf("attribute %d: %w", t, err)
		}
	}
	if a.err != nil {
		return a.err
	}
	if act.Pedit != nil && len(keysEx) == len(act.Pedit.Keys) {
		for i := range keysEx {
			act.Pedit.Keys[i].HType = keysEx[i].HType
			act.Pedit.Keys[i].Cmd = keysEx[i].Cmd
		}
	}
	return nil
}

func decodeTunnelKey(act *Action, tk *TunnelKey, a *attrs) error {
	d := a.data
	var err error
	switch a.t() {
	case tunkeyParms:
		if err = act.tcGen(d, 24); err == nil {
			tk.Release = int32(binary.NativeEndian.Uint32(d[20:24])) == tunkeyActUnset
		}
	case tunkeyIPv4Src, tunkeyIPv6Src:
		tk.Src, err = ipFrom(d)
	case tunkeyIPv4Dst, tunkeyIPv6Dst:
		tk.Dst, err = ipFrom(d)
	case tunkeyKeyID:
		var v uint32
		if v, err = a.be32(); err == nil {
			tk.KeyID = &v
		}
	case tunkeyDstPort:
		var v uint16
		if v, err = a.be16(); err == nil {
			tk.DstPort = &v
		}
	case tunkeyNoCsum:
		var v uint8
		if v, err = a.u8(); err == nil {
			b := v != 0
			tk.NoCsum = &b
		}
	case tunkeyTOS:
		var v uint8
		if v, err = a.u8(); err == nil {
			tk.TOS = &v
		}
	case tunkeyTTL:
		var v uint8
		if v, err = a.u8(); err == nil {
			tk.TTL = &v
		}
	case tunkeyEncOpts:
		var unknown []Attr
		tk.Geneve, unknown, err = decodeEncOpts(d, tunkeyOptsGnv)
		tk.Unknown = append(tk.Unknown, unknown...)
	case tunkeyPad:
	default:
		tk.Unknown = append(tk.Unknown, a.keep())
	}
	return err
}

const tunkeyPad = 8

func decodePedit(act *Action, d []byte) error {
	// struct tc_pedit_sel: tc_gen, nkeys u8, flags u8, pad, then keys.
	if err := act.tcGen(d, 24); err != nil {
		return err
	}
	n := int(d[20])
	if len(d) < 24+n*24 {
		return fmt.Errorf("%w: pedit has %d keys in %d bytes", errMalformed, n, len(d))
	}
	p := &Pedit{Keys: make([]PeditKey, n)}
	for i := range n {
		k := d[24+i*24:]
		u := func(o int) uint32 { return binary.NativeEndian.Uint32(k[o : o+4]) }
		p.Keys[i] = PeditKey{Mask: u(0), Val: u(4), Off: u(8), At: u(12), OffMask: u(16), Shift: u(20)}
	}
	act.Pedit = p
	return nil
}

func decodePeditKeysEx(b []byte) ([]PeditKey, error) {
	var keys []PeditKey
	a := newAttrs(b)
	for a.next() {
		if a.t() != peditKeyEx {
			continue
		}
		var k PeditKey
		in := newAttrs(a.data)
		for in.next() {
			var err error
			switch in.t() {
			case peditHType:
				k.HType, err = in.u16()
			case peditCmd:
				k.Cmd, err = in.u16()
			}
			if err != nil {
				return nil, err
			}
		}
		if in.err != nil {
			return nil, in.err
		}
		keys = append(keys, k)
	}
	return keys, a.err
}

func decodeCT(act *Action, ct *CT, a *attrs) error {
	d := a.data
	var err error
	switch a.t() {
	case ctParms:
		err = act.tcGen(d, tcGenLen)
	case ctAction:
		ct.Action, err = a.u16()
	case ctZone:
		ct.Zone, err = a.u16()
	case ctMark:
		m32(&ct.Mark).Value, err = a.u32()
	case ctMarkMask:
		m32(&ct.Mark).Mask, err = a.u32()
	case ctLabels, ctLabelsMask:
		if len(d) != 16 {
			return a.short(16)
		}
		if ct.Labels == nil {
			ct.Labels = &Labels{}
		}
		if a.t() == ctLabels {
			copy(ct.Labels.Value[:], d)
		} else {
			copy(ct.Labels.Mask[:], d)
		}
	case ctNATv4Min, ctNATv6Min:
		ct.NATMin, err = ipFrom(d)
	case ctNATv4Max, ctNATv6Max:
		ct.NATMax, err = ipFrom(d)
	case ctPortMin:
		ct.NATPortMin, err = a.be16()
	case ctPortMax:
		ct.NATPortMax, err = a.be16()
	case 15: // pad
	default:
		ct.Unknown = append(ct.Unknown, a.keep())
	}
	return err
}

func decodePolice(act *Action, p *Police, a *attrs) error {
	d := a.data
	var err error
	switch a.t() {
	case policeTBF:
		// struct tc_police: index, action, limit, burst, mtu, rate (ratespec,
		// u32 rate at +8), peakrate, refcnt, bindcnt, capab.
		if len(d) < 52 {
			return a.short(52)
		}
		u := func(o int) uint32 { return binary.NativeEndian.Uint32(d[o : o+4]) }
		if act.Index == 0 {
			act.Index = u(0)
		}
		p.Exceed = Verdict(int32(u(4)))
		act.Verdict = p.Exceed
		p.Burst, p.MTU = u(12), u(16)
		if p.Rate == 0 {
			p.Rate = uint64(u(28))
		}
		if p.PeakRate == 0 {
			p.PeakRate = uint64(u(40))
		}
		act.RefCount, act.BindCount = int32(u(44)), int32(u(48))
	case policeResult:
		var v uint32
		if v, err = a.u32(); err == nil {
			c := Verdict(int32(v))
			p.Conform = &c
		}
	case policeRate64:
		p.Rate, err = a.u64()
	case policePeak64:
		p.PeakRate, err = a.u64()
	case policePktRate:
		p.PktRate, err = a.u64()
	case policePktBurst:
		p.PktBurst, err = a.u64()
	}
	return err
}

// Attribute numbers of the other offloadable classifiers.
const (
	bpfAct        = 1 // TCA_BPF_ACT
	bpfFlagsGen   = 9 // TCA_BPF_FLAGS_GEN
	matchallAct   = 2 // TCA_MATCHALL_ACT
	matchallFlags = 3 // TCA_MATCHALL_FLAGS
)

// decodeClsActFlags reads the actions and classifier flags of bpf and
// matchall filters, which keep them at their own attribute numbers.
func decodeClsActFlags(f *Filter, b []byte, act, flags uint16) error {
	a := newAttrs(b)
	for a.next() {
		var err error
		switch a.t() {
		case act:
			f.Actions, err = decodeActions(a.data)
		case flags:
			var v uint32
			v, err = a.u32()
			f.Flags = Flags(v)
		}
		if err != nil {
			return fmt.Errorf("%s options: %w", f.Kind, err)
		}
	}
	return a.err
}
