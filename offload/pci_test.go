package offload

import (
	"errors"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func TestParsePCIAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want PCIAddress
		str  string
	}{
		{"0000:84:00.0", PCIAddress{0, 0x84, 0, 0}, "0000:84:00.0"},
		{"0000:84:01.1", PCIAddress{0, 0x84, 1, 1}, "0000:84:01.1"},
		{"0000:AF:1f.7", PCIAddress{0, 0xaf, 0x1f, 7}, "0000:af:1f.7"},
		{"10000:00:02.0", PCIAddress{0x10000, 0, 2, 0}, "10000:00:02.0"},
		{"fffff:ff:1f.7", PCIAddress{0xfffff, 0xff, 0x1f, 7}, "fffff:ff:1f.7"},
		{"0001:03:00.2", PCIAddress{1, 3, 0, 2}, "0001:03:00.2"},
		{"84:00.0", PCIAddress{0, 0x84, 0, 0}, "0000:84:00.0"},
	}
	for _, tt := range tests {
		got, err := ParsePCIAddress(tt.in)
		if err != nil {
			t.Errorf("ParsePCIAddress(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParsePCIAddress(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("String() = %q, want %q", s, tt.str)
		}
	}
}

// hostilePCI are addresses that must be refused before any path is built.
var hostilePCI = []string{
	"", "0", "0000:84:00", "0000:84:00.8", "0000:84:20.0", "0000:84:00.0/../../etc",
	"../../etc/passwd", "0000:84:00.0 ", " 0000:84:00.0", "0000:84:00.0\n", "0000:84:0g.0",
	"0000-84-00.0", "000:84:00.0", "100000:84:00.0", "0000:84:00.0\x00", "0000:84:00:0",
	"0000/84:00.0", "+000:84:00.0", "0x00:84:00.0", "0000:-4:00.0",
}

func TestParsePCIAddressRejects(t *testing.T) {
	t.Parallel()
	for _, in := range hostilePCI {
		if a, err := ParsePCIAddress(in); err == nil {
			t.Errorf("ParsePCIAddress(%q) = %v, want error", in, a)
		} else if !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("ParsePCIAddress(%q) error %v does not match errs.ErrInvalidArgument", in, err)
		}
	}
}

func TestRoutingID(t *testing.T) {
	t.Parallel()
	a := MustParsePCIAddress("0000:84:00.1")
	if got := a.RoutingID(); got != 0x8401 {
		t.Fatalf("RoutingID = %#x, want 0x8401", got)
	}
	b := a.withRoutingID(a.RoutingID() + 5)
	if b.String() != "0000:84:00.6" {
		t.Fatalf("withRoutingID = %s, want 0000:84:00.6", b)
	}
	c := a.withRoutingID(0x85ff)
	if c.String() != "0000:85:1f.7" {
		t.Fatalf("withRoutingID = %s", c)
	}
}

func FuzzParsePCIAddress(f *testing.F) {
	for _, s := range append(hostilePCI, "0000:84:00.0", "10000:00:02.0", "84:00.0", "0000:af:1f.7") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParsePCIAddress(s)
		if err != nil {
			return
		}
		// Round trip: the canonical form parses to the same address.
		b, err := ParsePCIAddress(a.String())
		if err != nil || a != b {
			t.Fatalf("round trip %q -> %s -> %v, %v", s, a, b, err)
		}
		if a.Device > 0x1f || a.Function > 7 || a.Domain > 0xfffff {
			t.Fatalf("out of range: %+v", a)
		}
	})
}
