package ethtool

import (
	"bufio"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type recorded struct {
	cmd  uint8
	data []byte
}

// loadRecorded reads the replies recorded from a real kernel (see the
// file's header for how they were captured).
func loadRecorded(t testing.TB) map[string][]recorded {
	t.Helper()
	f, err := os.Open("testdata/linux-6.1-netdevsim.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]recorded{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 {
			t.Fatalf("bad fixture line %.60q", line)
		}
		cmd, err := strconv.Atoi(strings.TrimPrefix(fs[1], "cmd="))
		if err != nil {
			t.Fatal(err)
		}
		data, err := hex.DecodeString(fs[2])
		if err != nil {
			t.Fatal(err)
		}
		out[fs[0]] = append(out[fs[0]], recorded{cmd: uint8(cmd), data: data})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDecodeRecordedReplies decodes what Linux 6.1 sent: the feature lists
// of a netdevsim port and a veth, and the FEATURES_SET replies: on
// netdevsim hw-tc-offload turned on; on veth it was not applied (the
// not-applied report this package turns into ErrNotApplied) while
// tx-checksum-ip-generic went off, taking TSO with it.
func TestDecodeRecordedReplies(t *testing.T) {
	t.Parallel()
	rs := loadRecorded(t)
	one := func(name string) recorded {
		t.Helper()
		if len(rs[name]) != 1 {
			t.Fatalf("%s: %d replies, want 1", name, len(rs[name]))
		}
		return rs[name][0]
	}
	for _, c := range []struct {
		name      string
		tcChange  bool
		tcActive  bool
		minCount  int
		ifaceName string
	}{
		{"features-get-netdevsim", true, false, 60, ""},
		{"features-get-veth", false, false, 60, "oktrec0"},
	} {
		r := one(c.name)
		if r.cmd != MsgFeaturesGetReply {
			t.Errorf("%s: reply command %d", c.name, r.cmd)
		}
		ifc, fs, err := DecodeFeatures(r.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(fs) < c.minCount || ifc.Index == 0 || (c.ifaceName != "" && ifc.Name != c.ifaceName) {
			t.Errorf("%s: %d features, interface %+v", c.name, len(fs), ifc)
		}
		tc, ok := fs.Get("hw-tc-offload")
		if !ok || tc.Changeable != c.tcChange || tc.Active != c.tcActive {
			t.Errorf("%s: hw-tc-offload = %+v (found %v)", c.name, tc, ok)
		}
		// Bits the kernel leaves unnamed (2 and 32 in 6.1) are named
		// "bit<N>"; every other bit has the kernel's name.
		unnamed := 0
		for i := 1; i < len(fs); i++ {
			if fs[i].Index <= fs[i-1].Index {
				t.Errorf("%s: feature %d = %+v after %+v", c.name, i, fs[i], fs[i-1])
			}
			if strings.HasPrefix(fs[i].Name, "bit") {
				unnamed++
			}
		}
		if unnamed != 2 {
			t.Errorf("%s: %d unnamed bits, want 2", c.name, unnamed)
		}
		// veth's tx-checksum-ip-generic is changeable and on by default.
		if g, ok := fs.Get("tx-checksum-ip-generic"); c.name == "features-get-veth" && (!ok || !g.Changeable || !g.Active) {
			t.Errorf("veth tx-checksum-ip-generic = %+v", g)
		}
	}

	res, err := DecodeFeaturesSetReply(one("features-set-netdevsim-hw-tc-on").data)
	want := SetResult{Changed: []FeatureChange{{"hw-tc-offload", true}}}
	if err != nil || !cmp.Equal(want, res) {
		t.Errorf("netdevsim set: %v\n%s", err, cmp.Diff(want, res))
	}
	res, err = DecodeFeaturesSetReply(one("features-set-veth-hw-tc-on").data)
	// Turning the checksum off also turned off the TCP segmentation
	// features that depend on it: the kernel's ACTIVE diff says so.
	want = SetResult{NotApplied: []FeatureChange{{"hw-tc-offload", true}}, Changed: []FeatureChange{
		{"tx-checksum-ip-generic", false}, {"tx-tcp-segmentation", false}, {"tx-tcp-ecn-segmentation", false},
		{"tx-tcp-mangleid-segmentation", false}, {"tx-tcp6-segmentation", false}}}
	if err != nil || !cmp.Equal(want, res) {
		t.Errorf("veth set: %v\n%s", err, cmp.Diff(want, res))
	}
}
