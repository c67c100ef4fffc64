package tc

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// addFixtures lists the recorded `tc filter add ... flower` requests.
func addFixtures(t *testing.T) []string {
	files, err := filepath.Glob("../testdata/tc/*add-*.nl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no add fixtures: %v", err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".nl"))
	}
	return names
}

// canonical splits a tc message body into the tcmsg, the top-level
// attributes except TCA_OPTIONS, and the TCA_OPTIONS attributes sorted by
// type, each as hex. iproute2 emits flower keys in command-line order; the
// kernel does not care about order, so tests compare the sorted lists, but
// every attribute (nested ones included) byte for byte.
func canonical(t *testing.T, body []byte) []string {
	t.Helper()
	out := []string{"tcmsg " + hex.EncodeToString(body[:tcmsgLen])}
	a := newAttrs(body[tcmsgLen:])
	for a.next() {
		if a.t() != tcaOptions {
			out = append(out, fmt.Sprintf("top %d %x", a.typ, a.data))
			continue
		}
		var opts []string
		in := newAttrs(a.data)
		for in.next() {
			opts = append(opts, fmt.Sprintf("opt %3d/%#04x %x", in.t(), in.typ, in.data))
		}
		if in.err != nil {
			t.Fatal(in.err)
		}
		sort.Strings(opts)
		out = append(out, opts...)
	}
	if a.err != nil {
		t.Fatal(a.err)
	}
	return out
}

func TestEncodeMatchesIproute2(t *testing.T) {
	t.Parallel()
	for _, name := range addFixtures(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fx := loadFixture(t, name)
			reqs := sentOfType(fx, rtmNewTFilter)
			if len(reqs) != 1 {
				t.Fatalf("%d RTM_NEWTFILTER requests in fixture, want 1", len(reqs))
			}
			req := reqs[0]
			if want := uint16(0x605); uint16(req.Header.Flags) != want {
				t.Errorf("iproute2 flags %#x, want %#x", req.Header.Flags, want)
			}
			f, err := DecodeFilter(req.Data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			got, err := EncodeFilter(f.Ifindex, f)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			g, w := canonical(t, got), canonical(t, req.Data)
			if !slices.Equal(g, w) {
				t.Errorf("encoding differs from iproute2 (%s)\n-want +got:\n%s", fx.command, lineDiff(w, g))
			}
			if bytes.Equal(got, req.Data) {
				t.Logf("byte-identical to iproute2")
			}
		})
	}
}

func lineDiff(want, got []string) string {
	var b strings.Builder
	for _, l := range want {
		if !slices.Contains(got, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

// TestByteOrderTraps pins the attributes other Go libraries get wrong:
// VLAN ids and the classifier flags are host order, ports and EtherTypes
// big-endian.
func TestByteOrderTraps(t *testing.T) {
	t.Parallel()
	id := uint16(100)
	f := Filter{Kind: "flower", Parent: ParentIngress, Priority: 1, Protocol: EthP8021Q, Flags: FlagSkipSW,
		Flower: &Flower{Key: FlowerKey{
			VLAN:    &VLANKey{ID: &id, EthType: EthPIPv4},
			IPProto: p[uint8](6),
			DstPort: &Masked[uint16]{Value: 80, Mask: 0xffff},
		}}}
	b, err := EncodeFilter(1, f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint16][]byte{
		flVLANID:      binary.NativeEndian.AppendUint16(nil, 100),
		flFlags:       binary.NativeEndian.AppendUint32(nil, 2),
		flTCPDst:      {0x00, 0x50},
		flVLANEthType: {0x08, 0x00},
		flEthType:     {0x81, 0x00},
	}
	a := newAttrs(b[tcmsgLen:])
	for a.next() {
		if a.t() != tcaOptions {
			continue
		}
		in := newAttrs(a.data)
		for in.next() {
			if w, ok := want[in.t()]; ok {
				if !bytes.Equal(in.data, w) {
					t.Errorf("attribute %d: % x, want % x", in.t(), in.data, w)
				}
				delete(want, in.t())
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("attributes not sent: %v", want)
	}
	// tcm_info: priority 1, protocol 0x8100 big-endian in the low half.
	if info := binary.NativeEndian.Uint32(b[16:20]); info != 1<<16|uint32(binary.NativeEndian.Uint16([]byte{0x81, 0x00})) {
		t.Errorf("tcm_info %#x", info)
	}
}
