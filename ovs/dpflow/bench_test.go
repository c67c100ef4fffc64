package dpflow

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// benchLines are representative lines: a -m line from the Corigine guide
// (shared/seeds/002) and a plain line from the Antrea guide (seeds/001).
const (
	benchVerbose = `ufid:91cc45de-e7e9-4935-8f82-1890430b0f66, skb_priority(0/0),skb_mark(0/0),ct_state(0/0x23),ct_zone(0/0),ct_mark(0/0),ct_label(0/0x1),recirc_id(0),dp_hash(0/0),in_port(5b45c61b307e_h),packet_type(ns=0/0,id=0/0),eth(src=00:00:00:c5:6d:4e,dst=00:00:00:e7:16:ce),eth_type(0x0800),ipv4(src=0.0.0.0/0.0.0.0,dst=0.0.0.0/0.0.0.0,proto=0/0,tos=0/0,ttl=0/0,frag=no), packets:941539, bytes:62142230, used:0.260s, offloaded:yes, dp:tc, actions:54235e5753b8_h`
	benchPlain   = `ct_state(+est+trk),ct_mark(0),recirc_id(0x18),in_port(eth0),eth(dst=42:66:d7:45:0d:7e),eth_type(0x0800),ipv4(dst=192.168.1.0/255.255.255.0,frag=no), packets:2235857, bytes:147599302, used:0.550s, actions:eth1`
)

func benchDump(line string, n int) []byte {
	var b bytes.Buffer
	b.WriteString("flow-dump from the main thread:\n")
	for i := 0; i < n; i++ {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func benchScan(b *testing.B, line string) {
	const n = 10000
	data := benchDump(line, n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		s := NewScanner(bytes.NewReader(data), Options{})
		count := 0
		for {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			count++
		}
		if count != n {
			b.Fatalf("%d flows, want %d", count, n)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	perFlow := float64(b.Elapsed().Nanoseconds()) / float64(b.N*n)
	b.ReportMetric(perFlow, "ns/flow")
	b.ReportMetric(1e9/perFlow, "flows/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/flow")
		b.ReportMetric(float64(len(data))*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
}

// BenchmarkScanVerbose streams 10k -m lines (about 560 bytes each) from an
// io.Reader. allocs/op divided by 10000 is the allocations per flow.
func BenchmarkScanVerbose(b *testing.B) { benchScan(b, benchVerbose) }

// BenchmarkScanPlain streams 10k lines without -m.
func BenchmarkScanPlain(b *testing.B) { benchScan(b, benchPlain) }

// BenchmarkScanString streams 10k -m lines from a string (the unixctl
// case), which needs no copy at all.
func BenchmarkScanString(b *testing.B) {
	const n = 10000
	data := string(benchDump(benchVerbose, n))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s := ScanString(data, Options{})
		for {
			if _, err := s.Next(); err != nil {
				break
			}
		}
	}
}

// BenchmarkParseLine parses one -m line with Parse (allocates the Flow and
// its slices).
func BenchmarkParseLine(b *testing.B) {
	b.SetBytes(int64(len(benchVerbose)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(benchVerbose); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeTyped decodes typed values from a parsed flow on demand.
func BenchmarkDecodeTyped(b *testing.B) {
	f, err := Parse(benchVerbose)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		eth, _ := f.Key("eth")
		src, _ := eth.Field("src")
		if _, err := ParseMaskedMAC(src); err != nil {
			b.Fatal(err)
		}
		ip, _ := f.Key("ipv4")
		dst, _ := ip.Field("dst")
		if _, err := ParseMaskedIP(dst); err != nil {
			b.Fatal(err)
		}
		ct, _ := f.Key("ct_state")
		if _, _, err := ParseCTState(ct.Args()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFormat formats a -m flow.
func BenchmarkFormat(b *testing.B) {
	f, err := Parse(benchVerbose)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.SetBytes(int64(len(benchVerbose)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = f.appendText(buf[:0])
	}
	if !strings.HasPrefix(string(buf), "ufid:") {
		b.Fatal(string(buf))
	}
}

// BenchmarkFile streams the dump named by $DPFLOW_BENCH_FILE, for the
// side-by-side run against OVS's Python parser (hack/pyflow-bench). It
// reports ns/flow over the flow lines of the file.
func BenchmarkFile(b *testing.B) {
	name := os.Getenv("DPFLOW_BENCH_FILE")
	if name == "" {
		b.Skip("skipping: set DPFLOW_BENCH_FILE to a dump (hack/pyflow-bench/bench.sh does)")
	}
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	flows := 0
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		flows = 0
		s := NewScanner(bytes.NewReader(data), Options{})
		for {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			flows++
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	perFlow := float64(b.Elapsed().Nanoseconds()) / float64(b.N*flows)
	b.ReportMetric(perFlow, "ns/flow")
	// On a shared machine wall time includes waiting for a CPU; the
	// process CPU time (user+sys, all threads, GC included) does not.
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*flows), "cpu-ns/flow")
		b.ReportMetric(float64(len(data))*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
}

// worstLines are 1 MiB lines for BenchmarkParse: the worst cases a
// hostile or broken capture can hold, next to a flat line of the same
// size. A parser quadratic in nesting or run length shows here as a
// nested line costing many times the flat one.
func worstLines() []struct{ name, line string } {
	const size = 1 << 20
	tail := ", packets:1, bytes:1, used:never, actions:drop"
	fill := func(head, unit string) string {
		var b strings.Builder
		b.WriteString(head)
		for b.Len()+len(unit)+len(tail) <= size {
			b.WriteString(unit)
		}
		b.WriteString(tail[1:]) // the unit ends in a comma
		return b.String()
	}
	// nested is MaxDepth-1 parentheses deep inside x(...): as deep as
	// the parser accepts, so the whole line is parsed.
	nested := "x" + strings.Repeat("(", MaxDepth) + "1" + strings.Repeat(")", MaxDepth) + ","
	n := (size - len("in_port(")) / 2
	return []struct{ name, line string }{
		{"flat", fill("in_port(1),", "ipv4(src=10.0.0.1,dst=10.0.0.2),")},
		{"nested", fill("in_port(1),", nested)},
		{"deep", "in_port(" + strings.Repeat("(", n) + strings.Repeat(")", n+1) + tail},
		{"open", "in_port(" + strings.Repeat("(", size-len("in_port("))},
		{"a(", strings.Repeat("a(", size/2)},
		{"close", "in_port(1" + strings.Repeat(")", size-len("in_port(1"))},
		{"commas", "in_port(1)" + strings.Repeat(",", size-len("in_port(1)"))},
	}
}

// BenchmarkParse parses 1 MiB lines: flat (32-byte attributes), nested
// (attributes nested MaxDepth deep, all accepted), deep (one nest half a
// MiB deep, rejected at MaxDepth), open (a '(' run that never closes),
// a( repeated, a ')' run and a ',' run. Compare ns/op: every case must be
// linear in the line, so none costs more than a small multiple of flat.
func BenchmarkParse(b *testing.B) {
	for _, tc := range worstLines() {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.line)))
			b.ReportAllocs()
			var f Flow
			for i := 0; i < b.N; i++ {
				_ = ParseInto(&f, tc.line, Options{})
			}
		})
	}
}

// BenchmarkScanWorst runs the same lines through a Scanner and a Report,
// the path of examples/dpflows, so a quadratic step after parsing (Why,
// WalkActions) shows too.
func BenchmarkScanWorst(b *testing.B) {
	for _, tc := range worstLines() {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.line)))
			for i := 0; i < b.N; i++ {
				r := NewReport()
				for f, err := range ScanString(tc.line, Options{MaxLineSize: 2 << 20}).All() {
					if err == nil {
						r.Add(f)
					}
				}
			}
		})
	}
}
