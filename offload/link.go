package offload

import (
	"context"
	"fmt"

	"github.com/offloadkit/offloadkit/internal/rtnl"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// LinkUp reports whether netdev name is administratively up (IFF_UP, what
// `ip link set <name> up` sets), read over rtnetlink. It says nothing
// about carrier: an up bond without slaves is up here. It needs an
// rtnetlink connection (errs.ErrNotSupported on a fake root without one).
func (h *Host) LinkUp(ctx context.Context, name string) (bool, error) {
	if err := errs.ValidateIfName(name); err != nil {
		return false, err
	}
	c, err := h.linkClient("read link state", name)
	if err != nil {
		return false, err
	}
	l, err := c.Link(ctx, name)
	if err != nil {
		return false, err
	}
	return l.Up(), nil
}

// SetLinkUp brings netdev name administratively up or down over rtnetlink,
// as the guides' `ip link set <pf> up` does, and reads the state back
// (errs.ErrNotApplied when it did not take). Only IFF_UP changes. A link
// already in the wanted state is left alone. It needs CAP_NET_ADMIN and
// an rtnetlink connection (errs.ErrNotSupported on a fake root without one).
func (h *Host) SetLinkUp(ctx context.Context, name string, up bool) error {
	if err := errs.ValidateIfName(name); err != nil {
		return err
	}
	c, err := h.linkClient(upDownOp(up), name)
	if err != nil {
		return err
	}
	l, err := c.Link(ctx, name)
	if err != nil {
		return err
	}
	if l.Up() == up {
		return nil
	}
	if err := c.SetUp(ctx, l.Index, name, up); err != nil {
		return err
	}
	// Read back by name: the ifindex we sent is only trusted if the name
	// still resolves to it.
	got, err := c.Link(ctx, name)
	if err != nil {
		return err
	}
	if got.Index != l.Index || got.Up() != up {
		return &errs.Error{Op: upDownOp(up), Device: name,
			Err: fmt.Errorf("%w: link (ifindex %d) reads up=%v after setting up=%v", errs.ErrNotApplied, got.Index, got.Up(), up)}
	}
	return nil
}

func upDownOp(up bool) string {
	if up {
		return "set link up"
	}
	return "set link down"
}

// linkClient is the Host's rtnetlink client, or errs.ErrNotSupported when it
// has none.
func (h *Host) linkClient(op, name string) (*rtnl.Client, error) {
	c, err := h.rtnlClient()
	if err != nil {
		return nil, &errs.Error{Op: op, Device: name, Err: err}
	}
	if c == nil {
		return nil, &errs.Error{Op: op, Device: name, Err: h.kernel.missing(capRtnetlink)}
	}
	return c, nil
}
