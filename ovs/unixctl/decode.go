package unixctl

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Reply is one decoded JSON-RPC reply.
type Reply struct {
	// ID is the raw JSON text of the "id" member ("7", "\"abc\"", "null").
	ID string
	// Result is the "result" member when it is a JSON string, the normal
	// case: the command's output text, unescaped.
	Result []byte
	// RawResult is the "result" member as raw JSON when it is not a string
	// (OVS 3.3+ with --format=json) and not null.
	RawResult []byte
	// HasResult reports that a non-null "result" member was present.
	HasResult bool
	// Error is the "error" member's text when it is a string; other JSON
	// values are kept as their raw text.
	Error string
	// HasError reports that a non-null "error" member was present.
	HasError bool
}

// maxDepth bounds JSON nesting in a reply. Real replies nest at most two
// levels; the bound keeps hostile input from exhausting the stack.
const maxDepth = 64

// DecodeReply decodes one complete JSON-RPC reply object. data must hold
// exactly one JSON object, optionally surrounded by white space. Members
// other than id, result and error are validated and ignored; a repeated
// member keeps its last value, as encoding/json does. Invalid \u escapes
// (lone surrogates) decode to U+FFFD, as encoding/json does; raw bytes are
// copied as they are.
func DecodeReply(data []byte) (Reply, error) {
	d := decoder{b: data}
	var r Reply
	d.ws()
	if !d.eat('{') {
		return r, d.fail("expected '{'")
	}
	d.ws()
	if d.eat('}') {
		return r, d.end()
	}
	for {
		d.ws()
		key, err := d.str(nil)
		if err != nil {
			return r, err
		}
		d.ws()
		if !d.eat(':') {
			return r, d.fail("expected ':'")
		}
		d.ws()
		switch string(key) {
		case "id":
			start := d.i
			if err := d.skip(0); err != nil {
				return r, err
			}
			r.ID = string(d.b[start:d.i])
		case "result":
			r.Result, r.RawResult, r.HasResult = nil, nil, false
			switch {
			case d.peek() == '"':
				s, err := d.str(make([]byte, 0, d.strLenHint()))
				if err != nil {
					return r, err
				}
				r.Result, r.HasResult = s, true
			case d.isNull():
				d.i += 4
			default:
				start := d.i
				if err := d.skip(0); err != nil {
					return r, err
				}
				r.RawResult, r.HasResult = append([]byte(nil), d.b[start:d.i]...), true
			}
		case "error":
			r.Error, r.HasError = "", false
			switch {
			case d.peek() == '"':
				s, err := d.str(nil)
				if err != nil {
					return r, err
				}
				r.Error, r.HasError = string(s), true
			case d.isNull():
				d.i += 4
			default:
				start := d.i
				if err := d.skip(0); err != nil {
					return r, err
				}
				r.Error, r.HasError = string(d.b[start:d.i]), true
			}
		default:
			if err := d.skip(0); err != nil {
				return r, err
			}
		}
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat('}') {
			return r, d.end()
		}
		return r, d.fail("expected ',' or '}'")
	}
}

type decoder struct {
	b []byte
	i int
}

func (d *decoder) fail(why string) error {
	return fmt.Errorf("%w: offset %d: %s", ErrProtocol, d.i, why)
}

func (d *decoder) end() error {
	d.ws()
	if d.i != len(d.b) {
		return d.fail("data after the reply object")
	}
	return nil
}

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *decoder) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *decoder) isNull() bool {
	return len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "null"
}

// strLenHint is an upper bound of the decoded length of the string at d.i:
// the escaped text never decodes longer. It lets a multi-megabyte dump be
// decoded into one allocation.
func (d *decoder) strLenHint() int {
	return len(d.b) - d.i
}

// special marks the bytes that end a run of plain string bytes.
var special = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'] = true
	t['\\'] = true
	return t
}()

// str decodes the JSON string at d.i, appending it to dst.
func (d *decoder) str(dst []byte) ([]byte, error) {
	if !d.eat('"') {
		return nil, d.fail("expected a string")
	}
	b := d.b
	i := d.i
	for {
		start := i
		for i < len(b) && !special[b[i]] {
			i++
		}
		dst = append(dst, b[start:i]...)
		if i >= len(b) {
			d.i = i
			return nil, d.fail("unterminated string")
		}
		switch c := b[i]; {
		case c == '"':
			d.i = i + 1
			if dst == nil {
				dst = []byte{}
			}
			return dst, nil
		case c < 0x20:
			d.i = i
			return nil, d.fail("control character in string")
		}
		// backslash
		if i+1 >= len(b) {
			d.i = i
			return nil, d.fail("unterminated escape")
		}
		e := b[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(b, i)
			if !ok {
				d.i = i
				return nil, d.fail("bad \\u escape")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				// A high surrogate followed by an escaped low one is one
				// code point; anything else is replaced, as encoding/json does.
				if len(b)-i >= 6 && b[i] == '\\' && b[i+1] == 'u' {
					if r2, ok := hex4(b, i+2); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							dst = utf8.AppendRune(dst, dec)
							i += 6
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		default:
			d.i = i - 1
			return nil, d.fail("bad escape")
		}
	}
}

func hex4(b []byte, i int) (rune, bool) {
	if len(b)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// skip validates and steps over one JSON value.
func (d *decoder) skip(depth int) error {
	if depth > maxDepth {
		return d.fail("nesting too deep")
	}
	switch c := d.peek(); {
	case c == '"':
		_, err := d.skipStr()
		return err
	case c == '{':
		d.i++
		d.ws()
		if d.eat('}') {
			return nil
		}
		for {
			d.ws()
			if _, err := d.skipStr(); err != nil {
				return err
			}
			d.ws()
			if !d.eat(':') {
				return d.fail("expected ':'")
			}
			d.ws()
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			d.ws()
			if d.eat(',') {
				continue
			}
			if d.eat('}') {
				return nil
			}
			return d.fail("expected ',' or '}'")
		}
	case c == '[':
		d.i++
		d.ws()
		if d.eat(']') {
			return nil
		}
		for {
			d.ws()
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			d.ws()
			if d.eat(',') {
				continue
			}
			if d.eat(']') {
				return nil
			}
			return d.fail("expected ',' or ']'")
		}
	case c == 't':
		return d.lit("true")
	case c == 'f':
		return d.lit("false")
	case c == 'n':
		return d.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.num()
	}
	return d.fail("expected a value")
}

// skipStr validates a string without keeping it.
func (d *decoder) skipStr() (bool, error) {
	start := d.i
	if _, err := d.str(nil); err != nil {
		return false, err
	}
	return d.i > start, nil
}

func (d *decoder) lit(s string) error {
	if len(d.b)-d.i < len(s) || string(d.b[d.i:d.i+len(s)]) != s {
		return d.fail("bad literal")
	}
	d.i += len(s)
	return nil
}

// num steps over a number in the JSON grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) num() error {
	b := d.b
	d.eat('-')
	digits := func() int {
		n := 0
		for d.i < len(b) && b[d.i] >= '0' && b[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	switch {
	case d.eat('0'):
	case d.i < len(b) && b[d.i] >= '1' && b[d.i] <= '9':
		digits()
	default:
		return d.fail("bad number")
	}
	if d.eat('.') && digits() == 0 {
		return d.fail("bad number")
	}
	if d.eat('e') || d.eat('E') {
		if !d.eat('+') {
			d.eat('-')
		}
		if digits() == 0 {
			return d.fail("bad number")
		}
	}
	return nil
}

// framer finds the end of one top-level JSON object in a byte stream that
// arrives in pieces. It keeps its state between calls so each byte is
// looked at once, whatever the read sizes.
type framer struct {
	started  bool
	depth    int
	inString bool
	escape   bool
	pos      int // bytes of buf already scanned
}

// scan looks at buf[f.pos:] and returns the length of the complete object
// (counting from the start of buf) or 0 when more bytes are needed. It
// reports an error for bytes that cannot start a reply.
func (f *framer) scan(buf []byte) (int, error) {
	i := f.pos
	for i < len(buf) {
		if f.escape {
			// The byte after a backslash, possibly the first of this
			// read; \uXXXX needs no care since hex digits are plain.
			f.escape = false
			i++
			continue
		}
		if f.inString {
			// Fast path through plain string bytes; control bytes are
			// left for DecodeReply to reject.
			for i < len(buf) && buf[i] != '"' && buf[i] != '\\' {
				i++
			}
			if i >= len(buf) {
				break
			}
			if buf[i] == '\\' {
				f.escape = true
			} else {
				f.inString = false
			}
			i++
			continue
		}
		c := buf[i]
		i++
		if !f.started {
			switch c {
			case ' ', '\t', '\n', '\r':
				continue
			case '{':
				f.started = true
				f.depth = 1
				continue
			}
			return 0, fmt.Errorf("%w: reply does not start with '{'", ErrProtocol)
		}
		switch c {
		case '"':
			f.inString = true
		case '{', '[':
			f.depth++
		case '}', ']':
			f.depth--
			if f.depth == 0 {
				f.pos = i
				return i, nil
			}
		}
	}
	f.pos = i
	return 0, nil
}
