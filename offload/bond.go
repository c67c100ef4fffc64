package offload

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// BondOf returns the bond that netdev is enslaved to, or nil when it is not
// a bond slave. The guides remove PFs from bonds before switching to
// switchdev, or build VF LAG from both PFs.
func (h *Host) BondOf(ctx context.Context, netdev string) (*Bond, error) {
	p, err := netPath(netdev, "master")
	if err != nil {
		return nil, err
	}
	master, err := h.fs.LinkBase(p)
	if err != nil {
		if sysfs.IsNotExist(err) {
			return nil, nil
		}
		return nil, &errs.Error{Op: "read master link", Device: netdev, Err: err}
	}
	if errs.ValidateIfName(master) != nil {
		return nil, &errs.Error{Op: "read master link", Device: netdev, Err: fmt.Errorf("%w: odd master name %q", errs.ErrInvalidArgument, master)}
	}
	mp, _ := netPath(master, "bonding", "mode")
	mode, err := h.fs.ReadString(mp)
	if err != nil {
		if sysfs.IsNotExist(err) {
			return nil, nil // enslaved to a bridge or team, not a bond
		}
		return nil, &errs.Error{Op: "read bonding mode", Device: master, Err: err}
	}
	b := &Bond{Name: master, Mode: ParseBondMode(mode)}
	sp, _ := netPath(master, "bonding", "slaves")
	if s, err := h.fs.ReadString(sp); err == nil {
		b.Slaves = strings.Fields(s)
	}
	return b, nil
}

// ParseBondMode parses bonding/mode ("802.3ad 4") or a bare name or number.
func ParseBondMode(s string) BondMode {
	f := strings.Fields(s)
	if len(f) == 0 {
		return BondModeUnknown
	}
	for i, n := range bondModeNames {
		if i > 0 && n == f[0] {
			return BondMode(i)
		}
	}
	if n, err := strconv.Atoi(f[len(f)-1]); err == nil && n >= 0 && n+1 < len(bondModeNames) {
		return BondMode(n + 1)
	}
	return BondModeUnknown
}
