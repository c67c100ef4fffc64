package dpflow

import (
	"strconv"
	"unicode/utf8"
)

// AppendJSONString appends s as a JSON string, replacing invalid UTF-8 with
// U+FFFD as encoding/json does. Callers writing error objects next to
// AppendJSON output use it.
func AppendJSONString(b []byte, s string) []byte { return appendJSONString(b, s) }

// AppendJSON appends the flow as one JSON object and a newline, the
// format of `examples/dpflows -json`: line, ufid (only when present),
// match (attribute name to the text inside its parentheses, in input
// order), in_port, packets, bytes, used (seconds, null for never),
// tcp_flags ("" when none), offloaded, dp, actions ([{name, text}]),
// outputs (the ports of the top-level output actions) and, only when the
// line had info fields the parser has no field for (Flow.Extra), extra:
// an object of those fields in input order, each value the text OVS
// printed, such as a vendor build's {"offload_packets":"75019",
// "offload_bytes":"109521498"} (a key printed twice appears twice, as
// printed). extra is left out rather than empty so a
// flow without such fields renders as it always did. The object is written
// by hand because encoding/json cannot keep the match order.
func (f *Flow) AppendJSON(b []byte) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(f.Line), 10)
	if !f.UFID.IsZero() {
		b = append(b, `,"ufid":"`...)
		b = f.UFID.appendText(b)
		b = append(b, '"')
	}
	b = append(b, `,"match":{`...)
	for i, a := range f.Match {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, a.Name)
		b = append(b, ':')
		b = appendJSONString(b, a.Args())
	}
	b = append(b, `},"in_port":`...)
	b = appendJSONString(b, f.InPort)
	b = append(b, `,"packets":`...)
	b = strconv.AppendUint(b, f.Packets, 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendUint(b, f.Bytes, 10)
	b = append(b, `,"used":`...)
	if f.NeverUsed {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendFloat(b, f.Used.Seconds(), 'f', -1, 64)
	}
	b = append(b, `,"tcp_flags":`...)
	if f.TCPFlags == 0 {
		b = append(b, `""`...)
	} else {
		b = appendJSONString(b, f.TCPFlags.String())
	}
	b = append(b, `,"offloaded":`...)
	b = appendJSONString(b, string(f.Offloaded))
	b = append(b, `,"dp":`...)
	b = appendJSONString(b, string(f.DP))
	b = append(b, `,"actions":[`...)
	for i, a := range f.Actions {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendJSONString(b, a.Name)
		b = append(b, `,"text":`...)
		b = appendJSONString(b, a.Text)
		b = append(b, '}')
	}
	b = append(b, `],"outputs":[`...)
	n := 0
	for port := range f.Outputs() {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, port)
		n++
	}
	b = append(b, ']')
	if len(f.Extra) > 0 {
		// Strings, not numbers: these fields are whatever a build
		// printed, and the raw text is what loses nothing.
		b = append(b, `,"extra":{`...)
		for i, e := range f.Extra {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, e.Key)
			b = append(b, ':')
			b = appendJSONString(b, e.Value)
		}
		b = append(b, '}')
	}
	return append(b, "}\n"...)
}

// appendJSONString appends s as a JSON string, replacing invalid UTF-8
// with U+FFFD as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x80 {
			i++
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != 0xFFFD || size != 1 {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, `\n`...)
		case '\t':
			b = append(b, `\t`...)
		case '\r':
			b = append(b, `\r`...)
		default:
			b = append(b, `\u00`...)
			b = append(b, hexd[c>>4], hexd[c&15])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
