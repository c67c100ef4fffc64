package main

import (
	"context"
	"fmt"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/switchdev"
	corigine "github.com/offloadkit/offloadkit/vendor_corigine"
	mellanox "github.com/offloadkit/offloadkit/vendor_mellanox"
	yusur "github.com/offloadkit/offloadkit/vendor_yusur"
)

// The calls into offload/switchdev live in this file (and the collector's
// doctor.go), so a change of the engine's Spec or check states is adapted
// here.

// newEngine gives h the switchdev engine with every vendor backend this
// repository ships.
func newEngine(h *offload.Host) *switchdev.Engine {
	return switchdev.New(h, switchdev.Config{Backends: []switchdev.Backend{mellanox.New(), corigine.New(), yusur.New(yusur.Config{})}})
}

// specOf turns a config entry into the engine's Spec, every field set
// explicitly (the config's absent values mean "keep" or the documented
// default, whatever the engine's zero values mean).
func specOf(p PFConfig) (switchdev.Spec, error) {
	spec := switchdev.Spec{NumVFs: switchdev.KeepNumVFs, Mode: offload.ESwitchModeSwitchdev, HWTCOffload: true}
	if p.VFs != nil {
		spec.NumVFs = *p.VFs
	}
	if p.ESwitchMode != "" {
		m, ok := offload.ParseESwitchMode(p.ESwitchMode)
		if !ok || m == offload.ESwitchModeSwitchdevInactive {
			return spec, fmt.Errorf("eswitchMode %q: want legacy or switchdev", p.ESwitchMode)
		}
		spec.Mode = m
	}
	switch fs := offload.FlowSteeringMode(p.FlowSteering); fs {
	case "", offload.FlowSteeringSMFS, offload.FlowSteeringDMFS, offload.FlowSteeringHMFS:
		spec.FlowSteering = fs
	default:
		return spec, fmt.Errorf("flowSteering %q: want smfs, dmfs or hmfs", p.FlowSteering)
	}
	if p.HWTCOffload != nil {
		spec.HWTCOffload = *p.HWTCOffload
	}
	if p.Bond != "" {
		bp, err := switchdev.ParseBondPolicy(p.Bond)
		if err != nil {
			return spec, err
		}
		spec.Bond = bp
	}
	if p.BondMode != "" {
		m := offload.ParseBondMode(p.BondMode)
		if m == offload.BondModeUnknown {
			return spec, fmt.Errorf("bondMode %q: unknown bond mode", p.BondMode)
		}
		spec.BondMode = m
	}
	return spec, nil
}

// planOut is one PF's plan, or why there is none, for output.
type planOut struct {
	PF         offload.PCIAddress `json:"pf"`
	Plan       *switchdev.Plan    `json:"plan,omitempty"`
	Error      string             `json:"error,omitempty"`
	Applied    bool               `json:"applied,omitempty"`
	ApplyError string             `json:"apply_error,omitempty"`
}

// planned is a plan ready to apply.
type planned struct {
	out  planOut
	plan *switchdev.Plan
}

// planTargets plans every target; a PF that cannot be planned has Error set.
func planTargets(ctx context.Context, e *switchdev.Engine, ts []target) ([]planned, error) {
	var out []planned
	for _, t := range ts {
		spec, err := specOf(t.Cfg)
		if err != nil {
			return nil, usagef("%s: %w", t.PF, err)
		}
		p := planned{out: planOut{PF: t.PF}}
		plan, err := e.Plan(ctx, t.PF, spec)
		if err != nil {
			p.out.Error = err.Error()
		} else {
			p.out.Plan, p.plan = plan, plan
		}
		out = append(out, p)
	}
	return out, nil
}

func planText(p *switchdev.Plan) string { return p.String() }
func planSteps(p *switchdev.Plan) int   { return len(p.Steps) }
func planEmpty(p *switchdev.Plan) bool  { return p.Empty() }

// applyPlan applies p (rolling back on failure, as Apply does).
func applyPlan(ctx context.Context, p *switchdev.Plan) error { return p.Apply(ctx) }

// stateAfter reads each touched PF's state after an apply.
func stateAfter(ctx context.Context, e *switchdev.Engine, ps []planned) ([]*switchdev.PFState, error) {
	seen := map[offload.PCIAddress]bool{}
	var out []*switchdev.PFState
	for _, p := range ps {
		if p.plan == nil {
			continue
		}
		for _, a := range p.plan.PFs {
			if seen[a] {
				continue
			}
			seen[a] = true
			st, err := e.State(ctx, a)
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		}
	}
	return out, nil
}

func stateSummary(s *switchdev.PFState) string { return s.Summary() }

// stateOut is a PF's state after an apply.
type stateOut struct {
	State   *switchdev.PFState `json:"state"`
	Summary string             `json:"summary"`
}

// doctorReport runs the doctor; with an OVSDB endpoint its OVS checks read
// OVS over it.
func doctorReport(ctx context.Context, e *switchdev.Engine, endpoint string) (*switchdev.Report, error) {
	var cfg switchdev.DoctorConfig
	if endpoint != "" {
		cfg.OVS = switchdev.OVSDBStatus(endpoint)
	}
	return e.Doctor(ctx, cfg)
}

// doctorFailed counts the checks that failed.
func doctorCount(r *switchdev.Report, st switchdev.CheckStatus) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == st {
			n++
		}
	}
	return n
}
