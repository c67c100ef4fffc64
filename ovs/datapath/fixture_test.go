package datapath_test

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// fixtureFiles hold replies recorded from real kernels; testdata/README.md
// says how they were captured. The first is the default fixture.
var fixtureFiles = []string{"testdata/linux-6.1-ovs-3.1.txt", "testdata/linux-6.12-ovs-3.1.txt"}

// fixture reads the "<kind> <hex>" and "text <line>" lines of the 6.1
// fixture.
func fixture(tb testing.TB) (msgs map[string][][]byte, text []string) {
	return fixtureOf(tb, fixtureFiles[0])
}

func fixtureOf(tb testing.TB, fixtureFile string) (msgs map[string][][]byte, text []string) {
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

// fixturePayloads returns the recorded messages of one kind, from every
// fixture, without their generic netlink header: what the decoders take.
func fixturePayloads(tb testing.TB, kind string) [][]byte {
	var out [][]byte
	for _, file := range fixtureFiles {
		msgs, _ := fixtureOf(tb, file)
		for _, m := range msgs[kind] {
			out = append(out, m[4:])
		}
	}
	return out
}
