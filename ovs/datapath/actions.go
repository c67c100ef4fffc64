package datapath

import (
	"encoding/binary"
	"strconv"
)

// actionLen is odp_action_len: the payload length of fixed-size actions,
// -1 for variable ones and -2 for types OVS does not know.
func actionLen(t uint16) int {
	switch t {
	case actOutput, actMeter, actRecirc, actDrop:
		return 4
	case actTrunc:
		return 4
	case actPushVLAN:
		return 4
	case actPopVLAN, actCTClear, actPopEth, actPopNSH:
		return 0
	case actPushMPLS:
		return 6
	case actPopMPLS:
		return 2
	case actHash:
		return 8
	case actPushEth:
		return 12
	case actAddMPLS:
		return 8
	case actUserspace, actSet, actSetMasked, actSample, actCT, actClone, actPushNSH, actCheckPktLen:
		return -1
	}
	return -2
}

// actions renders a sequence of OVS_ACTION_ATTR_* attributes
// (format_odp_actions); "drop" when there are none. top records each
// action as an Actions span.
func (f *formatter) actionList(b []byte, top bool) {
	if len(b) == 0 {
		if top {
			f.actions = append(f.actions, span{start: len(f.buf), name: len(f.buf) + 4, end: len(f.buf) + 4})
		}
		f.buf = append(f.buf, "drop"...)
		return
	}
	first := true
	left := attrs(b, func(t uint16, v []byte) bool {
		if !first {
			f.buf = append(f.buf, ',')
		}
		first = false
		start := len(f.buf)
		f.action(t, v)
		if top {
			f.actions = append(f.actions, actionSpan(f.buf, start, t))
		}
		return true
	})
	if left > 0 {
		f.leftover(b, left, first)
	}
}

// actionSpan makes the span of the action rendered at buf[start:] the way
// the dpflow parser splits it: a bare port is named "output", otherwise
// the name runs to the first '('.
func actionSpan(buf []byte, start int, t uint16) span {
	s := span{start: start, end: len(buf), name: len(buf)}
	if t == actOutput {
		return s // the name "output" is not in the text
	}
	for i := start; i < len(buf); i++ {
		if buf[i] == '(' {
			s.name = i
			break
		}
	}
	return s
}

// action renders one action (format_odp_action).
func (f *formatter) action(t uint16, v []byte) {
	if want := actionLen(t); want >= 0 && len(v) != want {
		f.buf = append(f.buf, "bad length "...)
		f.buf = strconv.AppendInt(f.buf, int64(len(v)), 10)
		f.buf = append(f.buf, ", expected "...)
		f.buf = strconv.AppendInt(f.buf, int64(want), 10)
		f.buf = append(f.buf, " for: "...)
		f.genericAction(t, v)
		return
	}
	switch t {
	case actMeter:
		f.buf = append(f.buf, "meter("...)
		f.buf = strconv.AppendUint(f.buf, uint64(binary.NativeEndian.Uint32(v)), 10)
		f.buf = append(f.buf, ')')
	case actOutput:
		f.port(binary.NativeEndian.Uint32(v))
	case actTrunc:
		f.buf = append(f.buf, "trunc("...)
		f.buf = strconv.AppendUint(f.buf, uint64(binary.NativeEndian.Uint32(v)), 10)
		f.buf = append(f.buf, ')')
	case actUserspace:
		f.userspace(v)
	case actRecirc:
		f.buf = append(f.buf, "recirc("...)
		f.buf = appendCHex(f.buf, uint64(binary.NativeEndian.Uint32(v)))
		f.buf = append(f.buf, ')')
	case actHash:
		f.buf = append(f.buf, "hash("...)
		alg, basis := binary.NativeEndian.Uint32(v), binary.NativeEndian.Uint32(v[4:])
		switch alg {
		case 0:
			f.buf = append(f.buf, "l4("...)
			f.buf = strconv.AppendUint(f.buf, uint64(basis), 10)
		case 1:
			f.buf = append(f.buf, "sym_l4("...)
			f.buf = strconv.AppendUint(f.buf, uint64(basis), 10)
		default:
			f.buf = append(f.buf, "Unknown hash algorithm("...)
			f.buf = strconv.AppendUint(f.buf, uint64(alg), 10)
		}
		f.buf = append(f.buf, "))"...)
	case actSetMasked:
		inner, ok := firstAttr(v)
		if !ok {
			f.genericAction(t, v)
			return
		}
		it, iv := inner.t, inner.v
		f.buf = append(f.buf, "set("...)
		size := len(iv) / 2
		if it != keyNSH && size <= 40 {
			f.setKey(it, iv[:size], iv[size:2*size], false)
		} else {
			f.setKey(it, iv, nil, false)
		}
		f.buf = append(f.buf, ')')
	case actSet:
		inner, ok := firstAttr(v)
		if !ok {
			f.genericAction(t, v)
			return
		}
		f.buf = append(f.buf, "set("...)
		f.setKey(inner.t, inner.v, nil, true)
		f.buf = append(f.buf, ')')
	case actPushEth:
		f.buf = append(f.buf, "push_eth(src="...)
		f.buf = appendMAC(f.buf, v[0:6])
		f.buf = append(f.buf, ",dst="...)
		f.buf = appendMAC(f.buf, v[6:12])
		f.buf = append(f.buf, ')')
	case actPopEth:
		f.buf = append(f.buf, "pop_eth"...)
	case actPushVLAN:
		f.buf = append(f.buf, "push_vlan("...)
		if tpid := binary.BigEndian.Uint16(v); tpid != 0x8100 {
			f.buf = append(f.buf, "tpid=0x"...)
			f.buf = appendHexPad(f.buf, uint64(tpid), 4)
			f.buf = append(f.buf, ',')
		}
		f.buf = appendVLANTCI(f.buf, binary.BigEndian.Uint16(v[2:]), 0xffff, false)
		f.buf = append(f.buf, ')')
	case actPopVLAN:
		f.buf = append(f.buf, "pop_vlan"...)
	case actPushMPLS, actAddMPLS:
		if t == actPushMPLS {
			f.buf = append(f.buf, "push_mpls("...)
		} else {
			f.buf = append(f.buf, "add_mpls("...)
		}
		f.buf = appendMPLSLSE(f.buf, binary.BigEndian.Uint32(v))
		f.buf = append(f.buf, ",eth_type=0x"...)
		f.buf = strconv.AppendUint(f.buf, uint64(binary.BigEndian.Uint16(v[4:])), 16)
		f.buf = append(f.buf, ')')
	case actPopMPLS:
		f.buf = append(f.buf, "pop_mpls(eth_type=0x"...)
		f.buf = strconv.AppendUint(f.buf, uint64(binary.BigEndian.Uint16(v)), 16)
		f.buf = append(f.buf, ')')
	case actSample:
		f.sample(v)
	case actCT:
		f.ct(v)
	case actCTClear:
		f.buf = append(f.buf, "ct_clear"...)
	case actClone:
		f.buf = append(f.buf, "clone("...)
		f.nestedActions(v)
		f.buf = append(f.buf, ')')
	case actPopNSH:
		f.buf = append(f.buf, "pop_nsh()"...)
	case actCheckPktLen:
		f.checkPktLen(v)
	case actDrop:
		f.buf = append(f.buf, "drop"...)
	default:
		// Push NSH, dec_ttl, psample and types newer than this package:
		// as OVS prints actions it does not know.
		f.genericAction(t, v)
	}
}

type rawAttr struct {
	t uint16
	v []byte
}

func firstAttr(b []byte) (rawAttr, bool) {
	var r rawAttr
	ok := false
	attrs(b, func(t uint16, v []byte) bool {
		r, ok = rawAttr{t, v}, true
		return false
	})
	return r, ok
}

// setKey renders the key inside set()/set masked (format_odp_key_attr
// with its length check).
func (f *formatter) setKey(t uint16, v, m []byte, verbose bool) {
	save := f.verbose
	f.verbose = verbose
	defer func() { f.verbose = save }()
	if want := keyLen(t); want >= 0 && keyName(t) != "" && (len(v) != want || (m != nil && len(m) != want)) {
		f.generic(t, v, m, false)
		return
	}
	f.keyAttr(t, v, m, m != nil, maskNone, false)
}

func (f *formatter) genericAction(t uint16, v []byte) {
	f.buf = append(f.buf, "action"...)
	f.buf = strconv.AppendUint(f.buf, uint64(t), 10)
	for i, c := range v {
		if i == 0 {
			f.buf = append(f.buf, '(')
		} else {
			f.buf = append(f.buf, ' ')
		}
		f.buf = appendHexByte(f.buf, c)
	}
	if len(v) > 0 {
		f.buf = append(f.buf, ')')
	}
}

func appendMPLSLSE(b []byte, lse uint32) []byte {
	b = append(b, "label="...)
	b = strconv.AppendUint(b, uint64(lse>>12), 10)
	b = append(b, ",tc="...)
	b = strconv.AppendUint(b, uint64(lse>>9&7), 10)
	b = append(b, ",ttl="...)
	b = strconv.AppendUint(b, uint64(lse&0xff), 10)
	b = append(b, ",bos="...)
	b = strconv.AppendUint(b, uint64(lse>>8&1), 10)
	return b
}

// userspace renders userspace(pid=N[,userdata(hex)][,actions][,tunnel_out_port=P]).
// OVS decodes its own cookie structs inside userdata (slow_path(...),
// sFlow(...), controller(...)); those are OVS-internal and print here as
// userdata(hex).
func (f *formatter) userspace(v []byte) {
	var pid uint32
	var userdata, tunPort []byte
	hasUserdata, hasActions, hasTun := false, false, false
	attrs(v, func(t uint16, a []byte) bool {
		switch t {
		case userspaceAttrPID:
			if len(a) >= 4 {
				pid = binary.NativeEndian.Uint32(a)
			}
		case userspaceAttrUserdata:
			userdata, hasUserdata = a, true
		case userspaceAttrEgressTunPort:
			tunPort, hasTun = a, len(a) >= 4
		case userspaceAttrActions:
			hasActions = true
		}
		return true
	})
	f.buf = append(f.buf, "userspace(pid="...)
	f.buf = strconv.AppendUint(f.buf, uint64(pid), 10)
	if hasUserdata {
		f.buf = append(f.buf, ",userdata("...)
		for _, c := range userdata {
			f.buf = appendHexByte(f.buf, c)
		}
		f.buf = append(f.buf, ')')
	}
	if hasActions {
		f.buf = append(f.buf, ",actions"...)
	}
	if hasTun {
		f.buf = append(f.buf, ",tunnel_out_port="...)
		f.port(binary.NativeEndian.Uint32(tunPort))
	}
	f.buf = append(f.buf, ')')
}

// sample renders sample(sample=P%,actions(...)).
func (f *formatter) sample(v []byte) {
	prob, okP := findAttr(v, 1) // OVS_SAMPLE_ATTR_PROBABILITY
	acts, okA := findAttr(v, 2) // OVS_SAMPLE_ATTR_ACTIONS
	f.buf = append(f.buf, "sample"...)
	if !okP || !okA || len(prob) != 4 {
		f.buf = append(f.buf, "(error)"...)
		return
	}
	pct := 100.0 * float64(binary.NativeEndian.Uint32(prob)) / float64(^uint32(0))
	f.buf = append(f.buf, "(sample="...)
	f.buf = strconv.AppendFloat(f.buf, pct, 'f', 1, 64)
	f.buf = append(f.buf, "%,actions("...)
	f.nestedActions(acts)
	f.buf = append(f.buf, "))"...)
}

// ct renders ct(commit,force_commit,zone=N,mark=V/M,label=V/M,helper=H,timeout=T,nat...).
func (f *formatter) ct(v []byte) {
	var zone uint16
	var mark, label, helper, timeout, nat []byte
	commit, force := false, false
	attrs(v, func(t uint16, a []byte) bool {
		switch t {
		case ctAttrCommit:
			commit = true
		case ctAttrForceCommit:
			force = true
		case ctAttrZone:
			if len(a) >= 2 {
				zone = binary.NativeEndian.Uint16(a)
			}
		case ctAttrMark:
			if len(a) == 8 {
				mark = a
			}
		case ctAttrLabels:
			if len(a) == 32 {
				label = a
			}
		case ctAttrHelper:
			helper = cstring(a)
		case ctAttrTimeout:
			timeout = cstring(a)
		case ctAttrNAT:
			nat = a
			if nat == nil {
				nat = []byte{}
			}
		}
		return true
	})
	f.buf = append(f.buf, "ct"...)
	if !(commit || force || zone != 0 || mark != nil || label != nil || helper != nil || timeout != nil || nat != nil) {
		return
	}
	f.buf = append(f.buf, '(')
	if commit {
		f.buf = append(f.buf, "commit,"...)
	}
	if force {
		f.buf = append(f.buf, "force_commit,"...)
	}
	if zone != 0 {
		f.buf = append(f.buf, "zone="...)
		f.buf = strconv.AppendUint(f.buf, uint64(zone), 10)
		f.buf = append(f.buf, ',')
	}
	if mark != nil {
		f.buf = append(f.buf, "mark="...)
		f.buf = appendCHex(f.buf, uint64(binary.NativeEndian.Uint32(mark)))
		f.buf = append(f.buf, '/')
		f.buf = appendCHex(f.buf, uint64(binary.NativeEndian.Uint32(mark[4:])))
		f.buf = append(f.buf, ',')
	}
	if label != nil {
		f.buf = append(f.buf, "label="...)
		f.buf = appendU128(f.buf, label[:16])
		if !allByte(label[16:], 0xff) {
			f.buf = append(f.buf, '/')
			f.buf = appendU128(f.buf, label[16:])
		}
		f.buf = append(f.buf, ',')
	}
	if helper != nil {
		f.buf = append(f.buf, "helper="...)
		f.buf = append(f.buf, helper...)
		f.buf = append(f.buf, ',')
	}
	if timeout != nil {
		f.buf = append(f.buf, "timeout="...)
		f.buf = append(f.buf, timeout...)
		f.buf = append(f.buf, ',')
	}
	if nat != nil {
		// OVS spells out the NAT range; kept as bytes here.
		f.buf = append(f.buf, "nat("...)
		f.buf = appendHexBytes(f.buf, nat)
		f.buf = append(f.buf, "),"...)
	}
	f.chomp()
	f.buf = append(f.buf, ')')
}

func cstring(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

// checkPktLen renders check_pkt_len(size=N,gt(...),le(...)).
func (f *formatter) checkPktLen(v []byte) {
	size, okS := findAttr(v, 1) // OVS_CHECK_PKT_LEN_ATTR_PKT_LEN
	gt, okG := findAttr(v, 2)   // ..._ACTIONS_IF_GREATER
	le, okL := findAttr(v, 3)   // ..._ACTIONS_IF_LESS_EQUAL
	f.buf = append(f.buf, "check_pkt_len"...)
	if !okS || !okG || !okL || len(size) < 2 {
		f.buf = append(f.buf, "(error)"...)
		return
	}
	f.buf = append(f.buf, "(size="...)
	f.buf = strconv.AppendUint(f.buf, uint64(binary.NativeEndian.Uint16(size)), 10)
	f.buf = append(f.buf, ",gt("...)
	f.nestedActions(gt)
	f.buf = append(f.buf, "),le("...)
	f.nestedActions(le)
	f.buf = append(f.buf, "))"...)
}

// nestedActions renders an action list inside another action; like the
// top level, an empty list prints "drop".
func (f *formatter) nestedActions(b []byte) { f.actionList(b, false) }
