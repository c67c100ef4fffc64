package datapath_test

import (
	"testing"

	"github.com/offloadkit/offloadkit/ovs/datapath"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// FuzzDecodeFlow feeds arbitrary ovs_flow payloads to the decoder: it must
// never panic, and whatever it renders must parse back with dpflow into the
// same match attributes (the rendering is dump-flows text).
func FuzzDecodeFlow(f *testing.F) {
	f.Add(icmpFlow(1, ufid1, a(1, u32(3))))
	for _, p := range fixturePayloads(f, "flow") {
		f.Add(p)
	}
	f.Add(msg(1, nest(1, a(1, []byte{4, 0, 1})), nest(2, a(3, []byte{5, 0, 7, 0, 1}))))
	prior := fixturePayloads(f, "flow")
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, opts := range []datapath.FlowOptions{{}, {Terse: true}} {
			var fl datapath.Flow
			if err := datapath.NewDecoder(opts, nil).Decode(b, &fl); err != nil {
				return
			}
			// A Decoder reuses what it rendered for the flow before (see
			// TestDecoderReuseMatchesFresh): after a recorded flow, and
			// after the same input once more, the input must render as
			// a fresh Decoder renders it.
			want := fl.Flow.String()
			d := datapath.NewDecoder(opts, nil)
			var prev datapath.Flow
			for _, p := range [][]byte{prior[len(b)%len(prior)], b} {
				if err := d.Decode(p, &prev); err != nil {
					t.Fatalf("decode after a recorded flow: %v", err)
				}
			}
			for range 2 {
				var again datapath.Flow
				if err := d.Decode(b, &again); err != nil {
					t.Fatalf("second decode of the same input: %v", err)
				}
				if got := again.Flow.String(); got != want {
					t.Fatalf("decoded after other flows:\n%s\nfresh:\n%s", got, want)
				}
			}
			line := fl.Flow.String()
			got, err := dpflow.Parse(line)
			if err != nil {
				// Unknown attributes render as hex, which always parses;
				// a rendering the text parser refuses is a bug here.
				t.Fatalf("rendered %q does not parse: %v", line, err)
			}
			if len(got.Match) != len(fl.Flow.Match) {
				t.Fatalf("rendered %q: %d match attributes decoded, %d parsed", line, len(fl.Flow.Match), len(got.Match))
			}
		}
	})
}

// FuzzDecodeVport: the vport and datapath decoders never panic.
func FuzzDecodeVport(f *testing.F) {
	for _, p := range fixturePayloads(f, "vport") {
		f.Add(p)
	}
	for _, p := range fixturePayloads(f, "dp") {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = datapath.DecodeVport(b)
		_, _ = datapath.DecodeDatapath(b)
	})
}
