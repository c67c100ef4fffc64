package dpflow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"unsafe"
)

// Options tune parsing. The zero value is the tolerant default.
type Options struct {
	// Strict makes OVS log lines, unknown info fields and lines without
	// packets, bytes, used or actions errors. Dump header lines, blank
	// lines and '#' comment lines are skipped in both modes.
	Strict bool
	// MaxLineSize bounds a single line in bytes (default 1 MiB); a longer
	// line is a *ParseError and the Scanner skips it.
	MaxLineSize int
	// Type is the type= filter the dump was taken with, when known (zero:
	// not known). Parsing does not use it; the Scanner and FlowDump
	// carry it to the Report (Report.Type). ovs/unixctl sets it from
	// DumpOptions.Type.
	Type DumpType
}

// Counts are what a Scanner has read so far, line by line.
type Counts struct {
	// Lines is the number of lines read.
	Lines int
	// Flows is the number of lines that parsed as flows.
	Flows int
	// Errors is the number of lines that did not parse (*ParseError).
	Errors int
	// Other is the number of lines skipped in tolerant mode that are not
	// part of a dump: OVS log lines, prompts, any other text.
	Other int
}

const (
	defaultMaxLine = 1 << 20
	chunkSize      = 64 << 10
)

// Scanner reads flows one at a time from a dump. It is not safe for
// concurrent use.
type Scanner struct {
	r     io.Reader
	opts  Options
	buf   []byte // bytes read but not yet converted (a partial line)
	chunk string // complete lines converted in one allocation
	off   int    // read position in chunk
	eof   bool
	err   error // sticky read error
	line  int
	skip  bool // discarding the rest of an over-long line
	flow  Flow
	n     Counts
}

// NewScanner returns a Scanner reading r.
func NewScanner(r io.Reader, opts Options) *Scanner {
	if opts.MaxLineSize <= 0 {
		opts.MaxLineSize = defaultMaxLine
	}
	return &Scanner{r: r, opts: opts}
}

// ScanString returns a Scanner over a dump held in a string, such as a
// unixctl reply; it parses in place without copying.
func ScanString(dump string, opts Options) *Scanner {
	s := NewScanner(nil, opts)
	s.chunk, s.eof = dump, true
	return s
}

// Line returns the 1-based number of the line last returned.
func (s *Scanner) Line() int { return s.line }

// Next returns the next flow. At the end of input it returns io.EOF. A
// line that does not parse returns a *ParseError; the caller may call
// Next again to continue with the following line. Other errors come from
// the reader and are final. The returned Flow is reused by the next call.
func (s *Scanner) Next() (*Flow, error) {
	for {
		line, err := s.nextLine()
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				s.n.Lines, s.n.Errors = s.line, s.n.Errors+1
			}
			return nil, err
		}
		s.n.Lines = s.line
		if dump, skip := classify(line, s.opts.Strict); skip {
			if !dump {
				s.n.Other++
			}
			continue
		}
		p := parser{line: line, strict: s.opts.Strict}
		if err := p.parse(&s.flow); err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				pe.Line = s.line
			}
			s.n.Errors++
			return nil, err
		}
		s.flow.Line = s.line
		s.n.Flows++
		return &s.flow, nil
	}
}

// All iterates over the flows and per-line errors of the dump. Parse
// errors are yielded with a nil flow and iteration goes on; a read error
// is yielded last. The yielded Flow is reused: Clone it to keep it.
func (s *Scanner) All() iter.Seq2[*Flow, error] {
	return func(yield func(*Flow, error) bool) {
		for {
			f, err := s.Next()
			if err == io.EOF {
				return
			}
			if !yield(f, err) {
				return
			}
			var pe *ParseError
			if err != nil && !errors.As(err, &pe) {
				return
			}
		}
	}
}

// classify says whether line is skipped, and if so whether it is part of
// a dump (blank, '#' comment, the userspace datapath's "flow-dump from"
// header) or other text: in tolerant mode OVS log lines and any line that
// does not start like a flow (ufid: or key(...)), such as shell prompts. A
// line that starts like a flow is always parsed, so a truncated flow is
// reported, not skipped.
func classify(line string, strict bool) (dump, skip bool) {
	l := line
	for len(l) > 0 && (l[0] == ' ' || l[0] == '\t') {
		l = l[1:]
	}
	if l == "" || l == "\r" || l[0] == '#' || strings.HasPrefix(l, "flow-dump from ") {
		return true, true
	}
	return false, !strict && (isLogLine(l) || !startsLikeFlow(l))
}

// startsLikeFlow reports lines beginning with "ufid:" or "name(".
func startsLikeFlow(l string) bool {
	if strings.HasPrefix(l, "ufid:") {
		return true
	}
	i := 0
	for i < len(l) && isKeyChar(l[i]) {
		i++
	}
	return i > 0 && i < len(l) && l[i] == '('
}

// isLogLine matches the OVS log format
// "2026-11-26T08:00:00.123Z|00001|module|LEVEL|message".
func isLogLine(l string) bool {
	if len(l) < 20 || l[4] != '-' || l[7] != '-' || l[10] != 'T' {
		return false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9} {
		if l[i] < '0' || l[i] > '9' {
			return false
		}
	}
	return strings.IndexByte(l[:min(len(l), 40)], '|') > 0
}

func (s *Scanner) nextLine() (string, error) {
	for {
		if s.off < len(s.chunk) {
			rest := s.chunk[s.off:]
			i := strings.IndexByte(rest, '\n')
			if i < 0 {
				i = len(rest)
				s.off = len(s.chunk)
			} else {
				s.off += i + 1
			}
			s.line++
			if len(rest[:i]) > s.opts.MaxLineSize {
				return "", &ParseError{Line: s.line, Column: s.opts.MaxLineSize + 1, Msg: "line too long"}
			}
			return rest[:i], nil
		}
		if s.err != nil {
			return "", s.err
		}
		if s.eof {
			return "", io.EOF
		}
		if err := s.fill(); err != nil {
			return "", err
		}
	}
}

// fill reads until buf holds at least one complete line (or EOF) and
// turns the complete lines into chunk. The bytes are read into a buffer
// that is never written again once it backs chunk (the next read goes to
// a fresh buffer, after copying the partial last line there), so chunk
// can alias it without a copy: one allocation per 64 KiB of input.
func (s *Scanner) fill() error {
	for {
		if s.buf == nil || len(s.buf) == cap(s.buf) {
			size := chunkSize
			if s.buf != nil && len(s.buf) == cap(s.buf) {
				size = 2 * cap(s.buf)
			}
			if s.buf != nil && len(s.buf) > s.opts.MaxLineSize {
				// An over-long line: report it and drop it up to the
				// next newline.
				s.buf = s.buf[:0]
				s.skip = true
				s.line++
				return &ParseError{Line: s.line, Column: s.opts.MaxLineSize + 1, Msg: "line too long"}
			}
			nb := make([]byte, len(s.buf), size)
			copy(nb, s.buf)
			s.buf = nb
		}
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		if n > 0 {
			data := s.buf[len(s.buf) : len(s.buf)+n]
			if s.skip {
				i := bytes.IndexByte(data, '\n')
				if i < 0 {
					continue
				}
				s.skip = false
				m := copy(s.buf[:cap(s.buf)], data[i+1:])
				s.buf = s.buf[:m]
			} else {
				s.buf = s.buf[:len(s.buf)+n]
			}
			// Only the new bytes can hold a newline: what was in buf
			// before is a partial line.
			if k := bytes.LastIndexByte(s.buf[len(s.buf)-min(n, len(s.buf)):], '\n'); k >= 0 {
				k += len(s.buf) - min(n, len(s.buf))
				s.chunk, s.off = unsafe.String(&s.buf[0], k+1), 0
				rest := s.buf[k+1:]
				s.buf = make([]byte, len(rest), max(chunkSize, 2*len(rest)))
				copy(s.buf, rest)
				return nil
			}
		}
		if err == io.EOF {
			s.eof = true
			if len(s.buf) > 0 && !s.skip {
				s.chunk, s.off = string(s.buf), 0
				s.buf = s.buf[:0]
			}
			return nil
		}
		if err != nil {
			s.err = fmt.Errorf("dpflow: read dump: %w", err)
			return s.err
		}
	}
}

// FlowDump is a whole dump of datapath flows with where it came from.
type FlowDump struct {
	// Source says where the dump came from (a file name, "stdin",
	// "unixctl:<socket>"); set by the caller.
	Source string
	// Filter is the dump's filter as given to dpctl/dump-flows (for example
	// "type=offloaded"); set by the caller.
	Filter string
	// Type is the dump's type= filter when known (from Options.Type).
	Type DumpType
	// Flows are the parsed flows, each independent of the others.
	Flows []Flow
	// Errors are the lines that did not parse.
	Errors []*ParseError
}

// ReadDump reads a whole dump. Lines that do not parse are collected in
// Errors (in strict mode the first one is returned as the error instead);
// a read error is returned with what was read so far.
func ReadDump(r io.Reader, opts Options) (*FlowDump, error) {
	return collect(NewScanner(r, opts), opts.Strict)
}

// ParseDump parses a whole dump held in a string, as ReadDump does.
func ParseDump(dump string, opts Options) (*FlowDump, error) {
	return collect(ScanString(dump, opts), opts.Strict)
}

func collect(s *Scanner, strict bool) (*FlowDump, error) {
	d := &FlowDump{Type: s.Type()}
	for f, err := range s.All() {
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) && !strict {
				d.Errors = append(d.Errors, pe)
				continue
			}
			return d, err
		}
		d.Flows = append(d.Flows, *f.Clone())
	}
	return d, nil
}

// Counts returns what the Scanner has read so far. After the last flow
// it tells an empty dump (no lines, or only headers and blank lines)
// from input that is not a dump at all (Flows 0, Other or Errors not).
func (s *Scanner) Counts() Counts { return s.n }

// Type returns Options.Type: the type= filter the dump was taken with,
// zero when not known.
func (s *Scanner) Type() DumpType { return s.opts.Type }

// Report returns the report of the dump's flows, knowing its Type.
func (d *FlowDump) Report() *Report {
	r := NewReport()
	r.Type = d.Type
	for i := range d.Flows {
		r.Add(&d.Flows[i])
	}
	return r
}

// Strict reports whether the Scanner parses in strict mode.
func (s *Scanner) Strict() bool { return s.opts.Strict }

// ScanBytes returns a Scanner over a dump held in a byte slice, such as
// unixctl.Client.CallBytes returns, without copying it: the Scanner takes
// ownership, and dump must not be modified afterwards (flows point into
// it).
func ScanBytes(dump []byte, opts Options) *Scanner {
	if len(dump) == 0 {
		return ScanString("", opts)
	}
	return ScanString(unsafe.String(&dump[0], len(dump)), opts)
}
