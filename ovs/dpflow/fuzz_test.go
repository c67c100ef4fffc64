package dpflow

import (
	"bufio"
	"bytes"
	"encoding/json"
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
	if len(files) == 0 {
		// Moved fixtures would otherwise leave the fuzzers with two seeds.
		f.Fatal("no seed corpus in ../../testdata/ovs/*.txt")
	}
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
	for _, s := range largeSeeds() {
		f.Add(s)
	}
}

// largeSeeds are long adversarial lines (64 KiB, not the benchmarks' 1
// MiB, so the seed run stays quick under -race): runs of '(', ')', "a(",
// commas, nesting at and just past MaxDepth, and a long flat line.
func largeSeeds() []string {
	const n = 64 << 10
	tail := ", packets:1, bytes:1, used:never, actions:drop"
	nest := func(d int) string { return strings.Repeat("(", d) + "1" + strings.Repeat(")", d) }
	return []string{
		"in_port(" + strings.Repeat("(", n),
		"in_port(" + strings.Repeat("(", n) + strings.Repeat(")", n+1) + tail,
		strings.Repeat("a(", n/2),
		"in_port(1" + strings.Repeat(")", n),
		"in_port(1)" + strings.Repeat(",", n),
		"in_port(1)," + strings.Repeat("x"+nest(MaxDepth)+",", n/(2*MaxDepth+3)) + tail[2:],
		"in_port(1),x" + nest(MaxDepth+1) + tail,
		"in_port(1)" + tail[:len(tail)-4] + strings.Repeat("clone(", MaxDepth) + "drop" + strings.Repeat(")", MaxDepth),
		"in_port(1)," + strings.Repeat("ipv4(src=10.0.0.1,dst=10.0.0.2),", n/32) + tail[2:],
		"in_port(" + strings.Repeat("x", n) + ")" + tail,
	}
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
		if js := fl.AppendJSON(nil); !json.Valid(js) {
			t.Fatalf("AppendJSON of %q is not valid JSON: %s", line, js)
		}
		_, _, _ = fl.VendorOffloadCounters()
	})
}

// FuzzScanner feeds a dump through the Scanner one byte at a time and
// checks it yields what the string scanner does, line for line, so the
// chunking never splits or drops a line.
func FuzzScanner(f *testing.F) {
	f.Add("flow-dump from the main thread:\n" + yusurLine + "\n\n# c\n" + yusurLine)
	f.Add("in_port(1),eth(, packets:1\r\nrecirc_id(0), packets:1, bytes:2, used:never, actions:drop")
	for _, s := range largeSeeds() {
		if len(s) < 4096 { // the target's MaxLineSize: longer lines only test skipping
			f.Add(s + "\n" + yusurLine)
		}
	}
	f.Add(strings.Repeat("in_port(", 512) + "\n" + yusurLine + "\n" + strings.Repeat("(", 8192) + "\n" + yusurLine)
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
	t.Parallel()
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
	t.Parallel()
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
			t.Parallel()
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
	// Not parallel: testing.AllocsPerRun counts the whole process's allocations (and panics in a parallel test).
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
	t.Parallel()
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

// FuzzValues fuzzes the typed value parsers: none may panic, and what a
// formatter prints must parse back to the same value.
func FuzzValues(f *testing.F) {
	for _, s := range []string{
		"0x21/0x21", "+new+trk", "-new+est+trk", "est|trk|0x100", "0/0", "syn|ack", "+syn-ack",
		"S.", "SFPRU.ECN[200]", "none", "00:01:02:03:04:05/ff:ff:ff:ff:ff:f0", "0:1:2:3:4:5",
		"10.0.0.0/255.0.0.0", "::1/::255", "fe80::1/64", "0x1234/0xfff0", "18446744073709551615",
		"67c2e10f-92d4-4574-be70-d072815ff166", "ufid:67C2E10F-92D4-4574-BE70-D072815FF166",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, m, err := ParseCTState(s); err == nil && m == 0xffffffff {
			v2, _, err := ParseCTState(v.String())
			if err != nil || v2 != v {
				t.Fatalf("ct_state %q -> %#x -> %q -> %#x %v", s, uint32(v), v.String(), uint32(v2), err)
			}
		}
		_, _, _ = ParseTCPFlags(s)
		if fl, err := ParseTCPFlagsInfo(s); err == nil {
			fl2, err := ParseTCPFlagsInfo(fl.String())
			if err != nil || fl2 != fl {
				t.Fatalf("flags %q -> %v -> %v %v", s, fl, fl2, err)
			}
		}
		if u, err := ParseUFID(s); err == nil {
			u2, err := ParseUFID(u.String())
			if err != nil || u2 != u {
				t.Fatalf("ufid %q -> %s -> %s %v", s, u, u2, err)
			}
		}
		if m, err := ParseMAC(s); err == nil {
			m2, err := ParseMAC(m.String())
			if err != nil || m2 != m {
				t.Fatalf("mac %q -> %s -> %s %v", s, m, m2, err)
			}
		}
		_, _ = ParseMaskedMAC(s)
		if ip, err := ParseMaskedIP(s); err == nil {
			_, _ = ip.Prefix()
		}
		_, _ = ParseMaskedUint(s)
	})
}
