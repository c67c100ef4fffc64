package offload

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// ReadBond reads bond name as sysfs shows it (bonding/mode and
// bonding/slaves). It returns nil and no error when no netdev has that
// name, and an error matching errs.ErrExists when one does but is not a
// bond (no bonding/ directory): a VF LAG plan must neither create over it
// nor enslave to it. Bad input (a name errs.ValidateIfName refuses) touches
// nothing. Privilege: none.
func (h *Host) ReadBond(name string) (*Bond, error) {
	if err := errs.ValidateIfName(name); err != nil {
		return nil, err
	}
	dir, _ := netPath(name)
	if !h.fs.Exists(dir) {
		return nil, nil
	}
	modePath, _ := netPath(name, "bonding", "mode")
	mode, err := h.readBondMode(name, modePath)
	if errors.Is(err, errs.ErrNotFound) {
		return nil, &errs.Error{Op: "read bond", Device: name, Path: h.fs.Abs(dir), Err: fmt.Errorf("%w: %s exists and is not a bond", errs.ErrExists, name)}
	}
	if err != nil {
		return nil, err
	}
	b := &Bond{Name: name, Mode: mode}
	sp, _ := netPath(name, "bonding", "slaves")
	s, err := h.fs.ReadString(sp)
	if err != nil {
		return nil, &errs.Error{Op: "read bonding/slaves", Device: name, Path: h.fs.Abs(sp), Err: err}
	}
	b.Slaves = strings.Fields(s)
	return b, nil
}

// CreateBond creates bonding master name in mode over rtnetlink, as `ip
// link add name <name> type bond mode <mode>` does (and as the guides'
// `modprobe bonding mode=802.3ad` does for bond0..N, without the module
// option that applies to every bond). The mode is part of the creating
// request, so the kernel sets it while the new bond is down (the bonding
// driver refuses a mode change on an up bond); the bond is left down, with
// no slaves, for the caller to enslave to and bring up.
//
// It reads the result back from sysfs: a bond whose mode reads otherwise is
// deleted again and reported as errs.ErrNotApplied. A name already taken
// (by a bond or anything else) is errs.ErrExists and is left alone. Bad
// input (a name errs.ValidateIfName refuses, BondModeUnknown or a mode out
// of range) touches nothing. It needs CAP_NET_ADMIN and an rtnetlink
// connection (errs.ErrNotSupported on a fake root without one).
func (h *Host) CreateBond(ctx context.Context, name string, mode BondMode) error {
	if err := errs.ValidateIfName(name); err != nil {
		return err
	}
	if mode == BondModeUnknown || int(mode) >= len(bondModeNames) {
		return errs.Invalid("bond mode", mode.String(), "want one of the bonding driver's modes")
	}
	c, err := h.linkClient("create bond", name)
	if err != nil {
		return err
	}
	// BondMode numbers the kernel's BOND_MODE_* from 1.
	if err := c.NewBond(ctx, name, uint8(mode-1)); err != nil {
		return err
	}
	b, err := h.ReadBond(name)
	switch {
	case err != nil:
		return err // could not read it back: delete nothing we cannot see
	case b == nil:
		return &errs.Error{Op: "create bond", Device: name, Err: fmt.Errorf("%w: no bond %s after creating it", errs.ErrNotApplied, name)}
	case b.Mode == mode:
		return nil
	}
	err = &errs.Error{Op: "create bond", Device: name, Err: fmt.Errorf("%w: bond created in mode %s, asked for %s", errs.ErrNotApplied, b.Mode, mode)}
	if derr := h.DeleteBond(context.WithoutCancel(ctx), name); derr != nil {
		return fmt.Errorf("%w; deleting it again: %w", err, derr)
	}
	return err
}

// DeleteBond deletes bond name over rtnetlink (`ip link del`), by the
// ifindex it resolves the name to, and checks that it is gone. It refuses
// with errs.ErrBusy a bond that still has slaves: the kernel would release
// them (and close them), which is not the caller's to decide here; a
// rollback releases its own slaves in their own steps first. A netdev of
// that name that is not a bond is errs.ErrExists; no such netdev is
// errs.ErrNotFound. Bad input touches nothing. It needs CAP_NET_ADMIN and
// an rtnetlink connection.
func (h *Host) DeleteBond(ctx context.Context, name string) error {
	const op = "delete bond"
	b, err := h.ReadBond(name)
	if err != nil {
		return err
	}
	if b == nil {
		return &errs.Error{Op: op, Device: name, Err: fmt.Errorf("%w: no bond %s", errs.ErrNotFound, name)}
	}
	if len(b.Slaves) > 0 {
		return &errs.Error{Op: op, Device: name, Err: fmt.Errorf("%w: bond has slaves %s: release them first", errs.ErrBusy, strings.Join(b.Slaves, " "))}
	}
	c, err := h.linkClient(op, name)
	if err != nil {
		return err
	}
	l, err := c.Link(ctx, name)
	if err != nil {
		return err
	}
	if l.Kind != "" && l.Kind != "bond" {
		// sysfs and rtnetlink disagree (renamed in between): touch nothing.
		return &errs.Error{Op: op, Device: name, Err: fmt.Errorf("%w: %s is now a %s link, not a bond", errs.ErrExists, name, l.Kind)}
	}
	if err := c.DeleteLink(ctx, l.Index, name); err != nil {
		return err
	}
	if _, err := c.Link(ctx, name); err == nil {
		return &errs.Error{Op: op, Device: name, Err: fmt.Errorf("%w: bond %s still exists after deleting it", errs.ErrNotApplied, name)}
	} else if !errors.Is(err, errs.ErrNotFound) {
		return err
	}
	return nil
}
