package ethtool

import "testing"

// FuzzDecode runs the bitset, features and request decoders over arbitrary
// bytes: none may panic, and a decoded feature list must survive
// encode/decode unchanged.
func FuzzDecode(f *testing.F) {
	f.Add(getReply().Data)
	b, _ := EncodeFeaturesSet(Interface{Name: "veth0"}, map[string]bool{"hw-tc-offload": true})
	f.Add(b)
	b, _ = EncodeFeaturesSetReply(Interface{Name: "veth0"}, 62, []Bit{{Index: 55, Name: "hw-tc-offload", Value: true}}, nil)
	f.Add(b)
	for _, rs := range loadRecorded(f) { // real kernel bytes
		for _, r := range rs {
			f.Add(r.data)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeBitset(b)
		_, _ = DecodeFeaturesRequest(b)
		_, _ = DecodeFeaturesSetReply(b)
		ifc, fs, err := DecodeFeatures(b)
		if err != nil {
			return
		}
		// Duplicate indices collapse in a round trip; keep the test to
		// lists the kernel could send.
		seen := map[int]bool{}
		for _, x := range fs {
			if seen[x.Index] {
				return
			}
			seen[x.Index] = true
		}
		b2, err := EncodeFeatures(ifc, fs)
		if err != nil {
			t.Fatal(err)
		}
		_, fs2, err := DecodeFeatures(b2)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != len(fs2) {
			t.Fatalf("round trip: %d features, then %d", len(fs), len(fs2))
		}
		for i := range fs {
			if fs[i] != fs2[i] {
				t.Fatalf("round trip: %+v became %+v", fs[i], fs2[i])
			}
		}
	})
}
