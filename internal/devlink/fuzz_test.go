package devlink

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecodePort feeds arbitrary bytes to the port decoder (it must never
// panic) and checks the round trip decode(encode(decode(b))) ==
// decode(b) for what decodes.
func FuzzDecodePort(f *testing.F) {
	for _, p := range wantPorts() {
		b, _ := EncodePort(p)
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{4, 0, 3, 0})
	for _, r := range loadRecorded(f)["port-dump"] { // real kernel bytes
		f.Add(r.data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePort(b)
		if err != nil {
			return
		}
		b2, err := EncodePort(p)
		if err != nil {
			t.Fatalf("encode %+v: %v", p, err)
		}
		p2, err := DecodePort(b2)
		if err != nil {
			t.Fatalf("decode of encoded: %v", err)
		}
		// Fields the encoder writes only in context (splittable on
		// physical ports, external with a controller) may drop.
		p.Splittable, p2.Splittable = false, false
		p.External, p2.External = p.External && p.HasController, p2.External && p2.HasController
		if p.Function != nil && len(p.Function.HWAddr) == 0 {
			p.Function.HWAddr = nil
		}
		if p2.Function != nil && len(p2.Function.HWAddr) == 0 {
			p2.Function.HWAddr = nil
		}
		if d := cmp.Diff(p, p2); d != "" {
			t.Fatalf("round trip (-first +second):\n%s", d)
		}
	})
}

// FuzzDecodeParam checks the parameter decoder never panics and that a
// decoded parameter of a known type survives a round trip.
func FuzzDecodeParam(f *testing.F) {
	for _, p := range []Param{
		{Handle: pf0, Name: "flow_steering_mode", Type: ParamTypeString, Values: []ParamValue{{CMode: CModeRuntime, String: "smfs"}}},
		{Handle: pf0, Name: "max_macs", Generic: true, Type: ParamTypeU32, Values: []ParamValue{{CMode: CModeDriverInit, Uint: 128}}},
		{Handle: pf0, Name: "test1", Type: ParamTypeBool, Values: []ParamValue{{CMode: CModeDriverInit, Bool: true}, {CMode: CModeRuntime}}},
	} {
		b, _ := EncodeParam(p)
		f.Add(b)
	}
	for name, rs := range loadRecorded(f) {
		for _, r := range rs {
			if name == "param-get-max_macs" || name == "param-get-test1" {
				f.Add(r.data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeParam(b)
		if err != nil || p.Type < ParamTypeU8 || p.Type > ParamTypeBool {
			return
		}
		for i := range p.Values {
			// Integers are decoded whatever their width; the encoder
			// writes the declared one.
			switch p.Type {
			case ParamTypeU8:
				p.Values[i].Uint &= 0xff
			case ParamTypeU16:
				p.Values[i].Uint &= 0xffff
			case ParamTypeU32:
				p.Values[i].Uint &= 0xffffffff
			}
		}
		b2, err := EncodeParam(p)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		p2, err := DecodeParam(b2)
		if err != nil {
			t.Fatalf("decode of encoded: %v", err)
		}
		if d := cmp.Diff(p, p2); d != "" {
			t.Fatalf("round trip (-first +second):\n%s", d)
		}
	})
}

// FuzzDecodeRequests runs every request and reply decoder over the same
// input: none may panic.
func FuzzDecodeRequests(f *testing.F) {
	b, _ := encodeParamRequest(pf0, "flow_steering_mode", true, ParamTypeString, ParamValue{String: "smfs"})
	f.Add(b)
	b, _ = EncodeReloadReply(pf0, []ReloadAction{ReloadDriverReinit})
	f.Add(b)
	mode := ESwitchModeSwitchdev
	b, _ = encodeESwitchSet(pf0, ESwitchConfig{Mode: &mode})
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeParamRequest(b)
		_, _ = DecodeESwitchRequest(b)
		_, _ = DecodePortRequest(b)
		_, _ = DecodeReloadRequest(b)
		_, _ = DecodeReloadReply(b)
		_, _ = DecodeInstance(b)
		_, _, _ = DecodeHandle(b)
	})
}

// FuzzDecodeInfo checks the info decoder never panics and that what decodes
// survives a round trip.
func FuzzDecodeInfo(f *testing.F) {
	b, _ := EncodeInfo(Info{Handle: Handle{"pci", "0000:af:00.0"}, Driver: "nfp", Fixed: []InfoVersion{{"board.id", "AMDA2001-1003"}}})
	f.Add(b)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := DecodeInfo(b)
		if err != nil {
			return
		}
		b2, err := EncodeInfo(in)
		if err != nil {
			t.Fatalf("encode %+v: %v", in, err)
		}
		in2, err := DecodeInfo(b2)
		if err != nil {
			t.Fatalf("decode of encoded: %v", err)
		}
		// Empty driver and serial are not encoded; neither are they
		// distinguishable from absent after decoding.
		if d := cmp.Diff(in, in2); d != "" {
			t.Fatalf("round trip (-first +second):\n%s", d)
		}
	})
}
