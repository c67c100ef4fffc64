package mellanox

import (
	"context"
	"errors"
	"fmt"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/switchdev"
)

// StateChecks reports whether the VF LAG a bonded PF is in is active in
// the NIC ("vf-lag-hw"). A bond of both uplinks is only what the kernel's
// bonding driver sees; mlx5 activates the LAG in hardware (one eswitch
// for both ports) by itself, when its own conditions hold, and says so
// nowhere but in debugfs: mlx5/<bdf>/lag/state ("active" or "disabled")
// and lag/type ("switchdev" for a VF LAG; "roce", "multipath" or
// "multiport_eswitch" otherwise), from the driver's lag/debugfs.c. Where
// those files are absent (debugfs not mounted, an mlx5 driver that
// predates them, no root), the answer is unknown, never ok. A PF in no
// bond gets no check.
func (Backend) StateChecks(ctx context.Context, h switchdev.HostView, pf *offload.PF) []switchdev.Check {
	up, ok := pf.Uplink()
	if !ok {
		return nil
	}
	c := switchdev.Check{Name: "vf-lag-hw", Subject: pf.Address.String()}
	bond, err := h.BondOf(ctx, up.Name)
	switch {
	case err != nil:
		c.Status, c.Detail = switchdev.CheckUnknown, "cannot read the uplink's bond: "+err.Error()
		return []switchdev.Check{c}
	case bond == nil:
		return nil
	}
	dir := "mlx5/" + pf.Address.String() + "/lag/"
	path := "/sys/kernel/debug/" + dir
	c.Fix = fmt.Sprintf("as root, with debugfs mounted (mount -t debugfs none /sys/kernel/debug): cat %sstate must say active and %stype switchdev", path, path)
	state, err := h.DebugFile(dir + "state")
	switch {
	case errors.Is(err, errs.ErrNotFound):
		c.Status = switchdev.CheckUnknown
		c.Detail = fmt.Sprintf("bond %s is formed, but the kernel exposes no mlx5 LAG state for %s (%sstate is absent: debugfs not mounted, or an mlx5 driver without lag debugfs): whether the NIC bonds its ports in hardware cannot be told", bond.Name, pf.Address, path)
		return []switchdev.Check{c}
	case err != nil:
		c.Status, c.Detail = switchdev.CheckUnknown, fmt.Sprintf("bond %s is formed, but the mlx5 LAG state cannot be read: %v", bond.Name, err)
		return []switchdev.Check{c}
	}
	switch state {
	case "active":
	case "disabled":
		c.Status = switchdev.CheckFail
		c.Detail = fmt.Sprintf("bond %s (%s) is formed, but mlx5 reports the LAG disabled in hardware (%sstate): VF traffic does not fail over or spread across both ports", bond.Name, bond.Mode, path)
		c.Fix = fmt.Sprintf("mlx5 activates it only when both PFs of the NIC are in switchdev mode and the only slaves of one bond in active-backup, balance-xor or 802.3ad; re-form it (examples/switchdev -pf %s -vflag-bond %s -vflag-mode MODE -apply) and check dmesg for mlx5 lag messages", pf.Address, bond.Name)
		return []switchdev.Check{c}
	default:
		c.Status, c.Detail = switchdev.CheckUnknown, fmt.Sprintf("%sstate says %q, neither active nor disabled", path, state)
		return []switchdev.Check{c}
	}
	typ, err := h.DebugFile(dir + "type")
	switch {
	case err != nil:
		c.Status, c.Detail = switchdev.CheckUnknown, fmt.Sprintf("mlx5 reports a LAG active in hardware for bond %s, but its type cannot be read (%stype: %v), so whether it is a VF LAG cannot be told", bond.Name, path, err)
	case typ == "switchdev":
		c.Status, c.Detail, c.Fix = switchdev.CheckOK, fmt.Sprintf("mlx5 reports the VF LAG of bond %s active in hardware (lag/state active, lag/type switchdev)", bond.Name), ""
	default:
		c.Status = switchdev.CheckFail
		c.Detail = fmt.Sprintf("mlx5 reports a %s LAG active for bond %s, not a switchdev (VF) LAG: VF traffic is not bonded in the eswitch", typ, bond.Name)
		c.Fix = "put both PFs in switchdev mode before enslaving them (examples/switchdev -vflag-bond)"
	}
	return []switchdev.Check{c}
}

var _ switchdev.StateChecker = Backend{}
