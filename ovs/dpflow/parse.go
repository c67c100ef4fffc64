package dpflow

import (
	"fmt"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// ParseError is a line that could not be parsed. It matches
// errs.ErrInvalidArgument with errors.Is.
type ParseError struct {
	// Line is the 1-based input line (0 from Parse).
	Line int
	// Column is the 1-based byte column where parsing failed.
	Column int
	// Msg says what was wrong.
	Msg string
}

// Error formats "dpflow: line L, column C: msg".
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("dpflow: line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("dpflow: column %d: %s", e.Column, e.Msg)
}

// Unwrap returns errs.ErrInvalidArgument.
func (e *ParseError) Unwrap() error { return errs.ErrInvalidArgument }

// Parse parses one flow line. It accepts the same input as a tolerant
// Scanner for a flow line; header and log lines are errors here.
func Parse(line string) (*Flow, error) {
	f := new(Flow)
	if err := ParseInto(f, line, Options{}); err != nil {
		return nil, err
	}
	return f, nil
}

// ParseInto parses one flow line into f, reusing f's slices. f's strings
// point into line afterwards.
func ParseInto(f *Flow, line string, opts Options) error {
	p := parser{line: line, strict: opts.Strict}
	return p.parse(f)
}

type parser struct {
	line   string
	strict bool
}

func (p *parser) errAt(pos int, format string, args ...any) error {
	return &ParseError{Column: pos + 1, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) errTooDeep(pos int) error {
	return p.errAt(pos, "parentheses nested deeper than %d", MaxDepth)
}

// keyChars marks the bytes of attribute and info field names.
var keyChars = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c >= 'A' && c <= 'Z' || c == '-'
	}
	return t
}()

// isKeyChar reports the bytes of attribute and info field names.
func isKeyChar(c byte) bool { return keyChars[c] }

// MaxDepth is the deepest nesting of parentheses the parser accepts; a
// line nested deeper is a *ParseError at the first parenthesis past it.
// OVS itself refuses keys nested deeper than 32 (MAX_ODP_NESTED in
// lib/odp-util.c) and the kernel action lists nested deeper than 16
// (OVS_COPY_ACTIONS_MAX_DEPTH), each level printing one or two
// parentheses, so no dump OVS prints comes near it. The bound keeps
// the walks over nested actions (WalkActions, Why) linear in the line.
const MaxDepth = 64

// closeParen returns the index just past the parenthesis closing the one
// at open. It returns end -1 when none closes it; then deep is the index
// of the first '(' nested deeper than MaxDepth, or -1 if there is none
// (the parenthesis is simply unclosed).
//
// Where parentheses are dense (recirc_id(0x18), nested keys) it scans
// byte by byte; after a run of quiet bytes it jumps between parentheses
// with IndexByte, which is much faster on the long flat attributes of -m
// dumps. The position of the next ')' is remembered, so no byte is
// searched twice for the same parenthesis: the scan is linear in the
// input, however deep or long the nesting.
func closeParen(s string, open int) (end, deep int) {
	const quietRun = 8 // bytes without a parenthesis before jumping
	depth, pos := 1, open+1
	nextClose := -1 // index of the next ')' at or after pos, once searched
	for {
		for quiet := 0; quiet < quietRun; pos++ {
			if pos == len(s) {
				return -1, -1
			}
			switch s[pos] {
			case '(':
				if depth++; depth > MaxDepth {
					return -1, pos
				}
				quiet = 0
			case ')':
				if depth--; depth == 0 {
					return pos + 1, -1
				}
				quiet = 0
			default:
				quiet++
			}
		}
		if nextClose < pos {
			c := strings.IndexByte(s[pos:], ')')
			if c < 0 {
				return -1, deeperThanMax(s, pos, depth)
			}
			nextClose = pos + c
		}
		if o := strings.IndexByte(s[pos:nextClose], '('); o >= 0 {
			pos += o + 1
			if depth++; depth > MaxDepth {
				return -1, pos - 1
			}
			continue
		}
		pos = nextClose + 1
		if depth--; depth == 0 {
			return pos, -1
		}
	}
}

// deeperThanMax returns the index of the '(' after pos that takes depth
// past MaxDepth, or -1, for the error on an unclosed parenthesis: what
// follows holds no ')', so every '(' nests one deeper.
func deeperThanMax(s string, pos, depth int) int {
	for ; depth < MaxDepth; depth++ {
		o := strings.IndexByte(s[pos:], '(')
		if o < 0 {
			return -1
		}
		pos += o + 1
	}
	o := strings.IndexByte(s[pos:], '(')
	if o < 0 {
		return -1
	}
	return pos + o
}

// fieldEnd returns the index of the comma ending the element starting at
// i (at parenthesis depth zero), or len(s); -1 for a stray ')', -2 for an
// unclosed '(' and -3 for parentheses nested deeper than MaxDepth (then
// deep is where). Elements are short (info values, bare ports) or start
// with a name and a parenthesis, so a byte loop is enough.
func fieldEnd(s string, i int) (end, deep int) {
	for ; i < len(s); i++ {
		switch s[i] {
		case ',':
			return i, -1
		case ')':
			return -1, -1
		case '(':
			end, deep := closeParen(s, i)
			if deep >= 0 {
				return -3, deep
			}
			if end < 0 {
				return -2, -1
			}
			i = end - 1
		}
	}
	return i, -1
}

// trimSpaceRight drops trailing blanks (strings.TrimRight with a cutset
// builds a set on every call).
func trimSpaceRight(s string) string {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\r' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return s
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// bareActions are the actions OVS prints without parentheses; any other
// bare word in the action list is an output port.
func bareAction(s string) bool {
	switch s {
	case "drop", "pop_vlan", "pop_eth", "ct_clear", "pop_nsh", "ct":
		return true
	}
	return false
}

func (p *parser) parse(f *Flow) error {
	s := trimSpaceRight(p.line)
	*f = Flow{Match: f.Match[:0], Actions: f.Actions[:0], Extra: f.Extra[:0]}
	var seen uint8
	const (
		seenPackets = 1 << iota
		seenBytes
		seenUsed
		seenActions
	)
	i := skipSpace(s, 0)
	for i < len(s) {
		start := i
		for i < len(s) && isKeyChar(s[i]) {
			i++
		}
		if i == start || i == len(s) {
			return p.errAt(start, "expected key(...) or field:value")
		}
		name := s[start:i]
		switch s[i] {
		case '(':
			end, deep := closeParen(s, i)
			if deep >= 0 {
				return p.errTooDeep(deep)
			}
			if end < 0 {
				return p.errAt(i, "unbalanced parentheses in %s(", name)
			}
			a := Attr{Name: name, Text: s[start:end]}
			f.Match = append(f.Match, a)
			if name == "in_port" {
				f.InPort = a.Args()
			}
			i = end
		case ':':
			i++
			if name == "actions" {
				seen |= seenActions
				return p.parseActions(f, s, i, seen)
			}
			vs := skipSpace(s, i)
			end, deep := fieldEnd(s, vs)
			if end == -3 {
				return p.errTooDeep(deep)
			}
			if end < 0 {
				return p.errAt(vs, "unbalanced parentheses in %s:", name)
			}
			val := trimSpaceRight(s[vs:end])
			if err := p.info(f, name, val, vs); err != nil {
				return err
			}
			switch name {
			case "packets":
				seen |= seenPackets
			case "bytes":
				seen |= seenBytes
			case "used":
				seen |= seenUsed
			}
			i = end
		default:
			return p.errAt(i, "expected '(' or ':' after %q", name)
		}
		i = skipSpace(s, i)
		if i < len(s) {
			if s[i] != ',' {
				return p.errAt(i, "expected ','")
			}
			i = skipSpace(s, i+1)
		}
	}
	if len(f.Match) == 0 && seen == 0 && f.UFID.IsZero() {
		return p.errAt(0, "empty line")
	}
	return p.errAt(len(s), "missing actions:")
}

func (p *parser) info(f *Flow, name, val string, pos int) error {
	var err error
	switch name {
	case "ufid":
		f.UFID, err = ParseUFID(val)
	case "packets":
		f.Packets, err = atou(val)
	case "bytes":
		f.Bytes, err = atou(val)
	case "used":
		if val == "never" {
			f.NeverUsed, f.Used = true, 0
		} else {
			f.NeverUsed = false
			f.Used, err = parseUsed(val)
		}
	case "flags":
		f.TCPFlags, err = ParseTCPFlagsInfo(val)
	case "offloaded":
		f.Offloaded = Offloaded(val)
	case "dp":
		f.DP = Layer(val)
	case "dp-extra-info":
		f.DPExtraInfo = val
	default:
		if p.strict && name != "offload_packets" && name != "offload_bytes" {
			return p.errAt(pos-len(name)-1, "unknown field %q", name)
		}
		f.Extra = append(f.Extra, Field{Key: name, Value: val})
	}
	if err != nil {
		return p.errAt(pos, "%s: %v", name, err)
	}
	return nil
}

func (p *parser) parseActions(f *Flow, s string, i int, seen uint8) error {
	if p.strict && seen&0x7 != 0x7 {
		return p.errAt(i, "packets, bytes and used must come before actions")
	}
	for {
		i = skipSpace(s, i)
		if i >= len(s) {
			return nil
		}
		if strings.HasPrefix(s[i:], "dp-extra-info:") {
			f.DPExtraInfo = strings.TrimSpace(s[i+len("dp-extra-info:"):])
			return nil
		}
		end, deep := fieldEnd(s, i)
		switch end {
		case -3:
			return p.errTooDeep(deep)
		case -1:
			return p.errAt(i, "unbalanced ')' in actions")
		case -2:
			return p.errAt(i, "unbalanced '(' in actions")
		}
		text := trimSpaceRight(s[i:end])
		if text != "" {
			f.Actions = append(f.Actions, actionAttr(text))
		} else if p.strict {
			return p.errAt(i, "empty action")
		}
		if end == len(s) {
			return nil
		}
		i = end + 1
	}
}

// actionAttr names an action by the word before its parenthesis; bare
// words that are not known actions are output ports.
func actionAttr(text string) Attr {
	j := 0
	for j < len(text) && isKeyChar(text[j]) {
		j++
	}
	if j > 0 && j < len(text) && text[j] == '(' && text[len(text)-1] == ')' {
		return Attr{Name: text[:j], Text: text}
	}
	if j == len(text) && bareAction(text) {
		return Attr{Name: text, Text: text}
	}
	return Attr{Name: "output", Text: text}
}

// atou parses a decimal uint64 without allocating.
func atou(s string) (uint64, error) {
	if s == "" || len(s) > 20 {
		return 0, errs.Invalid("counter", s, "want a decimal number")
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, errs.Invalid("counter", s, "want a decimal number")
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, errs.Invalid("counter", s, "overflows 64 bits")
		}
		n = n*10 + d
	}
	return n, nil
}

// parseUsed parses "3.990s" (any number of fraction digits up to
// nanoseconds, optional sign) into a duration.
func parseUsed(s string) (time.Duration, error) {
	t, ok := strings.CutSuffix(s, "s")
	neg := false
	if ok && t != "" && t[0] == '-' {
		neg, t = true, t[1:]
	}
	intPart, frac, _ := strings.Cut(t, ".")
	if !ok || intPart == "" || len(intPart) > 9 || len(frac) > 9 {
		return 0, errs.Invalid("used", s, "want never or seconds like 0.550s")
	}
	sec, err := atou(intPart)
	if err != nil {
		return 0, errs.Invalid("used", s, "want never or seconds like 0.550s")
	}
	var ns uint64
	for k := 0; k < 9; k++ {
		ns *= 10
		if k < len(frac) {
			c := frac[k]
			if c < '0' || c > '9' {
				return 0, errs.Invalid("used", s, "want never or seconds like 0.550s")
			}
			ns += uint64(c - '0')
		}
	}
	d := time.Duration(sec)*time.Second + time.Duration(ns)
	if neg {
		d = -d
	}
	return d, nil
}

// ParseActions splits an action list such as the arguments of clone(...)
// or the actions(...) of sample(...) into actions, named like the
// top-level ones of a Flow.
func ParseActions(text string) ([]Attr, error) {
	var f Flow
	p := parser{line: text}
	if err := p.parseActions(&f, text, 0, 0); err != nil {
		return nil, err
	}
	return f.Actions, nil
}
