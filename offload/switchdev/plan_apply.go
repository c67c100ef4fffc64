package switchdev

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/internal/fwlink"

	"github.com/offloadkit/offloadkit/offload"

	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// Plan computes, from the current state, the ordered steps that
// bring pf to spec with the backend that drives it (GenericBackend when
// none of the Engine's backends matches; the plan then says so in a note). Nothing is changed. A host already
// in the wanted state gives an empty plan. A prerequisite the backend
// reports as failed (CheckFail), a bond under BondRefuse, or a wanted state
// the driver cannot reach gives an error instead of a plan.
func (e *Engine) Plan(ctx context.Context, pf offload.PCIAddress, spec Spec) (*Plan, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	p, err := e.h.PF(ctx, pf)
	if err != nil {
		return nil, err
	}
	backend := e.backendForPF(p)
	if !backend.Matches(p.ID, p.Driver) {
		return nil, &errs.Error{Op: "plan switchdev", Device: pf.String(), Err: fmt.Errorf("%w: no backend drives %s (driver %q)", errs.ErrNotSupported, p.ID, p.Driver)}
	}
	for _, c := range backend.Check(ctx, e.view(), p) {
		if c.Status == CheckFail && !c.Planned {
			return nil, &errs.Error{Op: "plan switchdev", Device: pf.String(),
				Err: fmt.Errorf("%w: prerequisite %q failed: %s (fix: %s)", errs.ErrNotSupported, c.Name, c.Detail, c.Fix)}
		}
	}
	b := &PlanBuilder{e: e, h: e.h, spec: spec, pf: p, backend: backend, pfs: map[offload.PCIAddress]*pfPlan{}}
	if _, err := b.load(ctx, pf); err != nil {
		return nil, err
	}
	if _, generic := backend.(GenericBackend); generic {
		// Never silent: a card planned without its vendor's order may fail
		// in ways the vendor backend would have avoided.
		b.Note("generic kernel order (mode first, then VFs): no vendor backend for %s (%s) was given to the engine", p.Driver, p.ID)
	}
	if err := backend.Plan(ctx, b); err != nil {
		return nil, err
	}
	if b.err != nil {
		return nil, &errs.Error{Op: "plan switchdev", Device: pf.String(), Err: b.err}
	}
	plan := &Plan{PF: pf, Backend: backend.Name(), Profile: b.pfs[pf].prof, Spec: spec, Steps: b.steps, Notes: b.notes, e: e, backend: backend}
	for addr := range b.pfs {
		plan.PFs = append(plan.PFs, addr)
	}
	sort.Slice(plan.PFs, func(i, j int) bool { return plan.PFs[i].String() < plan.PFs[j].String() })
	for _, addr := range plan.PFs {
		plan.Before = append(plan.Before, b.pfs[addr].basis)
	}
	return plan, nil
}

func (s Spec) validate() error {
	if s.NumVFs < NoVFs {
		return errs.Invalid("VF count", strconv.Itoa(s.NumVFs), "want a count, KeepNumVFs (0) or NoVFs")
	}
	switch s.Mode {
	case offload.ESwitchModeUnknown, offload.ESwitchModeLegacy, offload.ESwitchModeSwitchdev:
	default:
		return errs.Invalid("eswitch mode", s.Mode.String(), "want legacy or switchdev")
	}
	switch s.FlowSteering {
	case "", offload.FlowSteeringSMFS, offload.FlowSteeringDMFS, offload.FlowSteeringHMFS:
	default:
		return errs.Invalid("flow steering mode", string(s.FlowSteering), "want smfs, dmfs or hmfs")
	}
	if int(s.Bond) >= len(bondPolicyNames) {
		return errs.Invalid("bond policy", s.Bond.String(), "want refuse, release or vf-lag")
	}
	if s.BondMode != offload.BondModeUnknown && !s.BondMode.VFLAGCapable() {
		return errs.Invalid("bond mode", s.BondMode.String(), "VF LAG needs active-backup, balance-xor or 802.3ad")
	}
	if s.BondName != "" {
		if err := errs.ValidateIfName(s.BondName); err != nil {
			return err
		}
		if s.Bond != BondVFLAG {
			return errs.Invalid("bond name", s.BondName, "a bond is only formed with bond policy vf-lag")
		}
	}
	if s.StepTimeout < 0 {
		return errs.Invalid("step timeout", s.StepTimeout.String(), "negative")
	}
	return nil
}

// Outcome is what became of one step of a failed Apply, as read back
// after the rollback.
type Outcome uint8

// Step outcomes.
const (
	// OutcomeUndone: the step had taken effect (or partly) and was undone;
	// reading it back shows the value from before Apply.
	OutcomeUndone Outcome = iota + 1
	// OutcomeNeverApplied: the failed step did not take effect; reading it
	// back, with no write of it still in flight, shows the value from
	// before, so there was nothing to undo.
	OutcomeNeverApplied
	// OutcomeUnknown: the library cannot tell what the host holds (a write
	// still in flight, an undo that failed, a value that could not be read
	// back, a value before Apply that was never known); StepOutcome.Why
	// says which.
	OutcomeUnknown
)

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case OutcomeUndone:
		return "undone"
	case OutcomeNeverApplied:
		return "never applied"
	case OutcomeUnknown:
		return "unknown"
	}
	return fmt.Sprintf("outcome(%d)", uint8(o))
}

// MarshalText renders the outcome name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// StepOutcome is the outcome of step N of a failed Apply.
type StepOutcome struct {
	// N is the 1-based step number in the plan that ran.
	N       int     `json:"n"`
	Step    Step    `json:"step"`
	Outcome Outcome `json:"outcome"`
	// Why explains an OutcomeUnknown, and how long Apply waited for a
	// write in flight.
	Why string `json:"why,omitempty"`
}

// ApplyError is the error of a failed Apply: which step failed and why,
// and what became of every step that ran. errors.Is and errors.As see the
// step's cause and any rollback failure.
type ApplyError struct {
	// PF is the PF the plan was for.
	PF offload.PCIAddress
	// Step is the 1-based number of the failed step; 0 when every step
	// succeeded but the final read-back found the host not in the wanted
	// state.
	Step int
	// Failed is the failed step (zero when Step is 0).
	Failed Step
	// Err is why it failed.
	Err error
	// RolledBack are the steps undone, in the order they were undone.
	RolledBack []Step
	// Outcomes says, for the failed step and each step before it, in the
	// order the rollback visited them, whether it was undone, never
	// applied, or is unknown (and why).
	Outcomes []StepOutcome
	// InFlight are writes of this Apply that had not returned when the
	// rollback gave up waiting for them (after Config.MaxInFlightWait):
	// the kernel may still apply them. The PF locks stay held until they
	// return.
	InFlight []string
	// RollbackErr joins the errors of undo steps that failed and of steps
	// whose outcome is unknown; nil only when every step read back as it
	// was before Apply, so the host is back in that state.
	RollbackErr error
}

// Error says which step failed, why, and what became of each step.
func (e *ApplyError) Error() string {
	var b strings.Builder
	if e.Step > 0 {
		fmt.Fprintf(&b, "switchdev %s: step %d (%s) failed: %v", e.PF, e.Step, e.Failed, e.Err)
	} else {
		fmt.Fprintf(&b, "switchdev %s: final check failed: %v", e.PF, e.Err)
	}
	if len(e.RolledBack) == 0 {
		b.WriteString("; nothing to roll back")
	} else {
		fmt.Fprintf(&b, "; rolled back %d step(s):", len(e.RolledBack))
		for _, s := range e.RolledBack {
			fmt.Fprintf(&b, " [undo %s]", s)
		}
	}
	for _, o := range e.Outcomes {
		if o.N == e.Step && o.Outcome != OutcomeUnknown {
			fmt.Fprintf(&b, "; step %d %s", o.N, o.Outcome)
			if o.Why != "" {
				fmt.Fprintf(&b, " (%s)", o.Why)
			}
		}
	}
	if len(e.InFlight) > 0 {
		fmt.Fprintf(&b, "; OUTCOME UNKNOWN, the host might not be as before: still in flight: %s (the PF lock stays held until they return)", strings.Join(e.InFlight, "; "))
	}
	if e.RollbackErr != nil {
		fmt.Fprintf(&b, "; ROLLBACK INCOMPLETE, the host needs attention: %v", e.RollbackErr)
	}
	return b.String()
}

// Unwrap returns the step's error and the rollback error.
func (e *ApplyError) Unwrap() []error {
	if e.RollbackErr != nil {
		return []error{e.Err, e.RollbackErr}
	}
	return []error{e.Err}
}

// Apply runs the plan. It first takes the lock of every PF the plan
// touches (a file lock under Spec.RunDir, so concurrent agents on one
// host are serialised) and re-reads their state; if another agent changed
// the host since the plan was made, the plan is computed again under the
// lock (and Apply does nothing when the host is now in the wanted state).
// Each step runs under its own timeout and is verified by reading back; a
// step that fails rolls back the steps before it, in reverse (rebinding
// VFs, restoring the mode and VF count), so the host is left as it was.
// After the last step the plan is computed again: a host not in the
// wanted state is rolled back too. On failure the error is an
// *ApplyError, which says per step whether it was undone, never applied,
// or is unknown.
//
// A sysfs write cannot be interrupted: when a step's deadline passes with
// its write still in the kernel, the rollback first waits for the write
// to return (at most Config.MaxInFlightWait), re-reads and undoes what it
// did. A write still in flight after that is reported (ApplyError.InFlight,
// OutcomeUnknown) and the PF locks stay held, in the background, until it
// returns, so no other agent plans from a state that is about to change.
// netlink requests (devlink, ethtool) are executed by the kernel within
// the send, so when the call returns, even with a timeout, re-reading
// tells what it did.
func (p *Plan) Apply(ctx context.Context) error {
	if p.e == nil {
		return errs.Invalid("plan", "", "not made by Engine.Plan")
	}
	unlock, err := p.e.lockPFs(ctx, p.Spec.RunDir, p.PFs)
	if err != nil {
		return err
	}
	release := unlock
	defer func() { release() }()
	steps := p.Steps
	changed, err := p.changedSince(ctx)
	if err != nil {
		return err
	}
	if changed {
		fresh, err := p.e.Plan(ctx, p.PF, p.Spec)
		if err != nil {
			return fmt.Errorf("host changed since the plan was made; planning again: %w", err)
		}
		if !reflect.DeepEqual(fresh.PFs, p.PFs) {
			return &errs.Error{Op: "apply switchdev plan", Device: p.PF.String(), Err: fmt.Errorf("%w: the host changed since the plan was made and the new plan touches other PFs; plan again", errs.ErrBusy)}
		}
		p.e.log.Info("host changed since the plan was made; using a fresh plan", "pf", p.PF, "steps", len(fresh.Steps))
		steps = fresh.Steps
	}
	holdUntil := func(stuck []*sysfs.Pending) {
		if len(stuck) == 0 {
			return
		}
		// The PF stays locked until the kernel has answered every write
		// of ours; the caller is told (ApplyError.InFlight).
		release = func() {
			go func() {
				for _, w := range stuck {
					<-w.Done()
				}
				p.e.log.Warn("switchdev: late writes returned; releasing the PF locks", "pf", p.PF)
				unlock()
			}()
		}
	}
	for i, s := range steps {
		if s.Manual {
			// Never run: proven by the host, or confirmed, or the end of
			// what this Apply can do. The steps before stay: they are what
			// the operator's step needs (the link a reload loads).
			if why := p.manualPending(ctx, s); why != "" {
				me := &ManualStepError{PF: p.PF, Step: i + 1, Why: why,
					Applied: append([]Step(nil), steps[:i]...), Remaining: append([]Step(nil), steps[i:]...)}
				p.e.log.Warn("switchdev: stopped at a manual step", "pf", p.PF, "n", i+1, "step", s.String(), "why", why)
				return me
			}
			p.e.log.Info("switchdev manual step done", "pf", p.PF, "n", i+1, "step", s.String())
			continue
		}
		p.e.log.Info("switchdev step", "pf", p.PF, "n", i+1, "of", len(steps), "step", s.String())
		seq := p.e.h.FS().WriteSeq()
		if err := p.e.runStep(ctx, s); err != nil {
			stuck, err := p.rollback(ctx, steps, i, s, err, seq)
			holdUntil(stuck)
			return err
		}
	}
	if len(steps) == 0 {
		return nil
	}
	seq := p.e.h.FS().WriteSeq()
	check, err := p.e.Plan(ctx, p.PF, p.Spec)
	if err == nil && !check.Empty() {
		err = fmt.Errorf("%w: after %d steps, %d remain: first is %s", errs.ErrNotApplied, len(steps), len(check.Steps), check.Steps[0])
	}
	if err != nil {
		stuck, err := p.rollback(ctx, steps, len(steps)-1, Step{}, err, seq)
		holdUntil(stuck)
		return err
	}
	return nil
}

// manualPending returns why manual step s is not done, "" when it is:
// the host shows its After value, or the caller confirmed it.
func (p *Plan) manualPending(ctx context.Context, s Step) string {
	cur, err := p.e.readValue(ctx, s)
	switch {
	case errors.Is(err, errNoReadBack):
		if p.confirmed[s.Kind] {
			return ""
		}
		return "nothing on the host shows it done; do it and confirm it (Plan.Confirm) or plan again"
	case err != nil:
		return "cannot tell whether it is done: " + err.Error()
	case matches(s.Kind, cur, s.After):
		return ""
	}
	return fmt.Sprintf("not done: the host shows %s, want %s", cur.text(s.Kind), s.To())
}

// ManualStepError is Apply's error when it reaches a manual step
// (Step.Manual) that the host does not show done and the caller has not
// confirmed. Nothing was rolled back: the steps before it (Applied) stay,
// because they are what the operator's step needs (the firmware link a
// driver reload loads), and no step after it ran. The operator does the
// manual steps of Remaining by hand (each Step's Command, minding its
// Risk); then plan again, which starts from the host as it is by then.
// errors.Is(err, errs.ErrNotApplied) is true.
type ManualStepError struct {
	// PF is the PF the plan was for.
	PF offload.PCIAddress `json:"pf"`
	// Step is the 1-based number of the manual step Apply stopped at.
	Step int `json:"step"`
	// Why says why Apply could not go past it.
	Why string `json:"why"`
	// Applied are the steps this Apply ran, and kept.
	Applied []Step `json:"applied"`
	// Remaining are the manual step and every step after it, not run.
	Remaining []Step `json:"remaining"`
}

// Error names the step and lists what is left to do by hand.
func (e *ManualStepError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "switchdev %s: stopped at step %d, an operator action (%s): %s", e.PF, e.Step, e.Remaining[0], e.Why)
	if len(e.Applied) > 0 {
		fmt.Fprintf(&b, "; %d step(s) before it applied and kept", len(e.Applied))
	}
	b.WriteString("; to do by hand, then plan again:")
	for _, s := range e.Remaining {
		if s.Manual {
			fmt.Fprintf(&b, " [$ %s]", s.Command)
		}
	}
	return b.String()
}

// Unwrap returns errs.ErrNotApplied: the plan is not fully applied.
func (e *ManualStepError) Unwrap() error { return errs.ErrNotApplied }

// changedSince reports whether any PF of the plan differs from p.Before.
func (p *Plan) changedSince(ctx context.Context) (bool, error) {
	for _, before := range p.Before {
		pf, err := p.e.h.PF(ctx, before.PF)
		if err != nil {
			return false, err
		}
		now, err := p.e.readState(ctx, pf, p.e.backendForPF(pf).Profile(pf))
		if err != nil {
			return false, err
		}
		if !reflect.DeepEqual(now, before) {
			return true, nil
		}
	}
	return false, nil
}

// waitInFlight waits, at most e.maxInFlight, for the writes numbered after
// seq that outlived their step's deadline; it returns those still in
// flight and a note of what it waited for.
func (e *Engine) waitInFlight(seq uint64) (stuck []*sysfs.Pending, note string) {
	pending := e.h.FS().InFlight(seq)
	if len(pending) == 0 {
		return nil, ""
	}
	start := time.Now()
	limit := time.NewTimer(e.maxInFlight)
	defer limit.Stop()
	for _, w := range pending {
		select {
		case <-w.Done():
		case <-limit.C:
			// The timer fired: what is not done now stays stuck.
			for _, w := range pending {
				select {
				case <-w.Done():
				default:
					stuck = append(stuck, w)
				}
			}
			return stuck, fmt.Sprintf("waited %s for %d write(s) still in flight after the step's deadline; %d did not return", e.maxInFlight, len(pending), len(stuck))
		}
	}
	return nil, fmt.Sprintf("waited %s for %d write(s) still in flight after the step's deadline", time.Since(start).Round(time.Millisecond), len(pending))
}

// rollback undoes steps[last] down to steps[0] and reads each back. The
// failed step itself is undone too unless it reads back unchanged with no
// write of it in flight: a step can fail after changing something (a VF
// count written but never verified, a devlink request applied after the
// deadline). It returns the writes still in flight and the *ApplyError.
func (p *Plan) rollback(ctx context.Context, steps []Step, last int, failed Step, cause error, seq uint64) ([]*sysfs.Pending, error) {
	ae := &ApplyError{PF: p.PF, Err: cause}
	if failed.Kind != 0 {
		ae.Step, ae.Failed = last+1, failed
	}
	// The caller's context may be what failed; rollback gets its own.
	rctx := context.WithoutCancel(ctx)
	stuck, waited := p.e.waitInFlight(seq)
	stuckPaths := map[string]bool{}
	for _, w := range stuck {
		stuckPaths[w.Path] = true
		ae.InFlight = append(ae.InFlight, fmt.Sprintf("write of %q to %s", w.Data, p.e.h.FS().Abs(w.Path)))
	}
	var rerrs []error
	for i := last; i >= 0; i-- {
		s := steps[i]
		out := StepOutcome{N: i + 1, Step: s}
		isFailed := failed.Kind != 0 && i == last
		if isFailed {
			out.Why = waited
		}
		if s.Manual {
			// An operator did it (Apply went past it); the library never
			// undoes what it never did.
			out.Outcome = OutcomeUnknown
			out.Why = "a manual step (operator action): offloadkit does not undo it"
			ae.Outcomes = append(ae.Outcomes, out)
			rerrs = append(rerrs, fmt.Errorf("step %d (%s): not undone: manual", i+1, s))
			continue
		}
		if stuckPaths[stepPath(s)] {
			out.Outcome = OutcomeUnknown
			out.Why = joinWhy(waited, "its write is still in flight and may yet be applied")
			ae.Outcomes = append(ae.Outcomes, out)
			rerrs = append(rerrs, fmt.Errorf("step %d (%s): outcome unknown: %s", i+1, s, out.Why))
			continue
		}
		if isFailed {
			if cur, err := p.e.readValue(rctx, s); err == nil && matches(s.Kind, cur, s.Before) {
				out.Outcome = OutcomeNeverApplied
				ae.Outcomes = append(ae.Outcomes, out)
				continue
			}
		}
		if err := p.e.undoStep(rctx, s); err != nil {
			if errors.Is(err, errNothingToUndo) {
				// The value before Apply was never known, so there is
				// nothing to restore, and nothing proves the host is
				// back: say so.
				out.Outcome = OutcomeUnknown
				out.Why = joinWhy(out.Why, "its value before Apply could not be read, so it was left as it is")
				ae.Outcomes = append(ae.Outcomes, out)
				rerrs = append(rerrs, fmt.Errorf("step %d (%s): not restored: %s", i+1, s, out.Why))
				continue
			}
			out.Outcome = OutcomeUnknown
			out.Why = joinWhy(out.Why, "undo failed: "+err.Error())
			ae.Outcomes = append(ae.Outcomes, out)
			rerrs = append(rerrs, fmt.Errorf("undo step %d (%s): %w", i+1, s, err))
			continue
		}
		// Re-read after every undo: the undo's own verification may not
		// cover what another write (a late one) did meanwhile.
		cur, err := p.e.readValue(rctx, s)
		switch {
		case errors.Is(err, errNoReadBack):
			out.Outcome = OutcomeUndone // the undo verified itself
		case err != nil:
			out.Outcome = OutcomeUnknown
			out.Why = joinWhy(out.Why, "cannot read it back after the undo: "+err.Error())
			rerrs = append(rerrs, fmt.Errorf("undo step %d (%s): %w", i+1, s, err))
		case !matches(s.Kind, cur, s.Before):
			out.Outcome = OutcomeUnknown
			out.Why = joinWhy(out.Why, fmt.Sprintf("reads %s after the undo, want %s", cur.text(s.Kind), s.From()))
			rerrs = append(rerrs, fmt.Errorf("undo step %d (%s): %w: %s", i+1, s, errs.ErrNotApplied, out.Why))
		default:
			out.Outcome = OutcomeUndone
		}
		if out.Outcome == OutcomeUndone {
			ae.RolledBack = append(ae.RolledBack, s)
		}
		ae.Outcomes = append(ae.Outcomes, out)
	}
	ae.RollbackErr = errors.Join(rerrs...)
	p.e.log.Error("switchdev plan failed", "pf", p.PF, "err", ae)
	return stuck, ae
}

func joinWhy(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// matches reports whether cur, read back, is want: equal, or for a VF that
// autoprobe was to bind, bound to some driver.
func matches(k StepKind, cur, want Value) bool {
	if (k == StepBindVF || k == StepUnbindVF) && want.Known && want.Autoprobe {
		return cur.Known && cur.Driver != ""
	}
	return cur.equal(k, want)
}

// stepPath is the sysfs file a step writes, relative to the root ("" for
// netlink steps), to match writes still in flight.
func stepPath(s Step) string {
	dev := "sys/bus/pci/devices/" + s.PF.String() + "/"
	switch s.Kind {
	case StepSetNumVFs:
		return dev + "sriov_numvfs"
	case StepSetAutoprobe:
		return dev + "sriov_drivers_autoprobe"
	case StepUnbindVF:
		return "sys/bus/pci/drivers/" + s.Before.Driver + "/unbind"
	case StepBindVF:
		return "sys/bus/pci/drivers/" + s.After.Driver + "/bind"
	case StepReleaseSlave, StepEnslave:
		return "sys/class/net/" + s.Bond + "/bonding/slaves"
	case StepSetCompat:
		return "sys/class/net/" + s.Netdev + "/compat/devlink/" + s.Target
	}
	return ""
}

// errNoReadBack is returned by readValue for a step whose value is
// verified by its own undo (the bond mode: Host.SetBondMode reads it back
// and restores the bond's admin state).
var errNoReadBack = errors.New("no separate read-back")

// readValue reads what step s changes, now, as a typed Value.
func (e *Engine) readValue(ctx context.Context, s Step) (Value, error) {
	v := known()
	switch s.Kind {
	case StepSetNumVFs:
		n, err := e.h.NumVFs(ctx, s.PF)
		v.NumVFs = n
		return v, err
	case StepSetAutoprobe:
		on, err := e.h.DriversAutoprobe(ctx, s.PF)
		v.On = on
		return v, err
	case StepUnbindVF, StepBindVF:
		vf, err := e.vfAddrByIndex(s.PF, s.VF)
		if errors.Is(err, errs.ErrNotFound) {
			return v, nil // no such VF: nothing bound
		}
		if err != nil {
			return Value{}, err
		}
		cur, err := e.h.VF(ctx, vf)
		if err != nil {
			return Value{}, err
		}
		v.Driver = cur.Driver
		return v, nil
	case StepSetESwitchMode:
		pf, err := e.h.PF(ctx, s.PF)
		if err != nil {
			return Value{}, err
		}
		m, _, err := e.readMode(ctx, pf)
		v.Mode = m
		return v, err
	case StepSetHWTCOffload:
		on, err := e.h.HWTCOffload(ctx, s.Target)
		v.On = on
		return v, err
	case StepSetParam:
		pv, err := e.h.Devlink(offload.PCIDevice(s.PF)).Param(ctx, s.Target, offload.ParamCModeRuntime)
		v.Param = pv
		return v, err
	case StepSetCompat:
		w, err := CompatDevlink(e.h, s.Netdev, s.Target)
		v.Word = w
		return v, err
	case StepReleaseSlave, StepEnslave:
		b, err := e.h.BondOf(ctx, s.Target)
		if b != nil {
			v.Bond = b.Name
		}
		return v, err
	case StepLinkFirmware:
		w, err := fwlink.Read(s.Target)
		v.Word = w
		return v, err
	case StepReloadDriver:
		return e.kernelMode(ctx, s.PF)
	case StepCreateBond:
		b, err := e.h.ReadBond(s.Target)
		if err != nil {
			return Value{}, err
		}
		if b != nil {
			v.Bond, v.BondMode = b.Name, b.Mode
		}
		return v, nil
	case StepSetLinkUp:
		up, err := e.h.LinkUp(ctx, s.Target)
		v.On = up
		return v, err
	}
	return Value{}, errNoReadBack
}

// kernelMode reads the eswitch mode devlink reports for pf, as the
// evidence a driver reload loaded the wanted firmware: the Agilio NIC
// firmware has no eswitch (the query fails with EOPNOTSUPP, read as
// ESwitchModeUnknown), flower's is switchdev. Unlike readMode it never
// infers a mode from phys_switch_id: a port can keep a switch ID under a
// firmware without an eswitch, and inference is not proof.
func (e *Engine) kernelMode(ctx context.Context, pf offload.PCIAddress) (Value, error) {
	v := known()
	m, err := e.h.Devlink(offload.PCIDevice(pf)).ESwitchMode(ctx)
	switch {
	case err == nil:
		v.Mode = m
	case errors.Is(err, errs.ErrNotSupported) && !isMissingCapability(err):
		v.Mode = offload.ESwitchModeUnknown
	default:
		return Value{}, err
	}
	return v, nil
}

// errNothingToUndo is returned by an undo whose step recorded no previous
// value to restore (a setting that could not be read when planning).
var errNothingToUndo = errors.New("nothing to undo")

// runStep does s under its timeout and verifies it.
func (e *Engine) runStep(ctx context.Context, s Step) error {
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	err := e.doStep(ctx, s, false)
	if err != nil && ctx.Err() != nil && !errors.Is(err, errs.ErrTimeout) {
		err = fmt.Errorf("%w after %s: %w", errs.ErrTimeout, s.Timeout, err)
	}
	return err
}

// rollbackTimeout is the least time an undo step gets: leaving the host
// half-configured is worse than waiting.
const rollbackTimeout = 30 * time.Second

// undoStep restores what s changed, under s's timeout or rollbackTimeout,
// whichever is longer.
func (e *Engine) undoStep(ctx context.Context, s Step) error {
	t := s.Timeout
	if t < rollbackTimeout {
		t = rollbackTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	return e.doStep(ctx, s, true)
}

// doStep does s, or its inverse when undo is set, with the step's typed
// values. Every branch verifies by reading back.
func (e *Engine) doStep(ctx context.Context, s Step, undo bool) error {
	val := s.After
	if undo {
		val = s.Before
	}
	if !val.Known {
		if undo {
			return errNothingToUndo // the value was unknown before
		}
		return errs.Invalid("plan step", s.String(), "no value to set")
	}
	switch s.Kind {
	case StepSetNumVFs:
		return e.setNumVFsVerified(ctx, s.PF, val.NumVFs)
	case StepSetAutoprobe:
		return e.h.SetDriversAutoprobe(ctx, s.PF, val.On) // reads back
	case StepUnbindVF, StepBindVF:
		bind := (s.Kind == StepBindVF) != undo
		drv := s.After // the driver bound by a bind step
		if s.Kind == StepUnbindVF {
			drv = s.Before // the driver an unbind step took the VF from
		}
		vf, err := e.vfAddrByIndex(s.PF, s.VF)
		if err != nil {
			if undo && errors.Is(err, errs.ErrNotFound) {
				return nil // the VF is gone; a later undo recreates it bound
			}
			return err
		}
		if bind {
			if drv.Driver == "" || drv.Autoprobe {
				return nil
			}
			return e.h.BindVF(ctx, vf, drv.Driver)
		}
		v, err := e.h.VF(ctx, vf)
		if err != nil {
			return err
		}
		cur := v.Driver
		if cur == "" || (undo && !drv.Autoprobe && cur != drv.Driver) {
			return nil
		}
		_, err = e.h.UnbindVF(ctx, vf)
		return err
	case StepSetESwitchMode:
		if err := e.h.Devlink(offload.PCIDevice(s.PF)).SetESwitchMode(ctx, val.Mode); err != nil {
			return err
		}
		return e.waitVFReps(ctx, s.PF, val.Mode)
	case StepSetHWTCOffload:
		return e.h.SetHWTCOffload(ctx, s.Target, val.On)
	case StepSetParam:
		return e.h.Devlink(offload.PCIDevice(s.PF)).SetParam(ctx, s.Target, offload.ParamCModeRuntime, val.Param)
	case StepSetCompat:
		return setCompatDevlink(ctx, e.h, s.Netdev, s.Target, val.Word)
	case StepReleaseSlave:
		if undo {
			return e.enslave(ctx, s.Bond, s.Target)
		}
		return e.releaseSlave(ctx, s.Bond, s.Target)
	case StepEnslave:
		if undo {
			return e.releaseSlave(ctx, s.Bond, s.Target)
		}
		return e.enslave(ctx, s.Bond, s.Target)
	case StepLinkFirmware:
		// Ownership before restoration: the link is changed only from
		// the value this step expects (planned, or set by this step when
		// undoing), never from what someone else put there since.
		cur, err := fwlink.Read(s.Target)
		if err != nil {
			return err
		}
		if cur == val.Word {
			return nil
		}
		from := s.Before.Word
		if undo {
			from = s.After.Word
		}
		if cur != from {
			return &errs.Error{Op: "link firmware", Path: s.Target,
				Err: fmt.Errorf("%w: points to %q, not %q as planned: changed by someone else, left alone", errs.ErrBusy, cur, from)}
		}
		return fwlink.Set(s.Target, val.Word)
	case StepRebuildInitramfs, StepReloadDriver:
		// Apply never gets here (it stops at manual steps); a caller
		// that does must not believe the library ran a program.
		return errs.Invalid("plan step", s.String(), "a manual step: an operator runs it")
	case StepSetBondMode:
		// SetBondMode takes the bond down for the change (the kernel
		// refuses a mode change on an up bond with EBUSY) and restores its
		// admin state; its own rollback restores mode and state when a
		// sub-step fails, so the undo below finds the old mode and is a
		// no-op.
		return e.h.SetBondMode(ctx, s.Target, val.BondMode)
	case StepCreateBond:
		if !undo {
			return e.h.CreateBond(ctx, s.Target, val.BondMode)
		}
		return e.deleteCreatedBond(ctx, s)
	case StepSetLinkUp:
		return e.h.SetLinkUp(ctx, s.Target, val.On) // reads back
	}
	return errs.Invalid("plan step", s.Kind.String(), "unknown kind")
}

// setNumVFsVerified sets the VF count (SetNumVFs waits for the VFs) and
// reads it back, and, in switchdev mode, waits for the representors.
func (e *Engine) setNumVFsVerified(ctx context.Context, pf offload.PCIAddress, n int) error {
	if err := e.h.SetNumVFs(ctx, pf, n); err != nil {
		return err
	}
	got, err := e.h.NumVFs(ctx, pf)
	if err != nil {
		return err
	}
	if got != n {
		return &errs.Error{Op: "set sriov_numvfs", Device: pf.String(), Err: fmt.Errorf("%w: %d VFs after setting %d", errs.ErrNotApplied, got, n)}
	}
	p, err := e.h.PF(ctx, pf)
	if err != nil {
		return err
	}
	m, _, err := e.readMode(ctx, p)
	if err != nil {
		return err
	}
	return e.waitVFReps(ctx, pf, m)
}

// waitVFReps waits, in switchdev mode, until every VF of pf has its
// representor netdev: the driver creates them after the mode change or VF
// creation returns. Backends whose representors are not netdevs skip it.
func (e *Engine) waitVFReps(ctx context.Context, pf offload.PCIAddress, m offload.ESwitchMode) error {
	if m != offload.ESwitchModeSwitchdev {
		return nil
	}
	p, err := e.h.PF(ctx, pf)
	if err != nil {
		return err
	}
	if e.backendForPF(p).Profile(p).Representors != RepresentorNetdev {
		return nil
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		n, err := e.h.NumVFs(ctx, pf)
		if err != nil {
			return err
		}
		cur, err := e.h.PF(ctx, pf)
		if err != nil {
			return &errs.Error{Op: "wait for VF representors", Device: pf.String(), Err: err}
		}
		got := 0
		for _, r := range cur.Representors {
			if r.PortName.Flavour == offload.PortFlavourPCIVF && r.PortName.Controller <= 0 {
				got++
			}
		}
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return &errs.Error{Op: "wait for VF representors", Device: pf.String(),
				Err: fmt.Errorf("%w: %d of %d representors: %w", errs.ErrTimeout, got, n, ctx.Err())}
		case <-tick.C:
		}
	}
}

// vfAddrByIndex resolves VF i of pf through its virtfn link; a VF that
// does not exist is ErrNotFound.
func (e *Engine) vfAddrByIndex(pf offload.PCIAddress, i int) (offload.PCIAddress, error) {
	a, exists, err := e.h.VFAddress(pf, i)
	if err != nil {
		return offload.PCIAddress{}, err
	}
	if !exists {
		return offload.PCIAddress{}, &errs.Error{Op: "find VF", Device: pf.String(), Err: fmt.Errorf("%w: no VF %d", errs.ErrNotFound, i)}
	}
	return a, nil
}

// releaseSlave takes slave out of bond through bonding/slaves and checks
// that its master link is gone.
func (e *Engine) releaseSlave(ctx context.Context, bond, slave string) error {
	if err := e.writeBondSlaves(ctx, bond, "-"+slave); err != nil {
		return err
	}
	if b, err := e.h.BondOf(ctx, slave); err != nil {
		return err
	} else if b != nil {
		return &errs.Error{Op: "release bond slave", Device: slave, Err: fmt.Errorf("%w: still in bond %s", errs.ErrNotApplied, b.Name)}
	}
	return nil
}

// enslave adds slave to bond (idempotent) and checks its master link.
func (e *Engine) enslave(ctx context.Context, bond, slave string) error {
	if b, err := e.h.BondOf(ctx, slave); err != nil {
		return err
	} else if b != nil && b.Name == bond {
		return nil
	}
	if err := e.writeBondSlaves(ctx, bond, "+"+slave); err != nil {
		return err
	}
	b, err := e.h.BondOf(ctx, slave)
	if err != nil {
		return err
	}
	if b == nil || b.Name != bond {
		return &errs.Error{Op: "enslave", Device: slave, Err: fmt.Errorf("%w: not in bond %s after enslaving", errs.ErrNotApplied, bond)}
	}
	return nil
}

func (e *Engine) writeBondSlaves(ctx context.Context, bond, op string) error {
	if err := errs.ValidateIfName(op[1:]); err != nil {
		return err
	}
	p, err := sysfs.NetPath(bond, "bonding", "slaves")
	if err != nil {
		return err
	}
	if err := e.h.FS().WriteFile(ctx, p, []byte(op)); err != nil {
		return &errs.Error{Op: "write bonding/slaves " + op, Device: bond, Path: e.h.FS().Abs(p), Err: err}
	}
	return nil
}

// deleteCreatedBond undoes a StepCreateBond: it deletes the bond only
// while it is still the one the step created, as far as the host shows:
// a bond (not a netdev of that name someone made since), in the mode the
// step gave it, with no slaves (the plan's own enslave steps were undone
// before this one; a slave left means someone else uses the bond). A bond
// already gone is nothing to undo.
func (e *Engine) deleteCreatedBond(ctx context.Context, s Step) error {
	b, err := e.h.ReadBond(s.Target)
	if err != nil {
		return err
	}
	if b == nil {
		return nil
	}
	if b.Mode != s.After.BondMode {
		return &errs.Error{Op: "delete created bond", Device: s.Target,
			Err: fmt.Errorf("%w: bond %s is in mode %s, not the %s this plan created it in: left alone", errs.ErrBusy, s.Target, b.Mode, s.After.BondMode)}
	}
	return e.h.DeleteBond(ctx, s.Target) // refuses a bond with slaves
}

// lockPFs takes the per-PF file locks of pfs, in sorted order so that two
// agents locking overlapping sets cannot deadlock.
func (e *Engine) lockPFs(ctx context.Context, runDir string, pfs []offload.PCIAddress) (func(), error) {
	if runDir == "" {
		runDir = filepath.Join(e.h.FS().Root(), "run", "offloadkit")
	}
	sorted := append([]offload.PCIAddress(nil), pfs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].String() < sorted[j].String() })
	var held []*PFLock
	release := func() {
		for i := len(held) - 1; i >= 0; i-- {
			_ = held[i].Unlock()
		}
	}
	for _, pf := range sorted {
		l, err := LockPF(ctx, runDir, pf)
		if err != nil {
			release()
			return nil, err
		}
		held = append(held, l)
	}
	return release, nil
}
