package rtnl

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func ptr[T any](v T) *T { return &v }

func sampleLink() Link {
	return Link{Index: 7, Name: "enp132s0f0np0", Flags: 0x1003, NumVF: 2, VFs: []VFInfo{
		{VF: 0, MAC: net.HardwareAddr{0, 0, 0, 0, 0, 0}, SpoofChk: ptr(true), Trust: ptr(false), LinkState: LinkStateAuto},
		{VF: 1, MAC: net.HardwareAddr{0x0a, 0xc9, 0x1c, 0x70, 0x01, 0x09}, VLAN: 100, QoS: 3, SpoofChk: nil, Trust: ptr(true), LinkState: LinkStateDisable},
	}}
}

// TestLinkRoundTrip: EncodeLink/DecodeLink keep every field, including a
// bond's kind and a slave's master.
func TestLinkRoundTrip(t *testing.T) {
	t.Parallel()
	for _, want := range []Link{sampleLink(), {Index: 9, Name: "bond1", Flags: 0x1002, Kind: "bond"}, {Index: 3, Name: "eth0", Master: 9}} {
		b, err := EncodeLink(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeLink(b)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("round trip (-want +got):\n%s", d)
		}
	}
}

func TestClientAgainstFake(t *testing.T) {
	t.Parallel()
	var sent []netlink.Message
	c := New(nltest.Dial(func(reqs []netlink.Message) ([]netlink.Message, error) {
		sent = append(sent, reqs...)
		m := reqs[0]
		switch m.Header.Type {
		case rtmGetLink:
			ad, _ := netlink.NewAttributeDecoder(m.Data[ifinfomsgLen:])
			var name string
			var mask uint32
			for ad.Next() {
				switch ad.Type() {
				case iflaIfname:
					name = ad.String()
				case iflaExtMask:
					mask = ad.Uint32()
				}
			}
			if name != "enp132s0f0np0" || mask != rtextFilterVF {
				return nltest.Error(int(unix.ENODEV), reqs)
			}
			b, _ := EncodeLink(sampleLink())
			return []netlink.Message{{Header: netlink.Header{Type: rtmNewLink, Sequence: m.Header.Sequence, PID: m.Header.PID}, Data: b}}, nil
		case rtmSetLink:
			return []netlink.Message{{Header: netlink.Header{Type: nlmsgError, Sequence: m.Header.Sequence, PID: m.Header.PID}, Data: make([]byte, 4)}}, nil
		}
		return nltest.Error(int(unix.EOPNOTSUPP), reqs)
	}))
	ctx := context.Background()
	l, err := c.Link(ctx, "enp132s0f0np0")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(sampleLink(), l); d != "" {
		t.Fatalf("Link (-want +got):\n%s", d)
	}
	if _, err := c.Link(ctx, "nope0"); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("Link(nope0) = %v, want ErrNotFound", err)
	}
	cfg := VFConfig{VF: 3, MAC: net.HardwareAddr{2, 0, 0, 0, 0, 9}, VLAN: ptr(42), QoS: 1, SpoofChk: ptr(false), Trust: ptr(true), LinkState: ptr(LinkStateEnable)}
	if err := c.SetVF(ctx, 7, "enp132s0f0np0", cfg); err != nil {
		t.Fatal(err)
	}
	last := sent[len(sent)-1]
	if last.Header.Type != rtmSetLink || last.Header.Flags&netlink.Acknowledge == 0 {
		t.Fatalf("SetVF sent %+v", last.Header)
	}
	idx, cfgs, err := DecodeSetVF(last.Data)
	if err != nil || idx != 7 || len(cfgs) != 1 {
		t.Fatalf("DecodeSetVF = %d, %v, %v", idx, cfgs, err)
	}
	if d := cmp.Diff(cfg, cfgs[0]); d != "" {
		t.Fatalf("SetVF payload (-want +got):\n%s", d)
	}
	if _, err := EncodeSetVF(7, VFConfig{VF: -1}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("negative VF accepted: %v", err)
	}
}

// TestSetUpBytes checks the exact RTM_SETLINK SetUp sends: header type
// and flags, and the ifinfomsg byte for byte (family 0, type 0, the
// ifindex, ifi_flags IFF_UP or 0, ifi_change IFF_UP) with no attributes.
func TestSetUpBytes(t *testing.T) {
	t.Parallel()
	var sent []netlink.Message
	c := New(nltest.Dial(func(reqs []netlink.Message) ([]netlink.Message, error) {
		sent = append(sent, reqs...)
		return []netlink.Message{{Header: netlink.Header{Type: nlmsgError, Sequence: reqs[0].Header.Sequence, PID: reqs[0].Header.PID}, Data: make([]byte, 4)}}, nil
	}))
	ctx := context.Background()
	for _, up := range []bool{true, false} {
		sent = nil
		if err := c.SetUp(ctx, 0x0102, "bond1", up); err != nil {
			t.Fatal(err)
		}
		if len(sent) != 1 {
			t.Fatalf("SetUp(%v) sent %d messages", up, len(sent))
		}
		m := sent[0]
		if m.Header.Type != rtmSetLink || m.Header.Flags != netlink.Request|netlink.Acknowledge {
			t.Fatalf("SetUp(%v) header %+v", up, m.Header)
		}
		want := []byte{
			0, 0, 0, 0, // ifi_family AF_UNSPEC, pad, ifi_type
			0, 0, 0, 0, // ifi_index (native endian, below)
			0, 0, 0, 0, // ifi_flags
			0, 0, 0, 0, // ifi_change
		}
		binary.NativeEndian.PutUint32(want[4:8], 0x0102)
		if up {
			binary.NativeEndian.PutUint32(want[8:12], 1)
		}
		binary.NativeEndian.PutUint32(want[12:16], 1)
		if d := cmp.Diff(want, m.Data); d != "" {
			t.Fatalf("SetUp(%v) body (-want +got):\n%s", up, d)
		}
		idx, flags, change, err := DecodeSetFlags(m.Data)
		if err != nil || idx != 0x0102 || change != FlagUp || (flags&FlagUp != 0) != up {
			t.Fatalf("DecodeSetFlags = %d, %#x, %#x, %v", idx, flags, change, err)
		}
	}
	if err := c.SetUp(ctx, 0, "bond1", true); !errors.Is(err, errs.ErrInvalidArgument) || len(sent) != 1 {
		t.Fatalf("SetUp with ifindex 0 = %v after %d messages; want ErrInvalidArgument and nothing sent", err, len(sent)-1)
	}
	if _, _, _, err := DecodeSetFlags(make([]byte, 15)); err == nil {
		t.Fatal("DecodeSetFlags accepted a short ifinfomsg")
	}
}

// TestSetUpKernelError: the kernel's refusal comes back with the device
// named and the errno mapped (EPERM without CAP_NET_ADMIN).
func TestSetUpKernelError(t *testing.T) {
	t.Parallel()
	c := New(nltest.Dial(func(reqs []netlink.Message) ([]netlink.Message, error) {
		return nltest.Error(int(unix.EPERM), reqs)
	}))
	err := c.SetUp(context.Background(), 4, "bond1", false)
	if !errors.Is(err, errs.ErrPermission) || !strings.Contains(err.Error(), "bond1") || !strings.Contains(err.Error(), "down") {
		t.Fatalf("SetUp refused = %v; want ErrPermission naming bond1 and down", err)
	}
}

// TestLinkFlags: Link reports ifi_flags and Up reads IFF_UP from them.
func TestLinkFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		flags uint32
		up    bool
	}{{0x1003, true}, {0x1002, false}, {0, false}, {1, true}} {
		b, err := EncodeLink(Link{Index: 3, Name: "bond1", Flags: c.flags})
		if err != nil {
			t.Fatal(err)
		}
		l, err := DecodeLink(b)
		if err != nil {
			t.Fatal(err)
		}
		if l.Flags != c.flags || l.Up() != c.up {
			t.Errorf("flags %#x: decoded %#x, Up %v; want Up %v", c.flags, l.Flags, l.Up(), c.up)
		}
	}
}

// TestLiveLoopback reads lo from the real kernel: no privilege needed, and
// it checks the request framing against Linux rather than against ourselves.
func TestLiveLoopback(t *testing.T) {
	t.Parallel()
	c, err := Dial(nil)
	if err != nil {
		t.Skipf("no rtnetlink socket here: %v", err)
	}
	defer c.Close()
	l, err := c.Link(context.Background(), "lo")
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "lo" || l.Index <= 0 || len(l.VFs) != 0 {
		t.Fatalf("lo = %+v", l)
	}
	if _, err := c.Link(context.Background(), "offloadkit-no"); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("missing link = %v, want ErrNotFound (ENODEV)", err)
	}
}

func FuzzDecodeLink(f *testing.F) {
	b, _ := EncodeLink(sampleLink())
	f.Add(b)
	f.Add(make([]byte, 16))
	f.Add([]byte{1, 2, 3})
	f.Add(EncodeSetUp(4, true))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := DecodeLink(b)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same thing.
		again, err := EncodeLink(l)
		if err != nil {
			t.Fatal(err)
		}
		l2, err := DecodeLink(again)
		if err != nil {
			t.Fatal(err)
		}
		if l2.Flags != l.Flags || l2.Index != l.Index {
			t.Fatalf("ifinfomsg changed: index %d flags %#x -> index %d flags %#x", l.Index, l.Flags, l2.Index, l2.Flags)
		}
		if l.NumVF == 0 && len(l.VFs) == 0 {
			return
		}
		if len(l2.VFs) != len(l.VFs) {
			t.Fatalf("VF count changed: %d -> %d", len(l.VFs), len(l2.VFs))
		}
	})
}
