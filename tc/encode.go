package tc

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func tcInfo(prio, proto uint16) uint32 {
	// tcm_info carries the priority in the upper half and the protocol in
	// network byte order in the lower half (TC_H_MAKE(prio<<16, htons(proto))).
	return uint32(prio)<<16 | uint32(htons(proto))
}

// htons converts a host-order u16 to the value whose memory layout is
// big-endian; it is its own inverse.
func htons(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}

// EncodeFilter builds the body (tcmsg and attributes) of an RTM_NEWTFILTER
// request that creates f on the interface with index ifindex. f.Kind must be
// "flower" with f.Flower set. Only the caller-settable flags (skip_sw,
// skip_hw, verbose) are sent. Keys are put in the wire byte order of each
// attribute; the result matches what iproute2's tc sends for the same filter,
// attribute for attribute.
func EncodeFilter(ifindex int, f Filter) ([]byte, error) {
	if f.Kind != "flower" || f.Flower == nil {
		return nil, errs.Invalid("filter kind", f.Kind, "only flower filters can be encoded")
	}
	if ifindex <= 0 {
		return nil, errs.Invalid("ifindex", fmt.Sprint(ifindex), "must be positive")
	}
	if f.Flags&^(FlagSkipHW|FlagSkipSW|FlagVerbose) != 0 {
		return nil, errs.Invalid("filter flags", f.Flags.String(), "only skip_hw, skip_sw and verbose can be requested")
	}
	if f.Flags&FlagSkipHW != 0 && f.Flags&FlagSkipSW != 0 {
		return nil, errs.Invalid("filter flags", f.Flags.String(), "skip_hw and skip_sw exclude each other")
	}
	proto := f.Protocol
	if proto == 0 {
		proto = EthPAll
	}
	b := appendTCMsg(make([]byte, 0, 256), tcmsg{
		ifindex: int32(ifindex),
		handle:  f.Handle,
		parent:  uint32(f.Parent),
		info:    tcInfo(f.Priority, proto),
	})
	w := builder{b: b}
	if f.Chain != 0 {
		w.u32(tcaChain, f.Chain)
	}
	w.str(tcaKind, "flower")
	opts := w.start(tcaOptions)
	if err := encodeFlower(&w, f); err != nil {
		return nil, err
	}
	w.end(opts)
	if w.err != nil {
		return nil, w.err
	}
	return w.b, nil
}

// EncodeDelete builds the body of an RTM_DELTFILTER request. With Handle 0
// and Kind "" it deletes every filter of the priority, as `tc filter del dev
// X ingress prio N` does; Priority 0 deletes all filters of the parent.
func EncodeDelete(ifindex int, f Filter) ([]byte, error) {
	if ifindex <= 0 {
		return nil, errs.Invalid("ifindex", fmt.Sprint(ifindex), "must be positive")
	}
	if f.Handle != 0 && (f.Priority == 0 || f.Kind == "") {
		return nil, errs.Invalid("filter handle", fmt.Sprint(f.Handle), "deleting one handle needs its priority and kind")
	}
	// Protocol 0 matches filters of any protocol.
	b := appendTCMsg(nil, tcmsg{
		ifindex: int32(ifindex),
		handle:  f.Handle,
		parent:  uint32(f.Parent),
		info:    tcInfo(f.Priority, f.Protocol),
	})
	w := builder{b: b}
	if f.Chain != 0 {
		w.u32(tcaChain, f.Chain)
	}
	if f.Kind != "" {
		w.str(tcaKind, f.Kind)
	}
	if f.Kind == "flower" && f.Handle != 0 {
		// iproute2 parses (empty) flower options for a delete by handle and
		// sends them; the kernel ignores them. Sent too, to be identical.
		o := w.start(tcaOptions)
		w.u32(flFlags, 0)
		if f.Protocol != 0 && f.Protocol != EthPAll {
			w.be16(flEthType, f.Protocol)
		}
		w.end(o)
	}
	return w.b, nil
}

func putAddr(w *builder, v4, v6 uint16, a netip.Addr) {
	if a.Is4() {
		w.put(v4, a.AsSlice())
	} else {
		w.put(v6, a.AsSlice())
	}
}

// putIP sends an address and its mask; a missing mask is sent as all ones,
// as iproute2 does.
func putIP(w *builder, v4, v4m, v6, v6m uint16, m IPMatch) error {
	if !m.Addr.IsValid() {
		return nil
	}
	mask := m.Mask
	if !mask.IsValid() {
		mask = fullMaskOf(m.Addr)
	}
	if mask.Is4() != m.Addr.Is4() {
		return errs.Invalid("address mask", m.String(), "address and mask families differ")
	}
	if m.Addr.Is4() {
		w.put(v4, m.Addr.AsSlice())
		w.put(v4m, mask.AsSlice())
	} else {
		w.put(v6, m.Addr.AsSlice())
		w.put(v6m, mask.AsSlice())
	}
	return nil
}

func putMAC(w *builder, key, mask uint16, m MACMatch) error {
	if m.Addr == nil {
		return nil
	}
	if len(m.Addr) != 6 || (m.Mask != nil && len(m.Mask) != 6) {
		return errs.Invalid("MAC address", m.String(), "want 6 bytes")
	}
	w.put(key, m.Addr)
	if m.Mask != nil {
		w.put(mask, m.Mask)
	} else {
		w.put(mask, []byte(fullMAC))
	}
	return nil
}

func putM8(w *builder, key, mask uint16, m *Masked[uint8]) {
	if m != nil {
		w.u8(key, m.Value)
		w.u8(mask, m.Mask)
	}
}

// putPort sends a big-endian port; like iproute2 it omits a full mask,
// which the kernel reads as all ones.
func putPort(w *builder, key, mask uint16, m *Masked[uint16]) {
	if m == nil {
		return
	}
	w.be16(key, m.Value)
	if m.Mask != 0xffff {
		w.be16(mask, m.Mask)
	}
}

func putGeneve(w *builder, outer, inner uint16, opts []GeneveOpt) error {
	if len(opts) == 0 {
		return nil
	}
	o := w.start(outer)
	for _, g := range opts {
		if len(g.Data)%4 != 0 || len(g.Data) > 124 {
			return errs.Invalid("geneve option data", fmt.Sprintf("%x", []byte(g.Data)), "length must be a multiple of 4, at most 124")
		}
		n := w.start(inner)
		w.be16(geneveClass, g.Class)
		w.u8(geneveType, g.Type)
		w.put(geneveData, g.Data)
		w.end(n)
	}
	w.end(o)
	return nil
}

func encodeFlower(w *builder, f Filter) error {
	fl := f.Flower
	k := &fl.Key
	if fl.ClassID != 0 {
		w.u32(flClassID, fl.ClassID)
	}
	if fl.InDev != "" {
		w.str(flIndev, fl.InDev)
	}
	if err := putMAC(w, flEthDst, flEthDstMask, k.EthDst); err != nil {
		return err
	}
	if err := putMAC(w, flEthSrc, flEthSrcMask, k.EthSrc); err != nil {
		return err
	}
	if k.NumVLANs != nil {
		w.u8(flNumVLANs, *k.NumVLANs)
	}
	for _, v := range []struct {
		k             *VLANKey
		id, prio, eth uint16
	}{{k.VLAN, flVLANID, flVLANPrio, flVLANEthType}, {k.CVLAN, flCVLANID, flCVLANPrio, flCVLANEthType}} {
		if v.k == nil {
			continue
		}
		if v.k.ID != nil {
			if *v.k.ID > 4095 {
				return errs.Invalid("vlan id", fmt.Sprint(*v.k.ID), "must be at most 4095")
			}
			// Host order: the classic bug is sending this big-endian.
			w.u16(v.id, *v.k.ID)
		}
		if v.k.Prio != nil {
			w.u8(v.prio, *v.k.Prio)
		}
		if v.k.EthType != 0 {
			w.be16(v.eth, v.k.EthType)
		}
	}
	if k.IPProto != nil {
		w.u8(flIPProto, *k.IPProto)
	}
	putM8(w, flIPTOS, flIPTOSMask, k.IPTOS)
	putM8(w, flIPTTL, flIPTTLMask, k.IPTTL)
	if k.IPFlags != nil {
		w.be32(flKeyFlags, k.IPFlags.Value)
		w.be32(flKeyFlagsMask, k.IPFlags.Mask)
	}
	if err := putIP(w, flIPv4Src, flIPv4SrcMask, flIPv6Src, flIPv6SrcMask, k.Src); err != nil {
		return err
	}
	if err := putIP(w, flIPv4Dst, flIPv4DstMask, flIPv6Dst, flIPv6DstMask, k.Dst); err != nil {
		return err
	}
	if k.SrcPort != nil || k.DstPort != nil {
		var src, srcM, dst, dstM uint16
		switch p := ptrVal(k.IPProto); p {
		case 6:
			src, srcM, dst, dstM = flTCPSrc, flTCPSrcMask, flTCPDst, flTCPDstMask
		case 17:
			src, srcM, dst, dstM = flUDPSrc, flUDPSrcMask, flUDPDst, flUDPDstMask
		case 132:
			src, srcM, dst, dstM = flSCTPSrc, flSCTPSrcMask, flSCTPDst, flSCTPDstMask
		default:
			return errs.Invalid("ip_proto", fmt.Sprint(p), "ports need ip_proto tcp, udp or sctp")
		}
		putPort(w, src, srcM, k.SrcPort)
		putPort(w, dst, dstM, k.DstPort)
	}
	if r := k.SrcPortRange; r != nil {
		w.be16(flPortSrcMin, r.Min)
		w.be16(flPortSrcMax, r.Max)
	}
	if r := k.DstPortRange; r != nil {
		w.be16(flPortDstMin, r.Min)
		w.be16(flPortDstMax, r.Max)
	}
	if k.TCPFlags != nil {
		w.be16(flTCPFlags, k.TCPFlags.Value)
		w.be16(flTCPFlagsMask, k.TCPFlags.Mask)
	}
	if k.ICMPType != nil || k.ICMPCode != nil {
		if k.EthType == EthPIPv6 {
			putM8(w, flICMPv6Type, flICMPv6TypeMask, k.ICMPType)
			putM8(w, flICMPv6Code, flICMPv6CodeMask, k.ICMPCode)
		} else {
			putM8(w, flICMPv4Type, flICMPv4TypeMask, k.ICMPType)
			putM8(w, flICMPv4Code, flICMPv4CodeMask, k.ICMPCode)
		}
	}
	if err := putIP(w, flARPSIP, flARPSIPMask, 0, 0, k.ARPSIP); err != nil {
		return err
	}
	if err := putIP(w, flARPTIP, flARPTIPMask, 0, 0, k.ARPTIP); err != nil {
		return err
	}
	putM8(w, flARPOp, flARPOpMask, k.ARPOp)
	if err := putMAC(w, flARPSHA, flARPSHAMask, k.ARPSHA); err != nil {
		return err
	}
	if err := putMAC(w, flARPTHA, flARPTHAMask, k.ARPTHA); err != nil {
		return err
	}
	if k.CTState != nil {
		w.u16(flCTState, uint16(k.CTState.Value))
		w.u16(flCTStateMask, uint16(k.CTState.Mask))
	}
	if k.CTZone != nil {
		w.u16(flCTZone, k.CTZone.Value)
		w.u16(flCTZoneMask, k.CTZone.Mask)
	}
	if k.CTMark != nil {
		w.u32(flCTMark, k.CTMark.Value)
		w.u32(flCTMarkMask, k.CTMark.Mask)
	}
	if k.CTLabels != nil {
		w.put(flCTLabels, k.CTLabels.Value[:])
		w.put(flCTLabelsMask, k.CTLabels.Mask[:])
	}
	if k.EncKeyID != nil {
		w.be32(flEncKeyID, *k.EncKeyID)
	}
	if err := putIP(w, flEncIPv4Src, flEncIPv4SrcMask, flEncIPv6Src, flEncIPv6SrcMask, k.EncSrc); err != nil {
		return err
	}
	if err := putIP(w, flEncIPv4Dst, flEncIPv4DstMask, flEncIPv6Dst, flEncIPv6DstMask, k.EncDst); err != nil {
		return err
	}
	putPort(w, flEncUDPSrcPort, flEncUDPSrcPortMask, k.EncSrcPort)
	putPort(w, flEncUDPDstPort, flEncUDPDstPortMask, k.EncDstPort)
	putM8(w, flEncIPTOS, flEncIPTOSMask, k.EncTOS)
	putM8(w, flEncIPTTL, flEncIPTTLMask, k.EncTTL)
	if err := putGeneve(w, flEncOpts, flEncOptsGeneve, k.EncOpts); err != nil {
		return err
	}
	if err := putGeneve(w, flEncOptsMask, flEncOptsGeneve, k.EncOptsMask); err != nil {
		return err
	}
	if len(f.Actions) > 0 {
		if err := encodeActions(w, flAct, f.Actions); err != nil {
			return err
		}
	}
	// iproute2 always sends the flags, then the EtherType last.
	w.u32(flFlags, uint32(f.Flags))
	eth := wireEthType(f)
	if eth != 0 {
		w.be16(flEthType, eth)
	}
	return nil
}

func ptrVal[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

func encodeActions(w *builder, typ uint16, acts []Action) error {
	if len(acts) > 32 { // TCA_ACT_MAX_PRIO
		return errs.Invalid("actions", fmt.Sprint(len(acts)), "at most 32 actions")
	}
	list := w.start(typ)
	for i, act := range acts {
		e := w.start(uint16(i + 1))
		if err := encodeAction(w, act); err != nil {
			return fmt.Errorf("action %d (%s): %w", i+1, act.Kind, err)
		}
		w.end(e)
	}
	w.end(list)
	return nil
}

func appendTCGen(b []byte, act Action) []byte {
	b = binary.NativeEndian.AppendUint32(b, act.Index)
	b = binary.NativeEndian.AppendUint32(b, 0) // capab
	b = binary.NativeEndian.AppendUint32(b, uint32(act.Verdict))
	b = binary.NativeEndian.AppendUint32(b, 0) // refcnt
	return binary.NativeEndian.AppendUint32(b, 0)
}

func encodeAction(w *builder, act Action) error {
	if act.Kind == "" {
		return errs.Invalid("action kind", "", "empty")
	}
	w.str(tcaActKind, act.Kind)
	o := w.start(tcaActOptions | nlaNested)
	switch act.Kind {
	case "gact":
		w.put(gactParms, appendTCGen(nil, act))
	case "mirred":
		if act.Mirred == nil {
			return errs.Invalid("mirred action", "", "Mirred is nil")
		}
		b := appendTCGen(nil, act)
		b = binary.NativeEndian.AppendUint32(b, uint32(act.Mirred.Action))
		b = binary.NativeEndian.AppendUint32(b, act.Mirred.Ifindex)
		w.put(mirredParms, b)
	case "vlan":
		v := act.VLAN
		if v == nil {
			return errs.Invalid("vlan action", "", "VLAN is nil")
		}
		w.put(vlanParms, binary.NativeEndian.AppendUint32(appendTCGen(nil, act), uint32(v.Op)))
		if v.ID != nil {
			w.u16(vlanPushID, *v.ID)
		}
		if v.Protocol != nil {
			w.be16(vlanPushProt, *v.Protocol)
		}
		if v.Priority != nil {
			w.u8(vlanPushPrio, *v.Priority)
		}
	case "tunnel_key":
		if err := encodeTunnelKey(w, act); err != nil {
			return err
		}
	case "csum":
		if act.Csum == nil {
			return errs.Invalid("csum action", "", "Csum is nil")
		}
		w.put(csumParms, binary.NativeEndian.AppendUint32(appendTCGen(nil, act), act.Csum.UpdateFlags))
	case "pedit":
		if act.Pedit == nil || len(act.Pedit.Keys) == 0 || len(act.Pedit.Keys) > 128 {
			return errs.Invalid("pedit action", "", "needs 1 to 128 keys")
		}
		b := appendTCGen(nil, act)
		b = append(b, byte(len(act.Pedit.Keys)), 0, 0, 0)
		for _, k := range act.Pedit.Keys {
			for _, v := range []uint32{k.Mask, k.Val, k.Off, k.At, k.OffMask, k.Shift} {
				b = binary.NativeEndian.AppendUint32(b, v)
			}
		}
		w.put(peditParmsEx, b)
		ks := w.start(peditKeysEx | nlaNested)
		for _, k := range act.Pedit.Keys {
			e := w.start(peditKeyEx | nlaNested)
			w.u16(peditHType, k.HType)
			w.u16(peditCmd, k.Cmd)
			w.end(e)
		}
		w.end(ks)
	case "ct":
		// iproute2's order: keys, then the action bits (always, even 0),
		// then the parameters.
		ct := act.CT
		if ct == nil {
			ct = &CT{}
		}
		if ct.Zone != 0 {
			w.u16(ctZone, ct.Zone)
		}
		if ct.Mark != nil {
			w.u32(ctMark, ct.Mark.Value)
			w.u32(ctMarkMask, ct.Mark.Mask)
		}
		if ct.Labels != nil {
			w.put(ctLabels, ct.Labels.Value[:])
			w.put(ctLabelsMask, ct.Labels.Mask[:])
		}
		if ct.NATMin.IsValid() {
			putAddr(w, ctNATv4Min, ctNATv6Min, ct.NATMin)
		}
		if ct.NATMax.IsValid() {
			putAddr(w, ctNATv4Max, ctNATv6Max, ct.NATMax)
		}
		if ct.NATPortMin != 0 {
			w.be16(ctPortMin, ct.NATPortMin)
		}
		if ct.NATPortMax != 0 {
			w.be16(ctPortMax, ct.NATPortMax)
		}
		w.u16(ctAction, ct.Action)
		w.put(ctParms, appendTCGen(nil, act))
	case "skbedit":
		s := act.SkbEdit
		if s == nil {
			s = &SkbEdit{}
		}
		w.put(skbeditParms, appendTCGen(nil, act))
		if s.Priority != nil {
			w.u32(skbeditPrio, *s.Priority)
		}
		if s.QueueMapping != nil {
			w.u16(skbeditQueue, *s.QueueMapping)
		}
		if s.Mark != nil {
			w.u32(skbeditMark, *s.Mark)
		}
		if s.PType != nil {
			w.u16(skbeditPType, *s.PType)
		}
		if s.Mask != nil {
			w.u32(skbeditMask, *s.Mask)
		}
	default:
		// police needs rate tables computed from the link's cell size;
		// other kinds are passed through from their raw options.
		if act.Options == nil {
			return fmt.Errorf("%w: encoding %s actions (pass raw Options instead)", errs.ErrNotSupported, act.Kind)
		}
		w.b = append(w.b, act.Options...)
		for len(w.b)%4 != 0 {
			w.b = append(w.b, 0) // a last attribute may lack its padding
		}
	}
	w.end(o)
	if len(act.Cookie) > 0 {
		if len(act.Cookie) > 16 {
			return errs.Invalid("action cookie", fmt.Sprintf("%x", []byte(act.Cookie)), "at most 16 bytes")
		}
		w.put(tcaActCookie, act.Cookie)
	}
	if act.Flags != 0 {
		w.put(tcaActFlags, bitfield(act.Flags, act.Flags))
	}
	if act.HWStats != nil {
		w.put(tcaActHWStats, bitfield(uint32(*act.HWStats), uint32(*act.HWStats)))
	}
	return nil
}

func bitfield(value, selector uint32) []byte {
	b := binary.NativeEndian.AppendUint32(nil, value)
	return binary.NativeEndian.AppendUint32(b, selector)
}

func encodeTunnelKey(w *builder, act Action) error {
	tk := act.TunnelKey
	if tk == nil {
		return errs.Invalid("tunnel_key action", "", "TunnelKey is nil")
	}
	op := uint32(tunkeyActSet)
	if tk.Release {
		op = tunkeyActUnset
	}
	// iproute2's order: keys, no_csum, then the parameters last.
	if !tk.Release {
		if tk.Src.IsValid() {
			putAddr(w, tunkeyIPv4Src, tunkeyIPv6Src, tk.Src)
		}
		if tk.Dst.IsValid() {
			putAddr(w, tunkeyIPv4Dst, tunkeyIPv6Dst, tk.Dst)
		}
		if tk.KeyID != nil {
			w.be32(tunkeyKeyID, *tk.KeyID)
		}
		if tk.DstPort != nil {
			w.be16(tunkeyDstPort, *tk.DstPort)
		}
		if err := putGeneve(w, tunkeyEncOpts, tunkeyOptsGnv, tk.Geneve); err != nil {
			return err
		}
		if tk.TOS != nil {
			w.u8(tunkeyTOS, *tk.TOS)
		}
		if tk.TTL != nil {
			w.u8(tunkeyTTL, *tk.TTL)
		}
	}
	if tk.NoCsum != nil {
		v := uint8(0)
		if *tk.NoCsum {
			v = 1
		}
		w.u8(tunkeyNoCsum, v)
	}
	w.put(tunkeyParms, binary.NativeEndian.AppendUint32(appendTCGen(nil, act), op))
	return nil
}

// wireEthType is the TCA_FLOWER_KEY_ETH_TYPE to send. tc sends the filter's
// protocol when no other is given. For VLAN matches the kernel wants the
// tag's TPID there (it then reads the VLAN keys) but dumps the inner
// EtherType, so a dumped VLAN filter is re-sent with its protocol.
func wireEthType(f Filter) uint16 {
	k := f.Flower.Key
	if k.VLAN != nil && (f.Protocol == EthP8021Q || f.Protocol == EthP8021AD) {
		return f.Protocol
	}
	if k.EthType == 0 && f.Protocol != EthPAll {
		return f.Protocol
	}
	return k.EthType
}
