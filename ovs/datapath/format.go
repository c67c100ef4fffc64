package datapath

import (
	"encoding/binary"
	"net/netip"
	"strconv"
)

// This file renders kernel flow keys, masks and actions as the text
// `ovs-appctl dpctl/dump-flows` prints, following OVS's lib/odp-util.c
// (odp_flow_format, format_odp_key_attr__, format_odp_action) as of OVS
// 3.1, the version the guest tests compare against. Attributes it has no
// rendering for print the way OVS prints attributes it does not know:
// key<N>(hex bytes) and action<N>(hex bytes), so nothing is ever dropped.

// keyLen is the payload length of each fixed-size key attribute
// (ovs_flow_key_attr_lens); -1 variable, -2 nested, 0 unknown type.
func keyLen(t uint16) int {
	switch t {
	case keyEncap, keyTunnel, keyNSH:
		return -2
	case keyMPLS:
		return -1
	case keyPriority, keySkbMark, keyDPHash, keyRecircID, keyInPort, keyCTState, keyCTMark, keyPacketType:
		return 4
	case keyEthernet:
		return 12
	case keyVLAN, keyEthertype, keyTCPFlags, keyCTZone:
		return 2
	case keyIPv4:
		return 12
	case keyIPv6:
		return 40
	case keyTCP, keyUDP, keySCTP:
		return 4
	case keyICMP, keyICMPv6:
		return 2
	case keyARP:
		return 24
	case keyND:
		return 28
	case keyCTLabels:
		return 16
	case keyCTTupleIPv4:
		return 13
	case keyCTTupleIPv6:
		return 37
	case keyNDExtensions:
		return 8
	}
	return 0
}

// keyName is ovs_key_attr_to_string; "" for types rendered as key<N>.
func keyName(t uint16) string {
	switch t {
	case keyEncap:
		return "encap"
	case keyPriority:
		return "skb_priority"
	case keySkbMark:
		return "skb_mark"
	case keyCTState:
		return "ct_state"
	case keyCTZone:
		return "ct_zone"
	case keyCTMark:
		return "ct_mark"
	case keyCTLabels:
		return "ct_label"
	case keyCTTupleIPv4:
		return "ct_tuple4"
	case keyCTTupleIPv6:
		return "ct_tuple6"
	case keyTunnel:
		return "tunnel"
	case keyInPort:
		return "in_port"
	case keyEthernet:
		return "eth"
	case keyVLAN:
		return "vlan"
	case keyEthertype:
		return "eth_type"
	case keyIPv4:
		return "ipv4"
	case keyIPv6:
		return "ipv6"
	case keyTCP:
		return "tcp"
	case keyTCPFlags:
		return "tcp_flags"
	case keyUDP:
		return "udp"
	case keySCTP:
		return "sctp"
	case keyICMP:
		return "icmp"
	case keyICMPv6:
		return "icmpv6"
	case keyARP:
		return "arp"
	case keyND:
		return "nd"
	case keyNDExtensions:
		return "nd_ext"
	case keyMPLS:
		return "mpls"
	case keyDPHash:
		return "dp_hash"
	case keyRecircID:
		return "recirc_id"
	case keyPacketType:
		return "packet_type"
	case keyNSH:
		return "nsh"
	}
	return ""
}

// span locates one rendered attribute in formatter.buf: its name is
// buf[start:name], its text buf[start:end].
type span struct{ start, name, end int }

// formatter renders one flow at a time into buf; the caller turns buf into
// one string and slices the attributes out of it.
type formatter struct {
	buf     []byte
	match   []span
	actions []span
	verbose bool
	names   map[uint32]string
	// prev remembers, by position, the previous flow's top-level key
	// attributes and what they rendered as; prevKeys its whole walk (see
	// keys).
	prev     []renderedKey
	prevKeys prevKeys
	marks    []attrMark // the marks of the walk under way, reused
	// resumed is how many leading match spans of the flow being rendered
	// resumeKeys copied from the previous flow's: their texts are the
	// previous flow's, at the same places.
	resumed int
}

// renderedKey is one top-level key attribute of the previous flow: its raw
// key and mask bytes and how they rendered. What keyAttr renders depends
// on nothing else (the type, the bytes, whether a mask came, the mask
// mode, and the formatter's fixed options), so equal inputs render
// equally.
type renderedKey struct {
	ok        bool
	t         uint16
	maPresent bool
	sub       maskMode
	raw       []byte // key bytes, then mask bytes
	keyLen    int    // len of the key part of raw
	text      []byte
	nameLen   int
}

// same reports whether the attribute at position i is the previous
// flow's attribute at that position, so its rendering can be reused.
func (f *formatter) same(i int, t uint16, v, ma []byte, maPresent bool, mode maskMode) bool {
	if i >= len(f.prev) {
		return false
	}
	p := &f.prev[i]
	return p.ok && p.t == t && p.maPresent == maPresent && p.sub == mode && p.keyLen == len(v) &&
		len(p.raw) == len(v)+len(ma) && string(p.raw[:p.keyLen]) == string(v) && string(p.raw[p.keyLen:]) == string(ma)
}

// reuse appends the previous flow's rendering of the attribute at
// position i (same said it applies), with its span.
func (f *formatter) reuse(i int) {
	p := &f.prev[i]
	start := len(f.buf)
	f.match = append(f.match, span{start: start, name: start + p.nameLen, end: start + len(p.text)})
	f.buf = append(f.buf, p.text...)
}

// remember records the attribute at position i as rendered by keyAttr
// into f.buf from start, with spans from matchBefore on; one that did not
// render as exactly one span there is not remembered.
func (f *formatter) remember(i int, t uint16, v, ma []byte, maPresent bool, sub maskMode, start, matchBefore int) {
	for len(f.prev) <= i {
		f.prev = append(f.prev, renderedKey{})
	}
	p := &f.prev[i]
	p.ok = false
	if len(f.match) != matchBefore+1 || f.match[matchBefore].start != start || f.match[matchBefore].end != len(f.buf) {
		return
	}
	sp := f.match[matchBefore]
	p.ok, p.t, p.maPresent, p.sub = true, t, maPresent, sub
	p.raw = append(append(p.raw[:0], v...), ma...)
	p.keyLen = len(v)
	p.text = append(p.text[:0], f.buf[sp.start:sp.end]...)
	p.nameLen = sp.name - sp.start
}

var zeros [64]byte

// attrs iterates over the netlink attributes in b: type (flags masked
// off), payload. It stops at the first truncated attribute and reports the
// bytes left over.
func attrs(b []byte, fn func(t uint16, v []byte) bool) (left int) {
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b))
		if l < 4 || l > len(b) {
			return len(b)
		}
		if !fn(binary.NativeEndian.Uint16(b[2:])&0x3fff, b[4:l]) {
			return 0
		}
		al := (l + 3) &^ 3
		if al > len(b) {
			al = len(b)
		}
		b = b[al:]
	}
	return len(b)
}

// findAttr returns the payload of the first attribute of type t in b.
func findAttr(b []byte, t uint16) ([]byte, bool) {
	var out []byte
	found := false
	attrs(b, func(at uint16, v []byte) bool {
		if at == t {
			out, found = v, true
			return false
		}
		return true
	})
	return out, found
}

// maskMode says where the masks of a key sequence come from.
type maskMode int

const (
	maskNone  maskMode = iota // no mask: an exact-match flow
	maskAttrs                 // the OVS_FLOW_ATTR_MASK attributes
	maskZero                  // generated all-wildcard mask (inside a wildcarded nest)
)

// keys renders a sequence of OVS_KEY_ATTR_* attributes with their masks
// (odp_flow_format). top records each attribute as a match span.
//
// At the top level with -m rendering, two caches skip work for what the
// previous flow already rendered (flows of one dump mostly share their
// mask and most of their key: recirc_id(0), dp_hash(0/0), in_port,
// ct_state(0/0), eth, eth_type...). When the mask is byte for byte the
// previous flow's, the longest run of leading key attributes equal to the
// previous flow's is not walked at all: its text and spans are copied in
// one piece (resumeKeys). After that, an attribute equal to the previous
// flow's at the same place copies its text (same, reuse). Both rest on
// keyAttr's output depending only on the attribute's type, key and mask
// bytes, the mask mode and the formatter's fixed options.
func (f *formatter) keys(key, mask []byte, mode maskMode, top bool) {
	if mode == maskAttrs && len(mask) == 0 {
		mode = maskNone
	}
	w := keyWalk{first: true}
	cache := top && f.verbose
	textStart, spanStart := len(f.buf), len(f.match)
	if cache {
		w.marks = f.marks[:0]
		f.resumeKeys(key, mask, mode, &w, textStart)
	}
	var idx [64][]byte
	var has [64]bool
	if mode == maskAttrs {
		attrs(mask, func(t uint16, v []byte) bool {
			if t < 64 && !has[t] {
				idx[t], has[t] = v, true
			}
			return true
		})
	}
	sep := func() { f.sep(&w) }
	left := attrs(key[w.off:], func(t uint16, v []byte) bool {
		pos := w.pos
		w.pos++
		w.off = min(w.off+(4+len(v)+3)&^3, len(key))
		f.keyStep(t, v, mask, &idx, &has, mode, top, cache, pos, &w)
		if cache {
			w.marks = append(w.marks, attrMark{keyEnd: w.off, textEnd: len(f.buf) - textStart, spans: len(f.match) - spanStart,
				first: w.first, hasEthtype: w.hasEthtype, hasPacketType: w.hasPacketType})
		}
		return true
	})
	if cache {
		f.saveKeys(key, mask, mode, &w, textStart, spanStart, left)
		f.marks = w.marks[:0]
	}
	if left > 0 {
		f.leftover(key, left, w.first)
	}
	if !w.hasEthtype && mode == maskAttrs {
		if ma, ok := idx[keyEthertype], has[keyEthertype]; ok && len(ma) == 2 {
			sep()
			f.open(top, "eth_type")
			f.buf = append(f.buf, "0/0x"...)
			f.buf = appendHexPad(f.buf, uint64(binary.BigEndian.Uint16(ma)), 4)
			f.close(top)
		}
	}
	if w.first && len(key) == 0 {
		f.buf = append(f.buf, "<empty>"...)
	}
}

// keyStep renders one key attribute t (value v) of a keys walk: the body
// of keys' loop. idx and has index the mask attributes by type.
func (f *formatter) keyStep(t uint16, v, mask []byte, idx *[64][]byte, has *[64]bool, mode maskMode, top, cache bool, pos int, w *keyWalk) {
	sep := func() { f.sep(w) }
	var ma []byte
	maPresent := false
	switch mode {
	case maskZero:
		ma, maPresent = zeroMask(len(v)), true
	case maskAttrs:
		if t < 64 {
			ma, maPresent = idx[t], has[t]
		} else {
			ma, maPresent = findAttr(mask, t)
		}
	}
	want := keyLen(t)
	if want >= 0 && t <= keyMax && keyName(t) != "" && (len(v) != want || (maPresent && len(ma) != want)) {
		// OVS prints a complaint for a bad length; the kernel never
		// sends one. Keep the bytes.
		sep()
		f.generic(t, v, nil, top)
		return
	}
	switch t {
	case keyEthertype:
		w.hasEthtype = true
	case keyPacketType:
		w.hasPacketType = true
	}
	// An attribute equal to the previous flow's at the same place:
	// comparing bytes is much cheaper than rendering (see keys).
	if cache && f.same(pos, t, v, ma, maPresent, mode) {
		sep()
		f.reuse(pos)
		return
	}
	origMa, origPresent := ma, maPresent
	nested := want == -2
	wildcard := false
	sub := mode
	if mode != maskNone {
		if !maPresent {
			wildcard = true
			if nested {
				sub = maskZero
			} else {
				ma, maPresent = zeroMask(len(v)), true
			}
		} else {
			wildcard = maskConstant(t, ma, 0)
		}
	}
	switch {
	case f.verbose || !wildcard || nested:
		sep()
		start, matchBefore := len(f.buf), len(f.match)
		f.keyAttr(t, v, ma, maPresent, sub, top)
		if cache {
			f.remember(pos, t, v, origMa, origPresent, mode, start, matchBefore)
		}
	case t == keyEthernet && !w.hasPacketType:
		sep()
		f.open(top, "eth")
		f.close(top)
	case t == keyPacketType && wildcard:
		w.hasPacketType = false
	}
}

// sep writes the comma before every attribute but the first.
func (f *formatter) sep(w *keyWalk) {
	if !w.first {
		f.buf = append(f.buf, ',')
	}
	w.first = false
}

// keyWalk is the state of one keys walk.
type keyWalk struct {
	first                     bool // nothing rendered yet
	hasEthtype, hasPacketType bool // seen so far
	pos                       int  // index of the next attribute
	off                       int  // offset in the key of the next attribute
	// marks, with caching on, say where each attribute walked so far
	// ended: in the key, in the text and in the spans.
	marks []attrMark
	// resumed is how many leading attributes resumeKeys took from the
	// previous flow's walk.
	resumed int
}

// attrMark is the walk's state right after one attribute.
type attrMark struct {
	keyEnd, textEnd, spans    int
	first                     bool
	hasEthtype, hasPacketType bool
}

// prevKeys is the previous flow's top-level key walk, for resumeKeys.
type prevKeys struct {
	ok        bool
	mode      maskMode
	key, mask []byte
	text      []byte // the walk's text (before leftovers and the eth_type fallback)
	spans     []span // relative to text
	marks     []attrMark
}

// resumeKeys starts a top-level walk where the previous flow's stops
// being the same: when the mask and mode are the previous flow's, the
// leading key attributes equal to the previous flow's get its text and
// spans appended, and w continues after them.
func (f *formatter) resumeKeys(key, mask []byte, mode maskMode, w *keyWalk, textStart int) {
	p := &f.prevKeys
	w.marks = w.marks[:0]
	if !p.ok || p.mode != mode || string(p.mask) != string(mask) {
		return
	}
	k, from := 0, 0
	for k < len(p.marks) {
		end := p.marks[k].keyEnd
		if end > len(key) || string(key[from:end]) != string(p.key[from:end]) {
			break
		}
		from = end
		k++
	}
	if k == 0 {
		return
	}
	m := p.marks[k-1]
	f.buf = append(f.buf, p.text[:m.textEnd]...)
	for _, sp := range p.spans[:m.spans] {
		f.match = append(f.match, span{start: sp.start + textStart, name: sp.name + textStart, end: sp.end + textStart})
	}
	w.first, w.hasEthtype, w.hasPacketType = m.first, m.hasEthtype, m.hasPacketType
	w.pos, w.off = k, m.keyEnd
	w.marks = append(w.marks, p.marks[:k]...)
	w.resumed = k
	f.resumed = m.spans
}

// saveKeys keeps this flow's top-level walk for the next flow's
// resumeKeys; a walk that left bytes over is not kept.
//
// After a resumed walk only what follows the resumed attributes is copied:
// the mask, and the key, text, spans and marks up to there, are the
// previous flow's already.
func (f *formatter) saveKeys(key, mask []byte, mode maskMode, w *keyWalk, textStart, spanStart, left int) {
	p := &f.prevKeys
	keyFrom, textFrom, spansFrom, marksFrom := 0, 0, 0, 0
	if w.resumed > 0 {
		m := p.marks[w.resumed-1]
		keyFrom, textFrom, spansFrom, marksFrom = m.keyEnd, m.textEnd, m.spans, w.resumed
	} else {
		p.mask = append(p.mask[:0], mask...)
	}
	p.ok = left == 0
	p.mode = mode
	p.key = append(p.key[:keyFrom], key[keyFrom:]...)
	p.text = append(p.text[:textFrom], f.buf[textStart+textFrom:]...)
	p.spans = p.spans[:spansFrom]
	for _, sp := range f.match[spanStart+spansFrom:] {
		p.spans = append(p.spans, span{start: sp.start - textStart, name: sp.name - textStart, end: sp.end - textStart})
	}
	p.marks = append(p.marks[:marksFrom], w.marks[marksFrom:]...)
}

func (f *formatter) leftover(b []byte, left int, empty bool) {
	if empty {
		f.buf = append(f.buf, "<empty>"...)
	}
	f.buf = append(f.buf, ",***"...)
	f.buf = strconv.AppendInt(f.buf, int64(left), 10)
	f.buf = append(f.buf, " leftover bytes*** ("...)
	for _, c := range b[len(b)-left:] {
		f.buf = appendHexByte(f.buf, c)
	}
	f.buf = append(f.buf, ')')
}

func zeroMask(n int) []byte {
	if n <= len(zeros) {
		return zeros[:n]
	}
	return make([]byte, n)
}

// open starts an attribute "name(" and, at the top level, its span.
func (f *formatter) open(top bool, name string) {
	if top {
		f.match = append(f.match, span{start: len(f.buf), name: len(f.buf) + len(name)})
	}
	f.buf = append(f.buf, name...)
	f.buf = append(f.buf, '(')
}

func (f *formatter) close(top bool) {
	f.buf = append(f.buf, ')')
	if top {
		f.match[len(f.match)-1].end = len(f.buf)
	}
}

// generic renders an attribute OVS does not know: key<N>(hex[/hex]).
func (f *formatter) generic(t uint16, v, ma []byte, top bool) {
	if top {
		f.match = append(f.match, span{start: len(f.buf)})
	}
	f.buf = append(f.buf, "key"...)
	f.buf = strconv.AppendUint(f.buf, uint64(t), 10)
	if top {
		f.match[len(f.match)-1].name = len(f.buf)
	}
	f.buf = append(f.buf, '(')
	f.buf = appendHexBytes(f.buf, v)
	if ma != nil {
		f.buf = append(f.buf, '/')
		f.buf = appendHexBytes(f.buf, ma)
	}
	f.close(top)
}

// maskConstant reports whether the mask of a key attribute of type t is
// all c (0: wildcard, 0xff: exact), per odp_mask_is_constant__.
func maskConstant(t uint16, m []byte, c byte) bool {
	switch t {
	case keyTCPFlags:
		v := binary.BigEndian.Uint16(m) & 0x0fff
		return v == uint16(c)&0x0f<<8|uint16(c)
	case keyIPv6:
		lbl := binary.BigEndian.Uint32(m[32:]) & 0xfffff
		want := uint32(0)
		if c != 0 {
			want = 0xfffff
		}
		return lbl == want && allByte(m[:32], c) && allByte(m[36:40], c)
	case keyARP:
		return allByte(m[:24], c)
	case keyCTTupleIPv4:
		return allByte(m[:13], c)
	case keyCTTupleIPv6:
		return allByte(m[:37], c)
	case keyPriority, keyInPort, keyEthernet, keyVLAN, keyEthertype, keyIPv4, keyTCP, keyUDP,
		keyICMP, keyICMPv6, keyND, keyNDExtensions, keySkbMark, keyTunnel, keySCTP, keyDPHash,
		keyRecircID, keyMPLS, keyCTState, keyCTZone, keyCTMark, keyCTLabels, keyPacketType, keyNSH:
		return allByte(m, c)
	}
	return false
}

func allByte(b []byte, c byte) bool {
	for _, x := range b {
		if x != c {
			return false
		}
	}
	return true
}

// keyAttr renders one key attribute with its mask (format_odp_key_attr__).
func (f *formatter) keyAttr(t uint16, v, ma []byte, maPresent bool, sub maskMode, top bool) {
	name := keyName(t)
	if name == "" || t == keyTunnel || t == keyNSH || t == keyMPLS {
		// Tunnel, NSH and MPLS keys, and types OVS 3.1 does not know, as
		// bytes: exact agreement with OVS's rendering of those is not
		// needed by any caller yet.
		if !maPresent || maskConstant(t, ma, 0xff) {
			ma = nil
		}
		f.generic(t, v, ma, top)
		return
	}
	exact := !maPresent || maskConstant(t, ma, 0xff)
	var m []byte
	if maPresent {
		m = ma
	}
	f.open(top, name)
	start := len(f.buf)
	switch t {
	case keyEncap:
		if len(v) > 0 {
			if sub == maskAttrs && len(ma) == 0 {
				sub = maskNone
			}
			f.keys(v, ma, sub, false)
		}
	case keyPriority, keySkbMark, keyDPHash, keyRecircID:
		f.buf = appendCHex(f.buf, uint64(binary.NativeEndian.Uint32(v)))
		if !exact {
			f.buf = append(f.buf, '/')
			f.buf = appendCHex(f.buf, uint64(binary.NativeEndian.Uint32(m)))
		}
	case keyCTMark:
		if f.verbose || !maskEmpty(m) {
			f.buf = appendCHex(f.buf, uint64(binary.NativeEndian.Uint32(v)))
			if !exact {
				f.buf = append(f.buf, '/')
				f.buf = appendCHex(f.buf, uint64(binary.NativeEndian.Uint32(m)))
			}
		}
	case keyCTState:
		val := binary.NativeEndian.Uint32(v)
		var mv uint32
		if m != nil {
			mv = binary.NativeEndian.Uint32(m)
		}
		switch {
		case f.verbose:
			f.buf = appendCHex(f.buf, uint64(val))
			if !exact {
				f.buf = append(f.buf, '/')
				f.buf = appendCHex(f.buf, uint64(mv))
			}
		case !exact:
			f.buf = appendFlagsMasked(f.buf, ctStateName, val, mv, 0xffffffff)
		default:
			f.buf = appendFlags(f.buf, ctStateName, val)
		}
	case keyCTZone:
		if f.verbose || !maskEmpty(m) {
			f.buf = appendCHex(f.buf, uint64(binary.NativeEndian.Uint16(v)))
			if !exact {
				f.buf = append(f.buf, '/')
				f.buf = appendCHex(f.buf, uint64(binary.NativeEndian.Uint16(m)))
			}
		}
	case keyCTLabels:
		if f.verbose || (m != nil && !maskEmpty(m)) {
			f.buf = appendU128(f.buf, v)
			if m != nil && !allByte(m, 0xff) {
				f.buf = append(f.buf, '/')
				f.buf = appendU128(f.buf, m)
			}
		}
	case keyCTTupleIPv4:
		f.ipv4Field("src", v[0:4], sub4(m, 0))
		f.ipv4Field("dst", v[4:8], sub4(m, 4))
		f.u8u("proto", v[12], subByte(m, 12))
		f.be16("tp_src", v[8:10], subN(m, 8, 2))
		f.be16("tp_dst", v[10:12], subN(m, 10, 2))
		f.chomp()
	case keyCTTupleIPv6:
		f.in6("src", v[0:16], subN(m, 0, 16))
		f.in6("dst", v[16:32], subN(m, 16, 16))
		f.u8u("proto", v[36], subByte(m, 36))
		f.be16("src_port", v[32:34], subN(m, 32, 2))
		f.be16("dst_port", v[34:36], subN(m, 34, 2))
		f.chomp()
	case keyInPort:
		port := binary.NativeEndian.Uint32(v)
		if exact {
			f.port(port)
		} else {
			f.buf = strconv.AppendUint(f.buf, uint64(port), 10)
			f.buf = append(f.buf, '/')
			f.buf = appendCHex(f.buf, uint64(binary.NativeEndian.Uint32(m)))
		}
	case keyPacketType:
		// ns and id from the be32 packet type (the kernel does not send it).
		nsMask, idMask := []byte{0xff, 0xff}, []byte{0xff, 0xff}
		if m != nil {
			nsMask, idMask = m[0:2], m[2:4]
		}
		f.be16("ns", v[0:2], nsMask)
		f.be16x("id", v[2:4], idMask)
		f.chomp()
	case keyEthernet:
		f.eth("src", v[0:6], subN(m, 0, 6))
		f.eth("dst", v[6:12], subN(m, 6, 6))
		f.chomp()
	case keyVLAN:
		mv := uint16(0xffff)
		if m != nil {
			mv = binary.BigEndian.Uint16(m)
		}
		f.buf = appendVLANTCI(f.buf, binary.BigEndian.Uint16(v), mv, f.verbose)
	case keyEthertype:
		f.buf = append(f.buf, "0x"...)
		f.buf = appendHexPad(f.buf, uint64(binary.BigEndian.Uint16(v)), 4)
		if !exact {
			f.buf = append(f.buf, "/0x"...)
			f.buf = appendHexPad(f.buf, uint64(binary.BigEndian.Uint16(m)), 4)
		}
	case keyIPv4:
		f.ipv4Field("src", v[0:4], sub4(m, 0))
		f.ipv4Field("dst", v[4:8], sub4(m, 4))
		f.u8u("proto", v[8], subByte(m, 8))
		f.u8x("tos", v[9], subByte(m, 9))
		f.u8u("ttl", v[10], subByte(m, 10))
		f.frag(v[11], subByte(m, 11))
		f.chomp()
	case keyIPv6:
		f.in6("src", v[0:16], subN(m, 0, 16))
		f.in6("dst", v[16:32], subN(m, 16, 16))
		f.label(v[32:36], subN(m, 32, 4))
		f.u8u("proto", v[36], subByte(m, 36))
		f.u8x("tclass", v[37], subByte(m, 37))
		f.u8u("hlimit", v[38], subByte(m, 38))
		f.frag(v[39], subByte(m, 39))
		f.chomp()
	case keyTCP, keyUDP, keySCTP:
		f.be16("src", v[0:2], subN(m, 0, 2))
		f.be16("dst", v[2:4], subN(m, 2, 2))
		f.chomp()
	case keyTCPFlags:
		val := uint32(binary.BigEndian.Uint16(v))
		if !exact {
			f.buf = appendFlagsMasked(f.buf, tcpFlagName, val, uint32(binary.BigEndian.Uint16(m))&0x0fff, 0x0fff)
		} else {
			f.buf = appendFlags(f.buf, tcpFlagName, val)
		}
	case keyICMP, keyICMPv6:
		f.u8u("type", v[0], subByte(m, 0))
		f.u8u("code", v[1], subByte(m, 1))
		f.chomp()
	case keyARP:
		f.ipv4Field("sip", v[0:4], sub4(m, 0))
		f.ipv4Field("tip", v[4:8], sub4(m, 4))
		f.be16("op", v[8:10], subN(m, 8, 2))
		f.eth("sha", v[10:16], subN(m, 10, 6))
		f.eth("tha", v[16:22], subN(m, 16, 6))
		f.chomp()
	case keyND:
		f.in6("target", v[0:16], subN(m, 0, 16))
		f.eth("sll", v[16:22], subN(m, 16, 6))
		f.eth("tll", v[22:28], subN(m, 22, 6))
		f.chomp()
	case keyNDExtensions:
		f.buf = append(f.buf, "nd_reserved="...)
		f.buf = appendCHex(f.buf, uint64(binary.BigEndian.Uint32(v)))
		f.buf = append(f.buf, ',')
		f.u8u("nd_options_type", v[4], subByte(m, 4))
		f.chomp()
	}
	_ = start
	f.close(top)
}

func maskEmpty(m []byte) bool { return m == nil || allByte(m, 0) }

func subN(m []byte, off, n int) []byte {
	if m == nil {
		return nil
	}
	return m[off : off+n]
}

func sub4(m []byte, off int) []byte { return subN(m, off, 4) }

// subByte returns a pointer-like one-byte mask: nil for "no mask".
func subByte(m []byte, off int) []byte { return subN(m, off, 1) }

func (f *formatter) chomp() {
	if n := len(f.buf); n > 0 && f.buf[n-1] == ',' {
		f.buf = f.buf[:n-1]
	}
}

// port renders an odp port number, by name when names are known.
func (f *formatter) port(p uint32) {
	if name, ok := f.names[p]; ok {
		f.buf = append(f.buf, name...)
		return
	}
	f.buf = strconv.AppendUint(f.buf, uint64(p), 10)
}

// The field helpers below are OVS's format_eth, format_ipv4, ...: a field
// is printed when verbose or its mask is not empty, with "/mask" when the
// mask is partial; m == nil means exact (no mask).

func (f *formatter) eth(name string, v, m []byte) {
	if !f.verbose && m != nil && allByte(m, 0) {
		return
	}
	f.buf = append(f.buf, name...)
	f.buf = append(f.buf, '=')
	f.buf = appendMAC(f.buf, v)
	if m != nil && !allByte(m, 0xff) {
		f.buf = append(f.buf, '/')
		f.buf = appendMAC(f.buf, m)
	}
	f.buf = append(f.buf, ',')
}

func (f *formatter) ipv4Field(name string, v, m []byte) {
	if !f.verbose && m != nil && allByte(m, 0) {
		return
	}
	f.buf = append(f.buf, name...)
	f.buf = append(f.buf, '=')
	f.buf = appendIPv4(f.buf, v)
	if m != nil && !allByte(m, 0xff) {
		f.buf = append(f.buf, '/')
		f.buf = appendIPv4(f.buf, m)
	}
	f.buf = append(f.buf, ',')
}

func (f *formatter) in6(name string, v, m []byte) {
	if !f.verbose && m != nil && allByte(m, 0) {
		return
	}
	f.buf = append(f.buf, name...)
	f.buf = append(f.buf, '=')
	f.buf = netip.AddrFrom16([16]byte(v)).AppendTo(f.buf)
	if m != nil && !allByte(m, 0xff) {
		f.buf = append(f.buf, '/')
		f.buf = netip.AddrFrom16([16]byte(m)).AppendTo(f.buf)
	}
	f.buf = append(f.buf, ',')
}

func (f *formatter) label(v, m []byte) {
	if !f.verbose && m != nil && allByte(m, 0) {
		return
	}
	f.buf = append(f.buf, "label="...)
	f.buf = appendCHex(f.buf, uint64(binary.BigEndian.Uint32(v)))
	if m != nil && binary.BigEndian.Uint32(m)&0xfffff != 0xfffff {
		f.buf = append(f.buf, '/')
		f.buf = appendCHex(f.buf, uint64(binary.BigEndian.Uint32(m)))
	}
	f.buf = append(f.buf, ',')
}

func (f *formatter) u8u(name string, v byte, m []byte) {
	if !f.verbose && m != nil && m[0] == 0 {
		return
	}
	f.buf = append(f.buf, name...)
	f.buf = append(f.buf, '=')
	f.buf = strconv.AppendUint(f.buf, uint64(v), 10)
	if m != nil && m[0] != 0xff {
		f.buf = append(f.buf, '/')
		f.buf = appendCHex(f.buf, uint64(m[0]))
	}
	f.buf = append(f.buf, ',')
}

func (f *formatter) u8x(name string, v byte, m []byte) {
	if !f.verbose && m != nil && m[0] == 0 {
		return
	}
	f.buf = append(f.buf, name...)
	f.buf = append(f.buf, '=')
	f.buf = appendCHex(f.buf, uint64(v))
	if m != nil && m[0] != 0xff {
		f.buf = append(f.buf, '/')
		f.buf = appendCHex(f.buf, uint64(m[0]))
	}
	f.buf = append(f.buf, ',')
}

func (f *formatter) be16(name string, v, m []byte) {
	if !f.verbose && m != nil && allByte(m, 0) {
		return
	}
	f.buf = append(f.buf, name...)
	f.buf = append(f.buf, '=')
	f.buf = strconv.AppendUint(f.buf, uint64(binary.BigEndian.Uint16(v)), 10)
	if m != nil && !allByte(m, 0xff) {
		f.buf = append(f.buf, '/')
		f.buf = appendCHex(f.buf, uint64(binary.BigEndian.Uint16(m)))
	}
	f.buf = append(f.buf, ',')
}

func (f *formatter) be16x(name string, v, m []byte) {
	if !f.verbose && m != nil && allByte(m, 0) {
		return
	}
	f.buf = append(f.buf, name...)
	f.buf = append(f.buf, '=')
	f.buf = appendCHex(f.buf, uint64(binary.BigEndian.Uint16(v)))
	if m != nil && !allByte(m, 0xff) {
		f.buf = append(f.buf, '/')
		f.buf = appendCHex(f.buf, uint64(binary.BigEndian.Uint16(m)))
	}
	f.buf = append(f.buf, ',')
}

// frag is format_frag: printed whenever the mask is not empty, verbose or
// not.
func (f *formatter) frag(v byte, m []byte) {
	switch {
	case m != nil && m[0] == 0:
	case m != nil && m[0] != 0xff:
		f.buf = append(f.buf, "error: partial mask not supported for frag ("...)
		f.buf = appendCHex(f.buf, uint64(m[0]))
		f.buf = append(f.buf, "),"...)
	default:
		f.buf = append(f.buf, "frag="...)
		switch v {
		case 0:
			f.buf = append(f.buf, "no"...)
		case 1:
			f.buf = append(f.buf, "first"...)
		case 2:
			f.buf = append(f.buf, "later"...)
		default:
			f.buf = append(f.buf, "<error>"...)
		}
		f.buf = append(f.buf, ',')
	}
}

// appendVLANTCI is format_vlan_tci.
func appendVLANTCI(b []byte, tci, mask uint16, verbose bool) []byte {
	vid, vidMask := tci&0x0fff, mask&0x0fff
	pcp, pcpMask := tci>>13, mask>>13
	if verbose || vid != 0 || vidMask != 0 {
		b = append(b, "vid="...)
		b = strconv.AppendUint(b, uint64(vid), 10)
		if vidMask != 0x0fff {
			b = append(b, "/0x"...)
			b = strconv.AppendUint(b, uint64(vidMask), 16)
		}
		b = append(b, ',')
	}
	if verbose || pcp != 0 || pcpMask != 0 {
		b = append(b, "pcp="...)
		b = strconv.AppendUint(b, uint64(pcp), 10)
		if pcpMask != 7 {
			b = append(b, "/0x"...)
			b = strconv.AppendUint(b, uint64(pcpMask), 16)
		}
		b = append(b, ',')
	}
	if tci&0x1000 == 0 {
		b = append(b, "cfi=0,"...)
	}
	if n := len(b); n > 0 && b[n-1] == ',' {
		b = b[:n-1]
	}
	return b
}

func ctStateName(bit uint32) string {
	switch bit {
	case 0x08:
		return "rpl"
	case 0x20:
		return "trk"
	case 0x01:
		return "new"
	case 0x02:
		return "est"
	case 0x04:
		return "rel"
	case 0x10:
		return "inv"
	case 0x40:
		return "snat"
	case 0x80:
		return "dnat"
	}
	return ""
}

func tcpFlagName(bit uint32) string {
	switch bit {
	case 0x001:
		return "fin"
	case 0x002:
		return "syn"
	case 0x004:
		return "rst"
	case 0x008:
		return "psh"
	case 0x010:
		return "ack"
	case 0x020:
		return "urg"
	case 0x040:
		return "ece"
	case 0x080:
		return "cwr"
	case 0x100:
		return "ns"
	case 0x200:
		return "[200]"
	case 0x400:
		return "[400]"
	case 0x800:
		return "[800]"
	}
	return ""
}

// appendFlags is OVS's format_flags with '|'.
func appendFlags(b []byte, name func(uint32) string, flags uint32) []byte {
	if flags == 0 {
		return append(b, '0')
	}
	var bad uint32
	for flags != 0 {
		bit := flags & -flags
		if s := name(bit); s != "" {
			b = append(b, s...)
			b = append(b, '|')
		} else {
			bad |= bit
		}
		flags &^= bit
	}
	if bad != 0 {
		b = append(b, "0x"...)
		b = strconv.AppendUint(b, uint64(bad), 16)
		b = append(b, '|')
	}
	return b[:len(b)-1]
}

// appendFlagsMasked is OVS's format_flags_masked without a name.
func appendFlagsMasked(b []byte, name func(uint32) string, flags, mask, maxMask uint32) []byte {
	if mask == maxMask {
		return appendFlags(b, name, flags)
	}
	if mask == 0 {
		return append(b, "0/0"...)
	}
	for mask != 0 {
		bit := mask & -mask
		if flags&bit != 0 {
			b = append(b, '+')
		} else {
			b = append(b, '-')
		}
		if s := name(bit); s != "" {
			b = append(b, s...)
		} else {
			b = append(b, "[Unknown]"...)
		}
		mask &^= bit
	}
	return b
}

// appendCHex is C's %#x: "0" for zero, "0x..." otherwise.
func appendCHex(b []byte, v uint64) []byte {
	if v == 0 {
		return append(b, '0')
	}
	b = append(b, "0x"...)
	return strconv.AppendUint(b, v, 16)
}

// appendHexPad is %0<n>x.
func appendHexPad(b []byte, v uint64, n int) []byte {
	var tmp [16]byte
	s := strconv.AppendUint(tmp[:0], v, 16)
	for i := len(s); i < n; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

const hexDigits = "0123456789abcdef"

func appendHexByte(b []byte, c byte) []byte {
	return append(b, hexDigits[c>>4], hexDigits[c&15])
}

// appendHexBytes is format_generic_odp_key: bytes as hex pairs separated
// by spaces.
func appendHexBytes(b []byte, v []byte) []byte {
	for i, c := range v {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendHexByte(b, c)
	}
	return b
}

// appendU128 is format_u128's ds_put_hex of a 16-byte label: "0x" and the
// value without leading zeros ("0" for zero). The kernel's bytes are the
// label in network order.
func appendU128(b []byte, v []byte) []byte {
	i := 0
	for i < len(v) && v[i] == 0 {
		i++
	}
	if i == len(v) {
		return append(b, '0')
	}
	b = append(b, "0x"...)
	if v[i] < 0x10 {
		b = append(b, hexDigits[v[i]])
		i++
	}
	for ; i < len(v); i++ {
		b = appendHexByte(b, v[i])
	}
	return b
}

func appendMAC(b []byte, v []byte) []byte {
	for i, c := range v {
		if i > 0 {
			b = append(b, ':')
		}
		b = appendHexByte(b, c)
	}
	return b
}

func appendIPv4(b []byte, v []byte) []byte {
	for i, c := range v {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendUint(b, uint64(c), 10)
	}
	return b
}
