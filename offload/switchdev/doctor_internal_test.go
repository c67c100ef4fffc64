package switchdev

import "testing"

func TestParseKernelRelease(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][3]int{
		"5.7.0":             {5, 7, 1},
		"5.15.0-91-generic": {5, 15, 1},
		"6.1.0-13-amd64\n":  {6, 1, 1},
		"4.18.0-348.el8":    {4, 18, 1},
		"6.8rc1":            {6, 8, 1},
		"6":                 {0, 0, 0},
		"x.y":               {0, 0, 0},
		"":                  {0, 0, 0},
	} {
		ma, mi, ok := parseKernelRelease(in)
		if got := [3]int{ma, mi, map[bool]int{true: 1}[ok]}; got != want {
			t.Errorf("parseKernelRelease(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzParseKernelRelease(f *testing.F) {
	for _, s := range []string{"5.7.0", "5.15.0-91-generic", "6.1.0-13-amd64", "4.18.0-348.el8.x86_64", "", "6", "..", "-1.2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ma, mi, ok := parseKernelRelease(s)
		if ok && (ma < 0 || mi < 0) {
			t.Fatalf("%q: negative %d.%d", s, ma, mi)
		}
	})
}
