package tc

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdlayher/netlink"
)

// fixture is one testdata/tc/*.nl file written by hack/tc-bench/record.sh:
// the buffers iproute2's tc sent (">") and the kernel returned ("<").
type fixture struct {
	command string
	sent    []netlink.Message
	recv    []netlink.Message
}

func loadFixture(t testing.TB, name string) fixture {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "tc", name+".nl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fx fixture
	var dir string
	var buf []byte
	flush := func() {
		if len(buf) == 0 {
			return
		}
		msgs := splitMessages(t, buf)
		if dir == ">" {
			fx.sent = append(fx.sent, msgs...)
		} else {
			fx.recv = append(fx.recv, msgs...)
		}
		buf = nil
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "# command: "):
			fx.command = strings.TrimPrefix(line, "# command: ")
		case strings.HasPrefix(line, "#"), line == "":
		case line == ">" || line == "<":
			flush()
			dir = line
		default:
			b, err := hex.DecodeString(line)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			buf = append(buf, b...)
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return fx
}

func splitMessages(t testing.TB, b []byte) []netlink.Message {
	t.Helper()
	var msgs []netlink.Message
	for len(b) >= 16 {
		l := int(binary.NativeEndian.Uint32(b[0:4]))
		if l < 16 || l > len(b) {
			t.Fatalf("bad netlink length %d with %d bytes", l, len(b))
		}
		var m netlink.Message
		if err := m.UnmarshalBinary(b[:l]); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
		b = b[(l+3)&^3:]
	}
	return msgs
}

func sentOfType(fx fixture, typ netlink.HeaderType) []netlink.Message {
	var out []netlink.Message
	for _, m := range fx.sent {
		if m.Header.Type == typ {
			out = append(out, m)
		}
	}
	return out
}
