package tctest

import (
	"os"
	"strings"
	"testing"
)

func TestReadRecording(t *testing.T) {
	t.Parallel()
	r, err := ReadRecording("../../testdata/tc/vm-dump-flower.nl")
	if err != nil {
		t.Fatal(err)
	}
	if r.Command != "tc -s filter show dev v0 ingress" || len(r.Sent) != 1 || len(r.ReceivedOfType(44)) != 10 {
		t.Errorf("command %q, %d sent, %d filters received", r.Command, len(r.Sent), len(r.ReceivedOfType(44)))
	}
	if _, err := ParseRecording(strings.NewReader(">\n0800\n")); err == nil {
		t.Error("a truncated message was accepted")
	}
	if _, err := ParseRecording(strings.NewReader("<\nzz\n")); err == nil {
		t.Error("bad hex was accepted")
	}
}

// FuzzParseRecording: any input either parses or fails, never panics, and
// every message parsed has the length its header claims.
func FuzzParseRecording(f *testing.F) {
	b, err := os.ReadFile("../../testdata/tc/vm-add-arp.nl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add(">\n1400000003000200000000000000000000000000\n")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecording(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, m := range append(r.Sent, r.Received...) {
			if int(m.Header.Length) != 16+len(m.Data) {
				t.Errorf("header length %d with %d data bytes", m.Header.Length, len(m.Data))
			}
		}
	})
}
