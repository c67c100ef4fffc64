package sriovnet

import (
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload"
)

func FuzzParseDPUConfigMAC(f *testing.F) {
	f.Add(dpuConfig)
	f.Add("MAC : zz")
	f.Add(":::\n\nMAC:")
	f.Fuzz(func(t *testing.T, s string) {
		mac, err := parseDPUConfigMAC(s)
		if err == nil && len(mac) == 0 {
			t.Fatalf("%q: no error and no MAC", s)
		}
	})
}

func FuzzPCIAncestor(f *testing.F) {
	f.Add("../../devices/pci0000:03/0000:03:00.0/mlx5_core.sf.4/net/enp3s0f0s88")
	f.Add("../../devices/virtual/net/lo")
	f.Add("0000:03:00.0")
	f.Add("/0000:03:00.0/x")
	f.Fuzz(func(t *testing.T, target string) {
		a, ok := pciAncestor(target)
		if !ok {
			return
		}
		if p, err := offload.ParsePCIAddress(a); err != nil || p.String() != a {
			t.Fatalf("%q: %q is not a canonical PCI address", target, a)
		}
		if !strings.Contains(target, a) {
			t.Fatalf("%q: %q is not in the path", target, a)
		}
	})
}

func TestPCIAncestor(t *testing.T) {
	t.Parallel()
	for target, want := range map[string]string{
		"../../devices/pci0000:03/0000:03:00.0/net/p0":                            "0000:03:00.0",
		"../../devices/pci0000:03/0000:03:00.0/mlx5_core.sf.4/net/enp3s0f0s88":    "0000:03:00.0",
		"../../../devices/pci0000:03/0000:03:00.0/mlx5_core.sf.4/mlx5_core.eth.4": "0000:03:00.0",
		"../../devices/pci10000:03/10000:03:00.0/net/p0":                          "10000:03:00.0",
		"../../devices/virtual/net/lo":                                            "",
		"0000:03:00.0":                                                            "", // the device itself is not its ancestor
	} {
		got, ok := pciAncestor(target)
		if got != want || ok != (want != "") {
			t.Errorf("pciAncestor(%q) = %q, %v; want %q", target, got, ok, want)
		}
	}
}
