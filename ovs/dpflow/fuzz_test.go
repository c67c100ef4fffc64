package dpflow

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// addCorpus seeds a fuzz target with every line of the testdata/ovs
// fixtures (flows, headers, log lines, prompts, a truncated flow).
func addCorpus(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/ovs/*.txt")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			f.Add(sc.Text())
		}
	}
	f.Add(yusurLine)
	f.Add("in_port(1), packets:1, bytes:1, used:-0.001s, flags:none, offloaded:, dp:, actions:,,drop, dp-extra-info:a, b")
}

// FuzzParse checks that Parse never panics and that every line it accepts
// survives parse(format(parse(x))) unchanged.
func FuzzParse(f *testing.F) {
	addCorpus(f)
	f.Fuzz(func(t *testing.T, line string) {
		fl, err := Parse(line)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		text := fl.String()
		again, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its format %q fails: %v", line, text, err)
		}
		if diff := cmp.Diff(fl, again); diff != "" {
			t.Fatalf("round trip of %q via %q (-first +second):\n%s", line, text, diff)
		}
		if again.String() != text {
			t.Fatalf("format not stable: %q then %q", text, again.String())
		}
		// Typed decoders must not panic on whatever the attributes hold.
		for _, a := range fl.Match {
			for _, v := range Fields(a.Args()) {
				_, _ = ParseMaskedUint(v)
				_, _ = ParseMaskedIP(v)
				_, _ = ParseMaskedMAC(v)
			}
			_, _, _ = ParseCTState(a.Args())
			_, _, _ = ParseTCPFlags(a.Args())
		}
		_, _ = Why(fl)
	})
}

// FuzzScanner feeds a dump through the Scanner one byte at a time and
// checks it yields what the string scanner does, line for line, so the
// chunking never splits or drops a line.
func FuzzScanner(f *testing.F) {
	f.Add("flow-dump from the main thread:\n" + yusurLine + "\n\n# c\n" + yusurLine)
	f.Add("in_port(1),eth(, packets:1\r\nrecirc_id(0), packets:1, bytes:2, used:never, actions:drop")
	f.Fuzz(func(t *testing.T, dump string) {
		type res struct {
			Text string
			Line int
			Err  string
		}
		collect := func(s *Scanner) []res {
			var out []res
			for fl, err := range s.All() {
				if err != nil {
					out = append(out, res{Err: err.Error()})
					continue
				}
				out = append(out, res{Text: fl.String(), Line: fl.Line})
			}
			return out
		}
		want := collect(ScanString(dump, Options{MaxLineSize: 4096}))
		got := collect(NewScanner(iotest.OneByteReader(strings.NewReader(dump)), Options{MaxLineSize: 4096}))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("reader and string scanners differ (-string +reader):\n%s", diff)
		}
	})
}

func TestScannerReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader(yusurLine+"\n"), iotest.ErrReader(io.ErrUnexpectedEOF))
	var flows int
	var last error
	for fl, err := range NewScanner(r, Options{}).All() {
		if fl != nil {
			flows++
		}
		last = err
	}
	if flows != 1 || last == nil || !strings.Contains(last.Error(), "unexpected EOF") {
		t.Errorf("flows %d, last error %v", flows, last)
	}
}

func TestScannerLongLine(t *testing.T) {
	for _, tc := range []struct {
		name      string
		longLen   int
		maxLine   int
		oneByteRd bool
	}{
		{"within a chunk", 1500, 1000, false},
		{"across chunks", 200 << 10, 100 << 10, false},
		{"across chunks, one byte reads", 200 << 10, 100 << 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			long := "in_port(" + strings.Repeat("x", tc.longLen) + "), packets:1, bytes:1, used:never, actions:drop"
			dump := yusurLine + "\n" + long + "\n" + yusurLine + "\n"
			var r io.Reader = strings.NewReader(dump)
			if tc.oneByteRd {
				r = iotest.OneByteReader(r)
			}
			var lines []int
			var errs int
			for fl, err := range NewScanner(r, Options{MaxLineSize: tc.maxLine}).All() {
				if err != nil {
					errs++
					continue
				}
				lines = append(lines, fl.Line)
			}
			if errs != 1 || !cmp.Equal(lines, []int{1, 3}) {
				t.Errorf("errors %d, flow lines %v; want 1 error and lines 1, 3", errs, lines)
			}
		})
	}
}

// TestStreamingAllocations checks the streaming promise: at most one
// allocation per flow (it is about 0.01: one per 64 KiB chunk).
func TestStreamingAllocations(t *testing.T) {
	const n = 2000
	data := benchDump(benchVerbose, n)
	allocs := testing.AllocsPerRun(3, func() {
		s := NewScanner(bytes.NewReader(data), Options{})
		for {
			if _, err := s.Next(); err != nil {
				break
			}
		}
	})
	if perFlow := allocs / n; perFlow > 1 {
		t.Errorf("%.3f allocations per flow, want at most 1", perFlow)
	} else {
		t.Logf("%.4f allocations per flow", perFlow)
	}
}

func TestScanBytes(t *testing.T) {
	dump := []byte(yusurLine + "\n" + yusurLine)
	var n int
	for f, err := range ScanBytes(dump, Options{}).All() {
		if err != nil || f.Packets != 6946 {
			t.Fatalf("flow %v, err %v", f, err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d flows, want 2", n)
	}
	if _, err := ScanBytes(nil, Options{}).Next(); err != io.EOF {
		t.Errorf("empty dump: %v, want io.EOF", err)
	}
}
