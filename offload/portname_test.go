package offload

import "testing"

func TestParsePhysPortName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                                  string
		flavour                             PortFlavour
		controller, pf, vf, sf, port, split int
	}{
		{"p0", PortFlavourPhysical, -1, -1, -1, -1, 0, -1},
		{"p1", PortFlavourPhysical, -1, -1, -1, -1, 1, -1},
		{"p1s2", PortFlavourPhysical, -1, -1, -1, -1, 1, 2},
		{"pf0", PortFlavourPCIPF, -1, 0, -1, -1, -1, -1},
		{"pf1", PortFlavourPCIPF, -1, 1, -1, -1, -1, -1},
		{"c1pf0", PortFlavourPCIPF, 1, 0, -1, -1, -1, -1},
		{"pf0vf3", PortFlavourPCIVF, -1, 0, 3, -1, -1, -1},
		{"pf1vf127", PortFlavourPCIVF, -1, 1, 127, -1, -1, -1},
		{"c1pf0vf3", PortFlavourPCIVF, 1, 0, 3, -1, -1, -1},
		{"c12pf3vf255", PortFlavourPCIVF, 12, 3, 255, -1, -1, -1},
		{"pf0sf88", PortFlavourPCISF, -1, 0, -1, 88, -1, -1},
		{"c1pf0sf88", PortFlavourPCISF, 1, 0, -1, 88, -1, -1},
		{"pf0s1", PortFlavourPCIPF, -1, 0, -1, -1, -1, 1}, // nfp PF vNIC split
	}
	for _, tt := range tests {
		got := ParsePhysPortName(tt.in)
		want := PhysPortName{Raw: tt.in, Flavour: tt.flavour, Controller: tt.controller, PF: tt.pf, VF: tt.vf, SF: tt.sf, Port: tt.port, Split: tt.split}
		if got != want {
			t.Errorf("ParsePhysPortName(%q) =\n %+v, want\n %+v", tt.in, got, want)
		}
	}
}

func TestParsePhysPortNameUnknown(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "0", "1", "eth0", "p", "pf", "pfvf1", "pf0vf", "pf0vf3x", "c1", "c1p0",
		"p0s", "p01", "pf00vf1", "pf0vf-1", "c1pf0s1", "P0", "pf0vf3\n", "p0 ", "pf0sf", "vf3", "pf9999999999vf1"} {
		got := ParsePhysPortName(in)
		if got.Flavour != PortFlavourUnknown || got.Raw != in || got.VF != -1 || got.PF != -1 || got.Port != -1 {
			t.Errorf("ParsePhysPortName(%q) = %+v, want unknown", in, got)
		}
	}
}

func FuzzParsePhysPortName(f *testing.F) {
	for _, s := range []string{"p0", "p1s2", "pf0", "c1pf0", "pf0vf3", "c1pf0vf3", "pf0sf88", "c1pf0sf88", "pf0s1", "0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := ParsePhysPortName(s)
		if p.Raw != s {
			t.Fatalf("Raw = %q, want %q", p.Raw, s)
		}
		switch p.Flavour {
		case PortFlavourUnknown:
		case PortFlavourPhysical:
			if p.Port < 0 {
				t.Fatalf("physical without port: %+v", p)
			}
		case PortFlavourPCIPF, PortFlavourPCIVF, PortFlavourPCISF:
			if p.PF < 0 {
				t.Fatalf("pci port without pf: %+v", p)
			}
		default:
			t.Fatalf("unexpected flavour %v", p.Flavour)
		}
	})
}

// TestFormatIsParseInverse: the name a devlink port's attributes give
// (the kernel's __devlink_port_phys_port_name_get) parses back to the same
// numbers, for every format the kernel derives from attributes. Names the
// kernel does not derive (nfp's "pf0s1") are left out.
func TestFormatIsParseInverse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		external bool
	}{
		{"p0", false}, {"p1s2", false}, {"pf0", false}, {"c1pf0", true}, {"pf0vf3", false},
		{"c1pf0vf3", true}, {"pf0sf88", false}, {"c2pf1sf7", true},
	} {
		p := ParsePhysPortName(tc.name)
		p.Raw = ""
		if got := p.format(tc.external); got != tc.name {
			t.Errorf("format(%+v, external=%v) = %q, want %q", p, tc.external, got, tc.name)
		}
	}
	// A local port whose controller devlink reports as 0 has no "c0"
	// prefix; a flavour without a derived name has none.
	if got := (PhysPortName{Flavour: PortFlavourPCIVF, Controller: 0, PF: 0, VF: 1}).format(false); got != "pf0vf1" {
		t.Errorf("local VF = %q", got)
	}
	if got := (PhysPortName{Flavour: PortFlavourVirtual, PF: 0, VF: -1}).format(false); got != "" {
		t.Errorf("virtual = %q", got)
	}
}
