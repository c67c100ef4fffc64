package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/offloadkit/offloadkit/offload"
)

// planFlags are plan's and apply's own flags: a node config, or one PF
// (or every PF) described by flags.
type planFlags struct {
	common
	config, pf, mode, steering, bond string
	vfs                              int
	noTC                             bool
}

func (p *planFlags) register(fs *flag.FlagSet) {
	p.common.register(fs, true, 10*time.Minute)
	fs.StringVar(&p.config, "config", "", "node config `FILE` (YAML; see the package doc); excludes -pf and the flags below")
	fs.StringVar(&p.pf, "pf", "", "the PF at `PCI` address (default: every SR-IOV PF)")
	fs.IntVar(&p.vfs, "vfs", -1, "wanted VF count `N` (-1 keeps the current count)")
	fs.StringVar(&p.mode, "eswitch-mode", "switchdev", "wanted eswitch `MODE`: switchdev or legacy")
	fs.StringVar(&p.steering, "steering", "", "mlx5 flow_steering_mode `MODE`: smfs, dmfs or hmfs (default: keep)")
	fs.StringVar(&p.bond, "bond", "refuse", "a PF in a bond: refuse, release or vf-lag")
	fs.BoolVar(&p.noTC, "no-hw-tc-offload", false, "leave hw-tc-offload as it is")
}

// nodeConfig is -config's file, or the config the flags describe.
func (p *planFlags) nodeConfig(fs *flag.FlagSet) (*NodeConfig, error) {
	if p.config != "" {
		bad := ""
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "pf", "vfs", "eswitch-mode", "steering", "bond", "no-hw-tc-offload":
				bad = f.Name
			}
		})
		if bad != "" {
			return nil, usagef("-config excludes -%s", bad)
		}
		return loadConfig(p.config)
	}
	pc := PFConfig{PCI: p.pf, ESwitchMode: p.mode, FlowSteering: p.steering, Bond: p.bond}
	if p.pf == "" {
		pc.Selector = &Selector{}
	}
	if p.vfs >= 0 {
		pc.VFs = &p.vfs
	}
	on := !p.noTC
	pc.HWTCOffload = &on
	c := &NodeConfig{PFs: []PFConfig{pc}}
	if err := c.check("flags"); err != nil {
		return nil, err
	}
	return c, nil
}

type planResult struct {
	Root  string     `json:"root,omitempty"`
	Tree  string     `json:"tree,omitempty"`
	Plans []planOut  `json:"plans"`
	After []stateOut `json:"after,omitempty"`
}

func runPlan(ctx context.Context, e env, args []string) error {
	return planOrApply(ctx, e, args, false)
}
func runApply(ctx context.Context, e env, args []string) error {
	return planOrApply(ctx, e, args, true)
}

func planOrApply(ctx context.Context, e env, args []string, apply bool) error {
	name := "plan"
	if apply {
		name = "apply"
	}
	var p planFlags
	fs := newFlags(e, name, "[-tree NAME | -root DIR] (-config FILE | [-pf PCI] [-vfs N] [-eswitch-mode MODE] [-steering MODE] [-bond POLICY] [-no-hw-tc-offload]) [-o json]")
	p.register(fs)
	if err := p.parse(fs, args); err != nil {
		return err
	}
	if p.listTrees(e.stdout) {
		return nil
	}
	cfg, err := p.nodeConfig(fs)
	if err != nil {
		return err
	}
	if apply && p.tree == "" && !p.liveKernel() {
		return usagef("-root %s with apply would write plain files with no kernel behind them; use -tree NAME, the real root, or -host-kernel when -root is the host's filesystem", p.root)
	}
	// The engine logs each step as it starts: on stderr, that is the
	// progress of an apply.
	var log *slog.Logger
	if apply {
		log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	h, done, err := p.openHost(log)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	eng := newEngine(h)
	ts, err := cfg.resolve(ctx, h)
	if err != nil {
		return err
	}
	ps, err := planTargets(ctx, eng, ts)
	if err != nil {
		return err
	}
	out := planResult{Root: p.root, Tree: p.tree, Plans: []planOut{}}
	if p.tree != "" {
		out.Root = ""
	}
	failed := 0
	for i := range ps {
		if ps[i].plan == nil {
			failed++
			continue
		}
		if !apply {
			continue
		}
		stop := progress(e.stderr, ps[i].out.PF)
		err := applyPlan(ctx, ps[i].plan)
		stop()
		if err != nil {
			ps[i].out.ApplyError = err.Error()
			failed++
		} else {
			ps[i].out.Applied = true
		}
	}
	for _, pp := range ps {
		out.Plans = append(out.Plans, pp.out)
	}
	if apply {
		sts, err := stateAfter(ctx, eng, ps)
		if err != nil {
			return err
		}
		for _, s := range sts {
			out.After = append(out.After, stateOut{State: s, Summary: stateSummary(s)})
		}
	}
	if p.json() {
		if err := writeJSON(e.stdout, out); err != nil {
			return err
		}
	} else {
		printPlans(e.stdout, out, apply)
	}
	if len(ps) == 0 {
		fmt.Fprintf(e.stderr, "offloadctl %s: the config selects no PF on this host\n", name)
	}
	if failed > 0 {
		return findingsError{msg: fmt.Sprintf("%d of %d PFs could not be planned or applied (see above)", failed, len(ps))}
	}
	return nil
}

// progress prints, every few seconds while an apply runs, how long it has
// been running: VF creation on a 125-VF mlx5 PF takes about a minute.
func progress(w io.Writer, pf offload.PCIAddress) func() {
	start := time.Now()
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(3 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(w, "offloadctl: applying %s: still working (%s)\n", pf, time.Since(start).Round(time.Second))
			}
		}
	}()
	return func() { close(done); <-stopped }
}

func printPlans(w io.Writer, out planResult, apply bool) {
	for _, p := range out.Plans {
		switch {
		case p.Error != "":
			fmt.Fprintf(w, "%s: cannot plan: %s\n", p.PF, p.Error)
		default:
			fmt.Fprint(w, planText(p.Plan))
			if apply {
				if p.ApplyError != "" {
					fmt.Fprintf(w, "  apply FAILED (rolled back): %s\n", p.ApplyError)
				} else if planEmpty(p.Plan) {
					fmt.Fprintln(w, "  applied: nothing to do")
				} else {
					fmt.Fprintf(w, "  applied: %d steps\n", planSteps(p.Plan))
				}
			}
		}
	}
	if len(out.After) > 0 {
		fmt.Fprintln(w, "\nstate after:")
		for _, s := range out.After {
			fmt.Fprintf(w, "  %s\n", s.Summary)
		}
	}
}
