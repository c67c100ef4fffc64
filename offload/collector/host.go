package collector

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// The calls into package offload's Host live in this file, so a change of
// the Host's method set is adapted here.

// eswitchModes are the values of pf_eswitch_mode's mode label.
func eswitchModes() []offload.ESwitchMode {
	return []offload.ESwitchMode{offload.ESwitchModeLegacy, offload.ESwitchModeSwitchdev,
		offload.ESwitchModeSwitchdevInactive, offload.ESwitchModeUnknown}
}

// collectHost reports PFs and VFs from one Discover (which reads each sysfs
// file once), and per PF the uplink's hw-tc-offload (ethtool) and the mlx5
// steering mode (devlink). It returns the PFs for the tc subsystem. A PF
// whose ethtool or devlink read fails is still reported; the first such
// error is returned after the rest.
func (c *Collector) collectHost(ctx context.Context, s *sink) ([]offload.PF, error) {
	h := c.cfg.Host
	pfs, err := h.Discover(ctx)
	if err != nil {
		return nil, err
	}
	var firstErr error
	keep := func(err error) {
		// Not supported (no ethtool/devlink on this root, a driver
		// without the parameter) is an answer, not a failure.
		if err != nil && !errors.Is(err, errs.ErrNotSupported) && !errors.Is(err, errs.ErrNotFound) && firstErr == nil {
			firstErr = err
		}
	}
	d := c.d
	s.gauge(d.pfs, float64(len(pfs)))
	for i := range pfs {
		pf := &pfs[i]
		a := pf.Address.String()
		uplink := ""
		if up, ok := pf.Uplink(); ok {
			uplink = up.Name
		}
		s.gauge(d.pfInfo, 1, a, pf.ID.String(), labelOr(pf.Driver, "none"), uplink)
		for _, m := range eswitchModes() {
			s.gauge(d.pfMode, b2f(pf.ESwitchMode == m), a, m.String())
		}
		s.gauge(d.pfVFs, float64(pf.NumVFs), a)
		s.gauge(d.pfVFsTotal, float64(pf.TotalVFs), a)
		reps := map[int]string{}
		for _, r := range pf.Representors {
			if r.PortName.Flavour == offload.PortFlavourPCIVF && r.PortName.Controller <= 0 {
				reps[r.PortName.VF] = r.Netdev
			}
		}
		s.gauge(d.pfReps, float64(len(reps)), a)
		if uplink != "" {
			on, err := h.HWTCOffload(ctx, uplink)
			if err == nil {
				s.gauge(d.pfHWTC, b2f(on), a, uplink)
			}
			keep(err)
		}
		if pf.ID.Vendor == offload.VendorMellanox {
			v, err := h.Devlink(offload.PCIDevice(pf.Address)).Param(ctx, "flow_steering_mode", offload.ParamCModeRuntime)
			if err == nil && v.Text() != "" {
				s.gauge(d.pfSteering, 1, a, v.Text())
			}
			keep(err)
		}
		if b := pf.Bond; b != nil {
			s.gauge(d.pfBond, 1, a, b.Name, b.Mode.String())
			lag := pf.ESwitchMode == offload.ESwitchModeSwitchdev && b.Mode.VFLAGCapable() && len(b.Slaves) == 2
			s.gauge(d.pfVFLAG, b2f(lag), a)
		}
		for _, vf := range pf.VFs {
			idx := strconv.Itoa(vf.Index)
			s.gauge(d.vfInfo, 1, a, idx, labelOr(vf.Driver, "none"))
			rep, ok := reps[vf.Index]
			s.gauge(d.vfRep, b2f(ok), a, idx, rep)
		}
		if err := ctx.Err(); err != nil {
			return pfs, err
		}
	}
	return pfs, firstErr
}

// repCounters reads a representor's rx_packets and rx_bytes from sysfs
// below the Host's root (one read each).
func (c *Collector) repCounters(netdev string) (packets, bytes uint64, err error) {
	if err := errs.ValidateIfName(netdev); err != nil {
		return 0, 0, err
	}
	fs := c.cfg.Host.FS()
	read := func(name string) (uint64, error) {
		rel := "sys/class/net/" + netdev + "/statistics/" + name
		v, err := fs.ReadString(rel)
		if err != nil {
			return 0, &errs.Error{Op: "read netdev counter", Device: netdev, Path: fs.Abs(rel), Err: err}
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, &errs.Error{Op: "read netdev counter", Device: netdev, Path: fs.Abs(rel), Err: errs.Invalid("counter", v, "not a decimal number")}
		}
		return n, nil
	}
	if packets, err = read("rx_packets"); err != nil {
		return 0, 0, err
	}
	if bytes, err = read("rx_bytes"); err != nil {
		return 0, 0, err
	}
	return packets, bytes, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func labelOr(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// subsystemError names the subsystem and the object in an error.
func subsystemError(sub, what string, err error) error {
	return fmt.Errorf("%s: %s: %w", sub, what, err)
}
