package ethtool

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/genetlink/genltest"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nlenc"
	"github.com/mdlayher/netlink/nltest"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// The replies below are hand-built from include/uapi/linux/ethtool_netlink.h
// and the bitset format of Documentation/networking/ethtool-netlink.rst
// (ETHTOOL_A_BITSET_*), attribute by attribute, in the shape
// net/ethtool/features.c sends: HW with a mask (every feature listed, the
// value flag on changeable ones), WANTED/ACTIVE/NOCHANGE as lists
// (NOMASK, only set bits), and the SET reply as two masked diffs. The
// feature indices are the kernel's for these names in 6.x. The live test
// (TestLiveVethFeatures) runs the client against this machine's kernel.

const familyID = 0x15

var family = genetlink.Family{ID: familyID, Name: "ethtool", Version: 1}

func str(t uint16, s string) netlink.Attribute {
	return netlink.Attribute{Type: t, Data: nlenc.Bytes(s)}
}
func u32(t uint16, v uint32) netlink.Attribute {
	return netlink.Attribute{Type: t, Data: nlenc.Uint32Bytes(v)}
}
func flag(t uint16) netlink.Attribute { return netlink.Attribute{Type: t, Data: []byte{}} }
func nest(t uint16, as ...netlink.Attribute) netlink.Attribute {
	return netlink.Attribute{Type: t | netlink.Nested, Data: nltest.MustMarshalAttributes(as)}
}

// bit is an ETHTOOL_A_BITSET_BITS_BIT: INDEX (1), NAME (2), VALUE (3).
func bit(idx uint32, name string, value bool) netlink.Attribute {
	as := []netlink.Attribute{}
	if idx != ^uint32(0) {
		as = append(as, u32(1, idx))
	}
	as = append(as, str(2, name))
	if value {
		as = append(as, flag(3))
	}
	return nest(1, as...)
}

// header is ETHTOOL_A_FEATURES_HEADER (1) with DEV_INDEX (1), DEV_NAME (2).
func header(idx uint32, name string) netlink.Attribute {
	if idx == 0 {
		return nest(1, str(2, name))
	}
	return nest(1, u32(1, idx), str(2, name))
}

func dial(t *testing.T, wantCmd uint8, wantAttrs []netlink.Attribute, reply []genetlink.Message, errno int) *Client {
	t.Helper()
	calls := 0
	fn := func(greq genetlink.Message, nreq netlink.Message) ([]genetlink.Message, error) {
		calls++
		if greq.Header.Command != wantCmd || nreq.Header.Flags != netlink.Request || nreq.Header.Type != familyID {
			t.Errorf("request: cmd %d flags %v type %d; want cmd %d, flags request only", greq.Header.Command, nreq.Header.Flags, nreq.Header.Type, wantCmd)
		}
		got, err := netlink.UnmarshalAttributes(greq.Data)
		if err != nil {
			t.Fatal(err)
		}
		zeroLengths(got)
		if d := cmp.Diff(wantAttrs, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("attributes (-want +got):\n%s", d)
		}
		if errno != 0 {
			return nil, genltest.Error(errno)
		}
		return reply, nil
	}
	c, err := New(genltest.Dial(genltest.ServeFamily(family, fn)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		if calls != 1 {
			t.Errorf("%d requests, want 1", calls)
		}
	})
	return c
}

// zeroLengths clears Length, recursively for nested attributes, so the
// comparison is with hand-built attributes that leave lengths to the
// marshaller.
func zeroLengths(as []netlink.Attribute) {
	for i := range as {
		as[i].Length = 0
		if as[i].Type&netlink.Nested != 0 {
			inner, err := netlink.UnmarshalAttributes(as[i].Data)
			if err == nil {
				zeroLengths(inner)
				as[i].Data = nltest.MustMarshalAttributes(inner)
			}
		}
	}
}

func msg(cmd uint8, as ...netlink.Attribute) genetlink.Message {
	return genetlink.Message{Header: genetlink.Header{Command: cmd, Version: 1}, Data: nltest.MustMarshalAttributes(as)}
}

// getReply is a FEATURES_GET_REPLY for a veth-like device: four features;
// tx-checksum-ip-generic (3) and rx-checksum (29) changeable and on,
// hw-tc-offload (55) fixed off, loopback (61) changeable and off; NOCHANGE
// lists netns-local (17), which also appears in HW as not changeable.
func getReply() genetlink.Message {
	return msg(11,
		header(5, "veth0"),
		nest(2, u32(2, 62), nest(3, bit(3, "tx-checksum-ip-generic", true), bit(17, "netns-local", false), bit(29, "rx-checksum", true), bit(55, "hw-tc-offload", false), bit(61, "loopback", true))),
		nest(3, flag(1), u32(2, 62), nest(3, bit(3, "tx-checksum-ip-generic", false), bit(29, "rx-checksum", false))),
		nest(4, flag(1), u32(2, 62), nest(3, bit(3, "tx-checksum-ip-generic", false), bit(29, "rx-checksum", false), bit(17, "netns-local", false))),
		nest(5, flag(1), u32(2, 62), nest(3, bit(17, "netns-local", false))),
		u32(99, 1), // an attribute this client does not know
	)
}

func wantFeatures() Features {
	return Features{
		{Name: "tx-checksum-ip-generic", Index: 3, Changeable: true, Requested: true, Active: true},
		{Name: "netns-local", Index: 17, Changeable: false, Active: true},
		{Name: "rx-checksum", Index: 29, Changeable: true, Requested: true, Active: true},
		{Name: "hw-tc-offload", Index: 55},
		{Name: "loopback", Index: 61, Changeable: true},
	}
}

func TestFeaturesGet(t *testing.T) {
	t.Parallel()
	c := dial(t, 11, []netlink.Attribute{header(0, "veth0")}, []genetlink.Message{getReply()}, 0)
	got, err := c.Features(context.Background(), Interface{Name: "veth0"})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantFeatures(), got); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	if f, ok := got.Get("hw-tc-offload"); !ok || f.Active || f.Changeable {
		t.Fatalf("Get(hw-tc-offload) = %+v, %v", f, ok)
	}
}

func TestFeaturesGetByIndex(t *testing.T) {
	t.Parallel()
	c := dial(t, 11, []netlink.Attribute{nest(1, u32(1, 5))}, nil, 19)
	_, err := c.Features(context.Background(), Interface{Index: 5})
	var e *errs.Error
	if !errors.Is(err, errs.ErrNotFound) || !errors.As(err, &e) || e.Device != "ifindex 5" {
		t.Fatalf("ENODEV: %v", err)
	}
}

func TestFeaturesGetCompact(t *testing.T) {
	t.Parallel()
	// A compact reply (ETHTOOL_FLAG_COMPACT_BITSETS): HW carries names via
	// the verbose form here, the others are VALUE words only.
	words := func(bits ...int) []byte {
		b := make([]byte, 8)
		for _, i := range bits {
			w := binary.NativeEndian.Uint32(b[i/32*4 : i/32*4+4])
			copy(b[i/32*4:], nlenc.Uint32Bytes(w|1<<(i%32)))
		}
		return b
	}
	reply := msg(11, header(5, "veth0"),
		nest(2, u32(2, 62), nest(3, bit(3, "tx-checksum-ip-generic", true), bit(55, "hw-tc-offload", false))),
		nest(3, flag(1), u32(2, 62), netlink.Attribute{Type: 4, Data: words(3)}),
		nest(4, flag(1), u32(2, 62), netlink.Attribute{Type: 4, Data: words(3, 55)}),
	)
	c := dial(t, 11, []netlink.Attribute{header(0, "veth0")}, []genetlink.Message{reply}, 0)
	got, err := c.Features(context.Background(), Interface{Name: "veth0"})
	if err != nil {
		t.Fatal(err)
	}
	want := Features{{Name: "tx-checksum-ip-generic", Index: 3, Changeable: true, Requested: true, Active: true}, {Name: "hw-tc-offload", Index: 55, Active: true}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
}

func TestFeaturesSetNotApplied(t *testing.T) {
	t.Parallel()
	// Requested: hw-tc-offload on, rx-checksum off (sorted by name, no
	// index, no NOMASK: a value/mask change). The kernel turned
	// rx-checksum off and left hw-tc-offload: WANTED lists hw-tc-offload
	// with the requested value, ACTIVE lists rx-checksum with its new one.
	wantReq := []netlink.Attribute{header(0, "veth0"),
		nest(3, nest(3, bit(^uint32(0), "hw-tc-offload", true), bit(^uint32(0), "rx-checksum", false)))}
	reply := msg(12, header(5, "veth0"),
		nest(3, u32(2, 62), nest(3, bit(55, "hw-tc-offload", true))),
		nest(4, u32(2, 62), nest(3, bit(29, "rx-checksum", false))),
	)
	c := dial(t, 12, wantReq, []genetlink.Message{reply}, 0)
	res, err := c.SetFeatures(context.Background(), Interface{Name: "veth0"}, map[string]bool{"hw-tc-offload": true, "rx-checksum": false})
	if !errors.Is(err, errs.ErrNotApplied) {
		t.Fatalf("err = %v, want ErrNotApplied", err)
	}
	var na *NotAppliedError
	if !errors.As(err, &na) || len(na.Features) != 1 || na.Features[0] != (FeatureChange{"hw-tc-offload", true}) {
		t.Fatalf("NotAppliedError = %+v", na)
	}
	want := SetResult{NotApplied: []FeatureChange{{"hw-tc-offload", true}}, Changed: []FeatureChange{{"rx-checksum", false}}}
	if d := cmp.Diff(want, res); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	t.Log(err)
}

func TestFeaturesSetApplied(t *testing.T) {
	t.Parallel()
	wantReq := []netlink.Attribute{header(0, "enp132s0f0np0"), nest(3, nest(3, bit(^uint32(0), "hw-tc-offload", true)))}
	reply := msg(12, header(7, "enp132s0f0np0"),
		nest(3, u32(2, 62), nest(3)),
		nest(4, u32(2, 62), nest(3, bit(55, "hw-tc-offload", true))),
	)
	c := dial(t, 12, wantReq, []genetlink.Message{reply}, 0)
	res, err := c.SetFeatures(context.Background(), Interface{Name: "enp132s0f0np0"}, map[string]bool{"hw-tc-offload": true})
	if err != nil || len(res.NotApplied) != 0 || len(res.Changed) != 1 {
		t.Fatalf("SetFeatures = %+v, %v", res, err)
	}
}

func TestFeaturesSetErrors(t *testing.T) {
	t.Parallel()
	wantReq := []netlink.Attribute{header(0, "veth0"), nest(3, nest(3, bit(^uint32(0), "no-such-feature", true)))}
	c := dial(t, 12, wantReq, nil, 22)
	if _, err := c.SetFeatures(context.Background(), Interface{Name: "veth0"}, map[string]bool{"no-such-feature": true}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("EINVAL: %v", err)
	}
	for _, bad := range []struct {
		ifc  Interface
		want map[string]bool
	}{
		{Interface{}, map[string]bool{"x": true}},
		{Interface{Name: "../../etc"}, map[string]bool{"x": true}},
		{Interface{Name: ".."}, map[string]bool{"x": true}},
		{Interface{Name: "veth\v0"}, map[string]bool{"x": true}},
		{Interface{Name: "veth0"}, nil},
		{Interface{Name: "veth0"}, map[string]bool{"": true}},
		{Interface{Name: "veth0", Index: -1}, map[string]bool{"x": true}},
	} {
		if _, err := c.SetFeatures(context.Background(), bad.ifc, bad.want); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("SetFeatures(%+v, %v) = %v, want ErrInvalidArgument", bad.ifc, bad.want, err)
		}
	}
}

func TestMissingFamily(t *testing.T) {
	t.Parallel()
	_, err := New(genltest.Dial(func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		return nil, genltest.Error(2)
	}))
	if !errors.Is(err, errs.ErrNotSupported) || errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("got %v", err)
	}
}

func TestFeaturesRoundTrip(t *testing.T) {
	t.Parallel()
	b, err := EncodeFeatures(Interface{Index: 5, Name: "veth0"}, wantFeatures())
	if err != nil {
		t.Fatal(err)
	}
	ifc, got, err := DecodeFeatures(b)
	if err != nil || ifc != (Interface{Index: 5, Name: "veth0"}) {
		t.Fatalf("%v %v", ifc, err)
	}
	if d := cmp.Diff(wantFeatures(), got); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	b, _ = EncodeFeaturesSet(Interface{Name: "veth0"}, map[string]bool{"b": true, "a": false})
	r, err := DecodeFeaturesRequest(b)
	if err != nil || r.Wanted == nil || len(r.Wanted.Bits) != 2 || r.Wanted.Bits[0] != (Bit{Index: -1, Name: "a"}) || r.Wanted.Bits[1] != (Bit{Index: -1, Name: "b", Value: true}) {
		t.Fatalf("set request: %+v %v", r, err)
	}
}
