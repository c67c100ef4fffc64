package rtnl

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// TestNewBondRoundTrip: what NewBond and DeleteLink send decodes to what
// was asked, with the flags `ip link add` uses (create, exclusive), and a
// kernel EEXIST comes back as errs.ErrExists.
func TestNewBondRoundTrip(t *testing.T) {
	t.Parallel()
	var got []netlink.Message
	c := New(nltest.Dial(func(reqs []netlink.Message) ([]netlink.Message, error) {
		got = append(got, reqs...)
		if r, err := DecodeNewLink(reqs[0].Data); err == nil && r.Name == "taken0" {
			return nltest.Error(int(unix.EEXIST), reqs)
		}
		return []netlink.Message{{Header: netlink.Header{Type: TypeError, Sequence: reqs[0].Header.Sequence}, Data: make([]byte, 4)}}, nil
	}))
	defer c.Close()
	ctx := context.Background()
	if err := c.NewBond(ctx, "bond1", 4); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLink(ctx, 42, "bond1"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetBondMode(ctx, 42, "bond1", 1); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	// A mode change names the link by index only (a name beside an
	// index would be a rename) and does not ask to create.
	if h := got[2].Header; h.Type != TypeNewLink || h.Flags&(netlink.Create|netlink.Excl) != 0 {
		t.Errorf("set-mode header %+v: want RTM_NEWLINK without NLM_F_CREATE or NLM_F_EXCL", h)
	}
	ab := uint8(1)
	if r, err := DecodeNewLink(got[2].Data); err != nil || cmp.Diff(NewLinkRequest{Index: 42, Kind: "bond", BondMode: &ab}, r) != "" {
		t.Errorf("decoded set-mode = %+v, %v", r, err)
	}
	if h := got[0].Header; h.Type != TypeNewLink || h.Flags&(netlink.Create|netlink.Excl) != netlink.Create|netlink.Excl {
		t.Errorf("create header %+v: want RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL", h)
	}
	r, err := DecodeNewLink(got[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	mode := uint8(4)
	if d := cmp.Diff(NewLinkRequest{Name: "bond1", Kind: "bond", BondMode: &mode}, r); d != "" {
		t.Errorf("decoded create (-want +got):\n%s", d)
	}
	if got[1].Header.Type != TypeDelLink {
		t.Errorf("delete sent type %d", got[1].Header.Type)
	}
	if idx, err := DecodeDelLink(got[1].Data); err != nil || idx != 42 {
		t.Errorf("DecodeDelLink = %d, %v; want 42", idx, err)
	}
	if err := c.NewBond(ctx, "taken0", 1); !errors.Is(err, errs.ErrExists) {
		t.Errorf("NewBond on an existing name = %v, want ErrExists", err)
	}
	if err := c.DeleteLink(ctx, 0, "x"); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("DeleteLink(0) = %v, want ErrInvalidArgument", err)
	}
}
