package offloadtest_test

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/rtnl"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// TestFakeLinkUp: the fake rtnetlink reports IFF_UP per netdev (PF
// uplinks and bonds up as built, other netdevs down), sets and clears it
// through ifi_change, keeps the other flags, and refuses what it does not
// model.
func TestFakeLinkUp(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-bond")
	c := rtnl.New(tr.RtnetlinkConn())
	defer c.Close()
	ctx := context.Background()
	for name, want := range map[string]bool{"enp132s0f0np0": true, "enp132s0f1np1": true, "bond1": true, "eno1": false} {
		l, err := c.Link(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if l.Up() != want || tr.LinkUp(name) != want {
			t.Errorf("%s as built: rtnetlink up=%v, tree up=%v; want %v", name, l.Up(), tr.LinkUp(name), want)
		}
	}
	bond, err := c.Link(ctx, "bond1")
	if err != nil {
		t.Fatal(err)
	}
	for _, up := range []bool{false, false, true, true, false} {
		if err := c.SetUp(ctx, bond.Index, "bond1", up); err != nil {
			t.Fatal(err)
		}
		l, err := c.Link(ctx, "bond1")
		if err != nil {
			t.Fatal(err)
		}
		if l.Up() != up || tr.LinkUp("bond1") != up {
			t.Fatalf("after setting up=%v: rtnetlink %v, tree %v", up, l.Up(), tr.LinkUp("bond1"))
		}
		if l.Flags&^rtnl.FlagUp != bond.Flags&^rtnl.FlagUp {
			t.Fatalf("other flags changed: %#x -> %#x", bond.Flags, l.Flags)
		}
	}
	// The other netdevs kept their state.
	if !tr.LinkUp("enp132s0f0np0") || tr.LinkUp("eno1") {
		t.Error("setting bond1 changed another netdev's state")
	}
	if err := c.SetUp(ctx, 9999, "nosuch0", true); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("SetUp on a missing ifindex = %v, want ErrNotFound (ENODEV)", err)
	}
	if tr.LinkUp("nosuch0") {
		t.Error("a missing netdev reads as up")
	}

	// Another flag in ifi_change is not modelled: EOPNOTSUPP, nothing set.
	raw := tr.RtnetlinkConn()
	defer raw.Close()
	body := rtnl.EncodeSetUp(bond.Index, true)
	body[12] |= 0x2 // IFF_BROADCAST in ifi_change (little- or big-endian: byte 12 or 15)
	body[15] |= 0x2
	_, err = raw.Execute(netlink.Message{Header: netlink.Header{Type: rtnl.TypeSetLink, Flags: netlink.Request | netlink.Acknowledge}, Data: body})
	if !isErrno(err, syscall.EOPNOTSUPP) {
		t.Errorf("IFF_BROADCAST change = %v, want EOPNOTSUPP", err)
	}
	if tr.LinkUp("bond1") {
		t.Error("refused request set bond1 up")
	}
}

// TestFailSetLinkNth: the n-th IFF_UP change of a netdev fails once, with
// the errno asked for, and changes nothing; the next goes through.
func TestFailSetLinkNth(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-bond")
	c := rtnl.New(tr.RtnetlinkConn())
	defer c.Close()
	ctx := context.Background()
	bond, err := c.Link(ctx, "bond1")
	if err != nil {
		t.Fatal(err)
	}
	tr.FailSetLinkNth("bond1", 2, syscall.EIO)
	if err := c.SetUp(ctx, bond.Index, "bond1", false); err != nil {
		t.Fatalf("first request: %v", err)
	}
	if err := c.SetUp(ctx, bond.Index, "bond1", true); !isErrno(err, syscall.EIO) {
		t.Fatalf("second request = %v, want EIO", err)
	}
	if tr.LinkUp("bond1") {
		t.Fatal("the failed request changed the state")
	}
	if err := c.SetUp(ctx, bond.Index, "bond1", true); err != nil || !tr.LinkUp("bond1") {
		t.Fatalf("third request = %v, up %v", err, tr.LinkUp("bond1"))
	}
}

func isErrno(err error, want syscall.Errno) bool {
	var e syscall.Errno
	return errors.As(err, &e) && e == want
}
