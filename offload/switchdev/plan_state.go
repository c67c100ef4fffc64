package switchdev

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/offload"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// PFState is what a switchdev plan reads and changes on one PF. Two reads
// of an unchanged host compare equal, which is how rollback is checked and
// how Apply notices that another agent changed the host after planning.
type PFState struct {
	PF     offload.PCIAddress `json:"pf"`
	Driver string             `json:"driver"`
	// Admin and Uplink are the netdevs the backend's Profile names.
	Admin  string `json:"admin,omitempty"`
	Uplink string `json:"uplink,omitempty"`
	// Mode is the eswitch mode; ModeSource says where it came from:
	// "kernel" (devlink, or the MLNX_OFED compat file), "inferred" (from
	// the uplink's phys_switch_id, on hosts without devlink) or "none"
	// (the backend has no kernel eswitch: YUSUR).
	Mode       offload.ESwitchMode `json:"mode"`
	ModeSource string              `json:"mode_source"`
	TotalVFs   int                 `json:"total_vfs"`
	NumVFs     int                 `json:"num_vfs"`
	// Autoprobe is sriov_drivers_autoprobe; HasAutoprobe is false on
	// kernels without the file.
	Autoprobe    bool `json:"autoprobe"`
	HasAutoprobe bool `json:"has_autoprobe"`
	// VFDrivers[i] is the driver VF i is bound to, "" when unbound.
	VFDrivers []string `json:"vf_drivers"`
	// HWTCOffload is the uplink's hw-tc-offload; nil when it cannot be
	// read (no ethtool on this host, or no uplink).
	HWTCOffload *bool `json:"hw_tc_offload,omitempty"`
	// Params are the devlink runtime parameters of the backend's Profile
	// that could be read, as text.
	Params map[string]string `json:"params,omitempty"`
	// Compat are the MLNX_OFED compat/devlink files of the uplink that
	// exist (mode, steering_mode, ...).
	Compat map[string]string `json:"compat,omitempty"`
	// Bond is the bond the uplink is enslaved to, nil when none.
	Bond *offload.Bond `json:"bond,omitempty"`
	// VFReps is how many local VF representor netdevs the PF has.
	VFReps int `json:"vf_reps"`
}

// Summary renders the state in one line.
func (s PFState) Summary() string {
	var parts []string
	switch s.ModeSource {
	case "none":
		parts = append(parts, s.PF.String()+" no kernel eswitch")
	case "inferred":
		parts = append(parts, fmt.Sprintf("%s eswitch %s (inferred)", s.PF, s.Mode))
	default:
		parts = append(parts, fmt.Sprintf("%s eswitch %s", s.PF, s.Mode))
	}
	bound := 0
	drivers := map[string]bool{}
	for _, d := range s.VFDrivers {
		if d != "" {
			bound++
			drivers[d] = true
		}
	}
	vf := fmt.Sprintf("%d/%d VFs", s.NumVFs, s.TotalVFs)
	if s.NumVFs > 0 {
		var ds []string
		for d := range drivers {
			ds = append(ds, d)
		}
		sort.Strings(ds)
		if len(ds) > 0 {
			vf += fmt.Sprintf(" (%d bound to %s)", bound, strings.Join(ds, ","))
		} else {
			vf += " (unbound)"
		}
	}
	parts = append(parts, vf)
	if s.Uplink != "" && s.ModeSource != "none" {
		switch {
		case s.HWTCOffload == nil:
			parts = append(parts, "hw-tc-offload of "+s.Uplink+" unknown")
		case *s.HWTCOffload:
			parts = append(parts, "hw-tc-offload of "+s.Uplink+" on")
		default:
			parts = append(parts, "hw-tc-offload of "+s.Uplink+" off")
		}
	}
	keys := make([]string, 0, len(s.Params))
	for k := range s.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+" "+s.Params[k])
	}
	if v, ok := s.Compat["steering_mode"]; ok {
		parts = append(parts, "compat steering_mode "+v)
	}
	if s.Bond != nil {
		parts = append(parts, fmt.Sprintf("in bond %s (%s)", s.Bond.Name, s.Bond.Mode))
	}
	return strings.Join(parts, ", ")
}

// vfDriver returns the driver of VF i, "" when unbound or absent.
func (s *PFState) vfDriver(i int) string {
	if i < len(s.VFDrivers) {
		return s.VFDrivers[i]
	}
	return ""
}

func (s PFState) clone() PFState {
	c := s
	c.VFDrivers = append([]string(nil), s.VFDrivers...)
	if s.HWTCOffload != nil {
		v := *s.HWTCOffload
		c.HWTCOffload = &v
	}
	c.Params = cloneMap(s.Params)
	c.Compat = cloneMap(s.Compat)
	if s.Bond != nil {
		b := *s.Bond
		b.Slaves = append([]string(nil), s.Bond.Slaves...)
		c.Bond = &b
	}
	return c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// State reads the switchdev-relevant state of pf, as the backend
// that drives it sees it.
func (e *Engine) State(ctx context.Context, pf offload.PCIAddress) (*PFState, error) {
	p, err := e.h.PF(ctx, pf)
	if err != nil {
		return nil, err
	}
	b := e.backendForPF(p)
	st, err := e.readState(ctx, p, b.Profile(p))
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// readState reads the state of pf with the netdevs and params of prof.
func (e *Engine) readState(ctx context.Context, pf *offload.PF, prof Profile) (PFState, error) {
	st := PFState{PF: pf.Address, Driver: pf.Driver, Admin: prof.Admin, Uplink: prof.Uplink, TotalVFs: pf.TotalVFs, NumVFs: pf.NumVFs}
	if prof.Order == OrderNoESwitch {
		st.ModeSource = "none"
	} else {
		var err error
		if st.Mode, st.ModeSource, err = e.readMode(ctx, pf); err != nil {
			return st, err
		}
	}
	if ap, err := e.h.DriversAutoprobe(ctx, pf.Address); err == nil {
		st.Autoprobe, st.HasAutoprobe = ap, true
	} else if !errors.Is(err, errs.ErrNotSupported) {
		return st, err
	}
	st.VFDrivers = make([]string, 0, len(pf.VFs))
	for _, vf := range pf.VFs {
		for len(st.VFDrivers) < vf.Index {
			st.VFDrivers = append(st.VFDrivers, "")
		}
		st.VFDrivers = append(st.VFDrivers, vf.Driver)
	}
	for _, r := range pf.Representors {
		if r.PortName.Flavour == offload.PortFlavourPCIVF && r.PortName.Controller <= 0 {
			st.VFReps++
		}
	}
	if st.Uplink != "" {
		if prof.HWTCOffload {
			on, err := e.h.HWTCOffload(ctx, st.Uplink)
			switch {
			case err == nil:
				st.HWTCOffload = &on
			case errors.Is(err, errs.ErrNotSupported), errors.Is(err, errs.ErrNotFound):
			default:
				return st, err
			}
		}
		var err error
		if st.Bond, err = e.h.BondOf(ctx, st.Uplink); err != nil {
			return st, err
		}
		for _, name := range compatFiles() {
			if v, err := CompatDevlink(e.h, st.Uplink, name); err == nil {
				if st.Compat == nil {
					st.Compat = map[string]string{}
				}
				st.Compat[name] = v
			}
		}
	}
	for _, name := range prof.Params {
		v, err := e.h.Devlink(offload.PCIDevice(pf.Address)).Param(ctx, name, offload.ParamCModeRuntime)
		switch {
		case err == nil:
			if st.Params == nil {
				st.Params = map[string]string{}
			}
			st.Params[name] = v.Text()
		case errors.Is(err, errs.ErrNotSupported), errors.Is(err, errs.ErrNotFound), errors.Is(err, errs.ErrInvalidArgument):
			// The driver or kernel lacks the parameter; a backend that
			// needs it falls back (compat sysfs) or refuses.
		default:
			return st, err
		}
	}
	return st, nil
}

// readMode reads the eswitch mode through devlink or the MLNX_OFED compat
// file; on a host with neither it infers it from the PF netdevs: in
// switchdev mode the uplink is a switch port with a phys_switch_id, in
// legacy mode (and on nfp with NIC firmware) it has none.
func (e *Engine) readMode(ctx context.Context, pf *offload.PF) (offload.ESwitchMode, string, error) {
	m, err := e.h.Devlink(offload.PCIDevice(pf.Address)).ESwitchMode(ctx)
	if err == nil {
		return m, "kernel", nil
	}
	// No devlink here, or no devlink instance for this device (ENODEV: an
	// out-of-tree driver such as YUSUR's): infer.
	if !errors.Is(err, errs.ErrNotSupported) && !errors.Is(err, errs.ErrNotFound) {
		return offload.ESwitchModeUnknown, "", err
	}
	for _, nd := range pf.Netdevs {
		if nd.SwitchID != "" {
			return offload.ESwitchModeSwitchdev, "inferred", nil
		}
	}
	if len(pf.Representors) > 0 {
		return offload.ESwitchModeSwitchdev, "inferred", nil
	}
	return offload.ESwitchModeLegacy, "inferred", nil
}

// boolText renders an optional bool for steps.
func boolText(b *bool) string {
	switch {
	case b == nil:
		return "unknown"
	case *b:
		return "on"
	}
	return "off"
}

func itoa(i int) string { return strconv.Itoa(i) }
