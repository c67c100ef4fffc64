package corigine

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// vpdImage builds a VPD image: identifier string, read-only keywords (with
// the RV checksum keyword the spec requires), end tag, 0xff padding as the
// kernel returns it. The layout follows PCI Local Bus 3.0 appendix I; the
// values follow what the Agilio guide's `ethtool -w` dump shows (an SN line
// carrying the AMDA assembly).
func vpdImage(id string, kws ...[2]string) []byte {
	b := []byte{0x82, byte(len(id)), 0}
	b = append(b, id...)
	var ro []byte
	for _, kw := range kws {
		ro = append(ro, kw[0][0], kw[0][1], byte(len(kw[1])))
		ro = append(ro, kw[1]...)
	}
	ro = append(ro, 'R', 'V', 1, 0x5a)
	b = append(b, 0x90, byte(len(ro)), byte(len(ro)>>8))
	b = append(b, ro...)
	b = append(b, 0x78)
	for i := 0; i < 16; i++ {
		b = append(b, 0xff)
	}
	return b
}

func TestParseVPD(t *testing.T) {
	t.Parallel()
	img := vpdImage("Agilio CX 2x25GbE", [2]string{"PN", "AMDA0096-0001"}, [2]string{"SN", "19400079"}, [2]string{"V0", "fw flower"})
	v, err := ParseVPD(img)
	if err != nil {
		t.Fatal(err)
	}
	want := VPD{Identifier: "Agilio CX 2x25GbE", Fields: map[string]string{"PN": "AMDA0096-0001", "SN": "19400079", "V0": "fw flower"}}
	if d := cmp.Diff(want, v); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if a, ok := v.Assembly(); !ok || a != "AMDA0096" {
		t.Errorf("Assembly() = %q, %v", a, ok)
	}
	// The assembly in the serial number only, as in the guide's dump.
	v2, err := ParseVPD(vpdImage("Agilio CX", [2]string{"SN", "AMDA0097-0001:19400079"}))
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := v2.Assembly(); !ok || a != "AMDA0097" {
		t.Errorf("Assembly() from SN = %q, %v", a, ok)
	}
}

func TestParseVPDBad(t *testing.T) {
	t.Parallel()
	good := vpdImage("Agilio", [2]string{"PN", "AMDA0096-0001"})
	for n := 1; n < 24; n++ {
		// Every truncation inside the resources is an error, not a panic.
		if _, err := ParseVPD(good[:n]); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	if _, err := ParseVPD([]byte{0x90, 0x05, 0x00, 'P', 'N', 9, 'A'}); err == nil {
		t.Error("keyword longer than its resource: no error")
	}
	if v, err := ParseVPD(nil); err == nil || len(v.Fields) != 0 {
		t.Errorf("empty: %v %v", v, err)
	}
}

func TestAssemblyFromText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"AMDA2001-1003":               "AMDA2001",
		"SN: 12345:AMDA0081-0001 rev": "AMDA0081",
		"AMDA97":                      "",
		"amda0097":                    "",
	} {
		got, ok := AssemblyFromText(in)
		if got != want || ok != (want != "") {
			t.Errorf("AssemblyFromText(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func FuzzParseVPD(f *testing.F) {
	f.Add(vpdImage("Agilio CX 2x25GbE", [2]string{"PN", "AMDA0096-0001"}, [2]string{"SN", "19400079"}))
	f.Add([]byte{0x78})
	f.Add([]byte{0x82, 0xff, 0xff})
	f.Add([]byte{0x90, 0x03, 0x00, 'P', 'N', 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseVPD(b)
		if err != nil {
			return
		}
		for k := range v.Fields {
			if len(k) != 2 || k == "RV" {
				t.Fatalf("odd keyword %q", k)
			}
		}
		if a, ok := v.Assembly(); ok && len(a) != 8 {
			t.Fatalf("odd assembly %q", a)
		}
	})
}
