package offload

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// SetBondMode sets the mode of bond (bonding/mode) the way the bonding
// driver accepts it. The kernel takes a mode change only on a bond with
// no slaves (ENOTEMPTY otherwise) that is administratively down (EBUSY
// otherwise), so SetBondMode:
//
//   - refuses, with an error matching errs.ErrBusy, a bond that has slaves:
//     releasing them is the caller's decision (a switchdev plan does it in
//     its own steps, so that each can be rolled back);
//   - brings the bond down if it is up, sets the mode over rtnetlink
//     (as `ip link set <bond> type bond mode <mode>`), reads bonding/mode
//     back (errs.ErrNotApplied on a mismatch) and brings it up again;
//   - on any failure restores the previous mode and admin state, and
//     returns the failure joined with any error of that restoring.
//
// A bond already in mode is left alone. Bad input (a name errs.ValidateIfName
// refuses, BondModeUnknown or an out-of-range mode) touches nothing.
// It needs rtnetlink (errs.ErrNotSupported without it).
func (h *Host) SetBondMode(ctx context.Context, bond string, mode BondMode) error {
	if err := errs.ValidateIfName(bond); err != nil {
		return err
	}
	if mode == BondModeUnknown || int(mode) >= len(bondModeNames) {
		return errs.Invalid("bond mode", mode.String(), "want one of the bonding driver's modes")
	}
	const op = "set bond mode"
	modePath, _ := netPath(bond, "bonding", "mode")
	cur, err := h.readBondMode(bond, modePath)
	if err != nil {
		return err
	}
	if cur == mode {
		return nil
	}
	slavesPath, _ := netPath(bond, "bonding", "slaves")
	s, err := h.fs.ReadString(slavesPath)
	if err != nil {
		return &errs.Error{Op: "read bonding/slaves", Device: bond, Path: h.fs.Abs(slavesPath), Err: err}
	}
	if slaves := strings.Fields(s); len(slaves) > 0 {
		return &errs.Error{Op: op, Device: bond, Path: h.fs.Abs(modePath),
			Err: fmt.Errorf("%w: bond has slaves %s; the bonding driver changes the mode only of an empty bond: release them first", errs.ErrBusy, strings.Join(slaves, " "))}
	}
	wasUp, err := h.LinkUp(ctx, bond)
	if err != nil {
		return err
	}
	if wasUp {
		if err := h.SetLinkUp(ctx, bond, false); err != nil {
			// SetLinkUp verified nothing took, or the read-back failed:
			// make sure the bond is up as it was.
			return h.restoreBond(ctx, bond, modePath, cur, wasUp, err)
		}
	}
	if err := h.writeBondMode(ctx, bond, modePath, mode); err != nil {
		return h.restoreBond(ctx, bond, modePath, cur, wasUp, err)
	}
	if wasUp {
		if err := h.SetLinkUp(ctx, bond, true); err != nil {
			return h.restoreBond(ctx, bond, modePath, cur, wasUp, err)
		}
	}
	return nil
}

// readBondMode reads and parses bonding/mode; a netdev without one is not
// a bond (errs.ErrNotFound).
func (h *Host) readBondMode(bond, p string) (BondMode, error) {
	s, err := h.fs.ReadString(p)
	if err != nil {
		if sysfs.IsNotExist(err) {
			return BondModeUnknown, &errs.Error{Op: "read bonding/mode", Device: bond, Path: h.fs.Abs(p), Err: fmt.Errorf("%w: no such bond: %w", errs.ErrNotFound, err)}
		}
		return BondModeUnknown, &errs.Error{Op: "read bonding/mode", Device: bond, Path: h.fs.Abs(p), Err: err}
	}
	return ParseBondMode(s), nil
}

// writeBondMode sets the mode over rtnetlink (what `ip link set <bond>
// type bond mode <m>` sends; the bonding driver applies it as a write of
// bonding/mode) and reads bonding/mode (p) back.
func (h *Host) writeBondMode(ctx context.Context, bond, p string, m BondMode) error {
	c, err := h.linkClient("set bond mode", bond)
	if err != nil {
		return err
	}
	l, err := c.Link(ctx, bond)
	if err != nil {
		return err
	}
	// BondMode numbers the kernel's BOND_MODE_* from 1.
	if err := c.SetBondMode(ctx, l.Index, bond, uint8(m-1)); err != nil {
		return err
	}
	got, err := h.readBondMode(bond, p)
	if err != nil {
		return err
	}
	if got != m {
		return &errs.Error{Op: "set bond mode", Device: bond, Path: h.fs.Abs(p), Err: fmt.Errorf("%w: mode is %s after setting %s", errs.ErrNotApplied, got, m)}
	}
	return nil
}

// restoreBond puts bond back in mode old and admin state wasUp after
// cause, on a context of its own (the caller's may be what failed) bounded
// by restoreTimeout, so that a hanging sysfs write cannot hold it forever.
// The mode is restored first, while the bond is still down if it was taken
// down: the kernel would refuse it on an up bond.
func (h *Host) restoreBond(ctx context.Context, bond, modePath string, old BondMode, wasUp bool, cause error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restoreTimeout)
	defer cancel()
	var rerrs []error
	if cur, err := h.readBondMode(bond, modePath); err != nil {
		rerrs = append(rerrs, err)
	} else if cur != old && old != BondModeUnknown {
		up, err := h.LinkUp(rctx, bond)
		if err == nil && up {
			err = h.SetLinkUp(rctx, bond, false)
		}
		if err == nil {
			err = h.writeBondMode(rctx, bond, modePath, old)
		}
		if err != nil {
			rerrs = append(rerrs, fmt.Errorf("restoring mode %s: %w", old, err))
		}
	}
	if err := h.SetLinkUp(rctx, bond, wasUp); err != nil {
		rerrs = append(rerrs, fmt.Errorf("restoring up=%v: %w", wasUp, err))
	}
	if len(rerrs) == 0 {
		return cause
	}
	return fmt.Errorf("%w; ROLLBACK INCOMPLETE, bond %s needs attention: %w", cause, bond, errors.Join(rerrs...))
}

// restoreTimeout is the least time a restore gets once the caller's context
// has ended: leaving a bond down or in the wrong mode is worse than
// overrunning the caller's deadline by a bounded amount.
const restoreTimeout = 30 * time.Second
