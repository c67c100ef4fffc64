package datapath_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/datapath"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

var (
	mac1 = []byte{0x0a, 0, 0, 0, 0, 1}
	mac2 = []byte{0x0a, 0, 0, 0, 0, 2}
	ip1  = netip.MustParseAddr("10.0.0.1").AsSlice()
	ip2  = netip.MustParseAddr("10.0.0.2").AsSlice()
)

func ipv4Key(src, dst []byte, proto, tos, ttl, frag byte) []byte {
	b := append(append([]byte{}, src...), dst...)
	return append(b, proto, tos, ttl, frag)
}

// icmpFlow is an ICMP echo flow as OVS 3.1 installs it for a NORMAL
// bridge in the kernel datapath: key attributes in the order the kernel
// dumps them (__ovs_nla_put_key), a megaflow mask that wildcards all but
// recirc_id, in_port, the Ethernet addresses, eth_type and frag.
func icmpFlow(dp int, ufid []byte, actions ...netlink.Attribute) []byte {
	key := []netlink.Attribute{
		a(20, u32(0)), a(19, u32(0)), a(2, u32(0)), a(3, u32(2)), a(15, u32(0)),
		a(22, u32(0)), a(23, u16(0)), a(24, u32(0)), a(25, make([]byte, 16)),
		a(4, append(append([]byte{}, mac1...), mac2...)), a(6, be16(0x0800)),
		a(7, ipv4Key(ip1, ip2, 1, 0, 64, 0)), a(11, []byte{8, 0}),
	}
	mask := []netlink.Attribute{
		a(20, u32(0xffffffff)), a(19, u32(0)), a(2, u32(0)), a(3, u32(0xffffffff)), a(15, u32(0)),
		a(22, u32(0)), a(23, u16(0)), a(24, u32(0)), a(25, make([]byte, 16)),
		a(4, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), a(6, be16(0xffff)),
		a(7, ipv4Key(make([]byte, 4), make([]byte, 4), 0, 0, 0, 0xff)), a(11, []byte{0, 0}),
	}
	return msg(dp,
		nest(1, key...), a(9, ufid), nest(7, mask...),
		a(3, append(u64(3), u64(294)...)), a(5, u64(12345)),
		nest(2, actions...),
	)
}

var ufid1 = []byte{0x0f, 0xe1, 0xc2, 0x67, 0x74, 0x45, 0xd4, 0x92, 0x72, 0xd0, 0x70, 0xbe, 0x66, 0xf1, 0x5f, 0x81}

func TestDecodeFlow(t *testing.T) {
	t.Parallel()
	b := icmpFlow(7, ufid1, a(1, u32(3)))
	for _, tc := range []struct {
		name  string
		opts  datapath.FlowOptions
		names map[uint32]string
		match string
		acts  string
	}{
		{
			"verbose", datapath.FlowOptions{}, nil,
			"recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(2),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0)," +
				"eth(src=0a:00:00:00:00:01,dst=0a:00:00:00:00:02),eth_type(0x0800)," +
				"ipv4(src=10.0.0.1/0.0.0.0,dst=10.0.0.2/0.0.0.0,proto=1/0,tos=0/0,ttl=64/0,frag=no),icmp(type=8/0,code=0/0)",
			"3",
		},
		{
			"terse", datapath.FlowOptions{Terse: true}, nil,
			"recirc_id(0),in_port(2),eth(src=0a:00:00:00:00:01,dst=0a:00:00:00:00:02),eth_type(0x0800),ipv4(frag=no)",
			"3",
		},
		{
			"names", datapath.FlowOptions{Names: true}, map[uint32]string{2: "veth1", 3: "veth2"},
			"recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(veth1),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0)," +
				"eth(src=0a:00:00:00:00:01,dst=0a:00:00:00:00:02),eth_type(0x0800)," +
				"ipv4(src=10.0.0.1/0.0.0.0,dst=10.0.0.2/0.0.0.0,proto=1/0,tos=0/0,ttl=64/0,frag=no),icmp(type=8/0,code=0/0)",
			"veth2",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := datapath.NewDecoder(tc.opts, tc.names)
			var f datapath.Flow
			if err := d.Decode(b, &f); err != nil {
				t.Fatal(err)
			}
			want, err := dpflow.Parse("ufid:67c2e10f-92d4-4574-be70-d072815ff166, " + tc.match +
				", packets:3, bytes:294, used:never, dp:ovs, actions:" + tc.acts)
			if err != nil {
				t.Fatal(err)
			}
			want.NeverUsed, want.Used = false, 0 // the decoder has no clock here
			if f.UsedMsec != 12345 || f.Datapath != 7 {
				t.Errorf("UsedMsec %d Datapath %d, want 12345 7", f.UsedMsec, f.Datapath)
			}
			if d := cmp.Diff(want, &f.Flow); d != "" {
				t.Errorf("-dump-flows text parsed +decoded:\n%s", d)
			}
		})
	}
}

// TestDecodeFlowRoundTrip: what the decoder renders parses back with
// dpflow into the same attributes, for flows with many kinds of keys and
// actions, masks partial and exact, and attributes no kernel has yet.
func TestDecodeFlowRoundTrip(t *testing.T) {
	t.Parallel()
	ipv6 := make([]byte, 40)
	copy(ipv6, netip.MustParseAddr("fd00::1").AsSlice())
	copy(ipv6[16:], netip.MustParseAddr("fd00::2").AsSlice())
	ipv6[36], ipv6[38] = 58, 64
	ipv6Mask := make([]byte, 40)
	for i := 16; i < 32; i++ {
		ipv6Mask[i] = 0xff
	}
	ipv6Mask[36], ipv6Mask[39] = 0xff, 0xff
	flows := map[string][]byte{
		"exact-tcp-ct": msg(1,
			nest(1, a(20, u32(5)), a(3, u32(1)), a(22, u32(0x22)), a(23, u16(7)),
				a(4, append(append([]byte{}, mac1...), mac2...)), a(6, be16(0x0800)),
				a(7, ipv4Key(ip1, ip2, 6, 0, 64, 0)), a(9, append(be16(1234), be16(80)...)), a(18, be16(0x012))),
			a(4, []byte{0x12}),
			nest(2, nest(12, a(1, nil), a(2, u16(7)), a(3, append(u32(1), u32(0xff)...))), a(7, u32(9)),
				a(4, append(be16(0x8100), be16(0x1064)...)), a(5, nil), a(16, nil), a(1, u32(4)))),
		"ipv6-masked": msg(1,
			nest(1, a(3, u32(1)), a(4, append(append([]byte{}, mac1...), mac2...)), a(6, be16(0x86dd)), a(8, ipv6), a(12, []byte{135, 0}),
				a(14, make([]byte, 28)), a(32, be16(3))),
			nest(7, a(3, u32(0xffffffff)), a(6, be16(0xffff)), a(8, ipv6Mask), a(12, []byte{0xff, 0}), a(32, be16(0))),
			nest(2, nest(11, a(7, append(ipv4Key(ip2, ip1, 0, 0, 0, 0), ipv4Key(make([]byte, 4), []byte{255, 255, 255, 0}, 0, 0, 0, 0)...))), a(1, u32(2)))),
		"arp-vlan-unknown": msg(1,
			nest(1, a(3, u32(3)), a(4, append(append([]byte{}, mac1...), mac2...)), a(6, be16(0x8100)), a(5, be16(0x1005)),
				nest(1, a(6, be16(0x0806)), a(13, make([]byte, 24))), a(60, []byte{1, 2, 3})),
			nest(2, a(60, []byte{0xde, 0xad}), nest(2, a(1, u32(77)), a(2, []byte{1, 2, 3, 4})), a(24, u32(0)))),
		"drop":        msg(1, nest(1, a(3, u32(1)), a(6, be16(0x0806))), nest(7, a(6, be16(0xffff))), nest(2)),
		"no-eth-type": msg(1, nest(1, a(3, u32(1)), a(4, make([]byte, 12))), nest(7, a(3, u32(0xffffffff)), a(6, be16(0xff00)))),
	}
	for name, b := range flows {
		for _, opts := range []datapath.FlowOptions{{}, {Terse: true}} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var f datapath.Flow
				if err := datapath.NewDecoder(opts, nil).Decode(b, &f); err != nil {
					t.Fatal(err)
				}
				line := f.Flow.String()
				got, err := dpflow.Parse(line)
				if err != nil {
					t.Fatalf("rendered %q does not parse: %v", line, err)
				}
				if d := cmp.Diff(f.Flow.Match, got.Match); d != "" {
					t.Errorf("match of %q: -decoded +parsed:\n%s", line, d)
				}
				if d := cmp.Diff(f.Flow.Actions, got.Actions); d != "" {
					t.Errorf("actions of %q: -decoded +parsed:\n%s", line, d)
				}
				t.Log(line)
			})
		}
	}
}

func TestDecodeTruncated(t *testing.T) {
	t.Parallel()
	b := icmpFlow(1, ufid1, a(1, u32(3)))
	d := datapath.NewDecoder(datapath.FlowOptions{}, nil)
	var f datapath.Flow
	for _, n := range []int{0, 3, 9, len(b) - 1} {
		if err := d.Decode(b[:n], &f); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("Decode of %d of %d bytes: %v, want ErrInvalidArgument", n, len(b), err)
		}
	}
}

// TestClientListsAndStreams runs on both receive paths (onBothPaths).
func TestClientListsAndStreams(t *testing.T) {
	t.Parallel()
	onBothPaths(t, testClientListsAndStreams)
}

// dialer makes a Client on a fake kernel.
type dialer func(*fakeKernel, testing.TB) (*datapath.Client, error)

// onBothPaths runs test, in parallel subtests, on a socket (the Client
// reads datagrams itself) and on an nltest connection (the netlink
// package receives).
func onBothPaths(t *testing.T, test func(*testing.T, dialer)) {
	for _, d := range []struct {
		name string
		fn   dialer
	}{{"socket", (*fakeKernel).client}, {"nltest", (*fakeKernel).nltestClient}} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			test(t, d.fn)
		})
	}
}

func testClientListsAndStreams(t *testing.T, dial dialer) {
	k := &fakeKernel{
		dps: [][]byte{genl(1, msg(9, a(1, []byte("ovs-system\x00")), a(3, append(append(u64(10), u64(2)...), append(u64(0), u64(1)...)...)),
			a(5, u32(0x0f)), a(7, u32(256)), a(42, []byte{1})))},
		vports: map[int][][]byte{9: {
			genl(1, msg(9, a(1, u32(0)), a(2, u32(2)), a(3, []byte("ovs-system\x00")), a(8, u32(9)))),
			genl(1, msg(9, a(1, u32(2)), a(2, u32(1)), a(3, []byte("veth1\x00")), a(8, u32(11)), a(9, u32(3)))),
			genl(1, msg(9, a(1, u32(3)), a(2, u32(1)), a(3, []byte("veth2\x00")), a(8, u32(12)))),
		}},
		flows: map[int][][]byte{9: {
			genl(1, icmpFlow(9, ufid1, a(1, u32(3)))),
			genl(1, icmpFlow(9, append(make([]byte, 15), 2), a(1, u32(2)))),
		}},
	}
	c, err := dial(k, t)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	dps, err := c.Datapaths(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs := uint32(256)
	want := []datapath.Datapath{{Name: "ovs-system", Ifindex: 9, Stats: datapath.DatapathStats{Hit: 10, Missed: 2, Flows: 1},
		UserFeatures: 0x0f, MasksCacheSize: &cs, Unknown: []datapath.RawAttr{{Type: 42, Data: []byte{1}}}}}
	if d := cmp.Diff(want, dps); d != "" {
		t.Errorf("Datapaths -want +got:\n%s", d)
	}
	if _, err := c.Datapath(ctx, "nope"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("Datapath(nope): %v, want ErrNotFound", err)
	}
	vps, err := c.Vports(ctx, 9)
	if err != nil {
		t.Fatal(err)
	}
	nsid := int32(3)
	wantV := []datapath.Vport{
		{Datapath: 9, PortNo: 0, Type: datapath.VportInternal, Name: "ovs-system", Ifindex: 9},
		{Datapath: 9, PortNo: 2, Type: datapath.VportNetdev, Name: "veth1", Ifindex: 11, NetNSID: &nsid},
		{Datapath: 9, PortNo: 3, Type: datapath.VportNetdev, Name: "veth2", Ifindex: 12},
	}
	if d := cmp.Diff(wantV, vps); d != "" {
		t.Errorf("Vports -want +got:\n%s", d)
	}
	var got []string
	for f, err := range c.Flows(ctx, 9, datapath.FlowOptions{Names: true}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f.UFID.String()+" "+f.InPort+" "+f.Flow.Actions[0].Text)
	}
	wantF := []string{"67c2e10f-92d4-4574-be70-d072815ff166 veth1 veth2", "00000000-0000-0000-0000-000002000000 veth1 veth1"}
	if d := cmp.Diff(wantF, got); d != "" {
		t.Errorf("Flows -want +got:\n%s", d)
	}
	// Breaking out of the stream leaves the socket usable.
	for range c.Flows(ctx, 9, datapath.FlowOptions{}) {
		break
	}
	if _, err := c.Vports(ctx, 9); err != nil {
		t.Errorf("Vports after an abandoned flow stream: %v", err)
	}
	if _, err := collectSeq(c.Flows(ctx, 4, datapath.FlowOptions{})); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("Flows of a missing datapath: %v, want ErrNotFound (ENODEV)", err)
	}
}

// TestFlowsInterrupted: an interrupted dump restarts without delivering a
// flow twice; one that never settles ends in ErrBusy.
func TestFlowsInterrupted(t *testing.T) {
	t.Parallel()
	onBothPaths(t, testFlowsInterrupted)
}

func testFlowsInterrupted(t *testing.T, dial dialer) {
	flows := [][]byte{genl(1, icmpFlow(9, ufid1, a(1, u32(3)))), genl(1, icmpFlow(9, append(make([]byte, 15), 2), a(1, u32(2))))}
	k := &fakeKernel{flows: map[int][][]byte{9: flows}, interrupt: 2}
	c, err := dial(k, t)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := collectSeq(c.Flows(context.Background(), 9, datapath.FlowOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || k.dumps != 3 {
		t.Errorf("%d flows in %d dumps, want 2 flows in 3 dumps", len(got), k.dumps)
	}
	k.interrupt, k.dumps = 100, 0
	if _, err := collectSeq(c.Flows(context.Background(), 9, datapath.FlowOptions{})); !errors.Is(err, errs.ErrBusy) {
		t.Errorf("always-interrupted dump: %v, want ErrBusy", err)
	}
}

func TestNoOpenvswitchModule(t *testing.T) {
	t.Parallel()
	_, err := (&fakeKernel{noOVS: true}).client(t)
	if !errors.Is(err, errs.ErrNotSupported) {
		t.Errorf("New without the families: %v, want ErrNotSupported", err)
	}
}

func TestContextDone(t *testing.T) {
	t.Parallel()
	c, err := (&fakeKernel{}).client(t)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Datapaths(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Datapaths with a cancelled context: %v", err)
	}
}
