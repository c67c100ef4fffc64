package datapath_test

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// fixtureFile holds replies recorded from a real kernel; testdata/README.md
// says how it was captured.
const fixtureFile = "testdata/linux-6.1-ovs-3.1.txt"

// fixture reads the "<kind> <hex>" and "text <line>" lines of the fixture.
func fixture(tb testing.TB) (msgs map[string][][]byte, text []string) {
	tb.Helper()
	fh, err := os.Open(fixtureFile)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	msgs = map[string][][]byte{}
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		kind, rest, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(kind, "#") {
			continue
		}
		if kind == "text" {
			text = append(text, rest)
			continue
		}
		b, err := hex.DecodeString(rest)
		if err != nil {
			tb.Fatalf("%s: %v", fixtureFile, err)
		}
		msgs[kind] = append(msgs[kind], b)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return msgs, text
}

// fixturePayloads returns the recorded messages of one kind without their
// generic netlink header: what the decoders take.
func fixturePayloads(tb testing.TB, kind string) [][]byte {
	msgs, _ := fixture(tb)
	var out [][]byte
	for _, m := range msgs[kind] {
		out = append(out, m[4:])
	}
	return out
}
