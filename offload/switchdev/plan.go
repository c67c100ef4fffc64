package switchdev

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/offload"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// VF counts with a meaning of their own in Spec.NumVFs.
const (
	// KeepNumVFs (the zero value) keeps the PF's current VF count.
	KeepNumVFs = 0
	// NoVFs removes every VF of the PF: asking for zero VFs is
	// destructive, so it is spelled out rather than being the zero value.
	NoVFs = -1
)

// Spec is the switchdev state wanted for a PF. The zero value of every
// field keeps that part of the host as it is, so Spec{} plans nothing
// destructive: NumVFs 0 keeps the VF count (NoVFs removes the VFs), Mode
// ESwitchModeUnknown keeps the eswitch mode, FlowSteering "" and
// HWTCOffload false leave those settings alone, Bond 0 refuses a PF that is
// enslaved to a bond and BondMode 0 keeps a bond's mode.
type Spec struct {
	// NumVFs is the VF count wanted: N > 0 VFs, KeepNumVFs (0) keeps the
	// current count, NoVFs removes every VF.
	NumVFs int `json:"num_vfs"`
	// Mode is the eswitch mode wanted (legacy or switchdev);
	// ESwitchModeUnknown (the zero value) keeps the current mode.
	Mode offload.ESwitchMode `json:"mode"`
	// FlowSteering is the mlx5 flow_steering_mode wanted; "" keeps it.
	FlowSteering offload.FlowSteeringMode `json:"flow_steering,omitempty"`
	// HWTCOffload turns hw-tc-offload on on the uplink when true; false
	// leaves it as it is (it is never turned off).
	HWTCOffload bool `json:"hw_tc_offload"`
	// Bond says what to do when the PF's uplink is enslaved to a bond.
	Bond BondPolicy `json:"bond"`
	// BondMode, with BondVFLAG, sets the bond's mode while its slaves are
	// out (active-backup, balance-xor or 802.3ad); 0 keeps it.
	BondMode offload.BondMode `json:"bond_mode,omitempty"`
	// RunDir holds the per-PF lock files that serialise concurrent agents.
	// The default is <root>/run/offloadkit (/run/offloadkit on the real
	// root).
	RunDir string `json:"run_dir,omitempty"`
	// StepTimeout bounds each step of Apply; 0 uses per-step defaults
	// (2 minutes for sriov_numvfs, which takes about a minute for 125 mlx5
	// VFs; 1 minute for the eswitch mode; 30 seconds for the rest).
	StepTimeout time.Duration `json:"step_timeout,omitempty"`
}

// wantMode is the eswitch mode the spec asks of a PF whose mode was
// current when planning started: the spec's, or the current one when the
// spec keeps it.
func (s Spec) wantMode(current offload.ESwitchMode) offload.ESwitchMode {
	if s.Mode == offload.ESwitchModeUnknown {
		return current
	}
	return s.Mode
}

// wantNumVFs is the VF count the spec asks of a PF that has current VFs.
func (s Spec) wantNumVFs(current int) int {
	switch s.NumVFs {
	case KeepNumVFs:
		return current
	case NoVFs:
		return 0
	}
	return s.NumVFs
}

// BondPolicy says what a plan does with a PF whose uplink is a bond slave.
// The guides say the NIC "cannot do bond" while switching, unless both PFs
// form a VF LAG.
type BondPolicy uint8

// Bond policies.
const (
	// BondRefuse (default): planning fails with errs.ErrBusy, naming the bond.
	BondRefuse BondPolicy = iota
	// BondRelease takes the uplink out of the bond (`ifenslave -d`) and
	// leaves it out.
	BondRelease
	// BondVFLAG (mlx5) keeps the bond as a VF LAG: both PFs are taken out,
	// switched to switchdev, enslaved again, and only then are their VFs
	// rebound.
	BondVFLAG
)

var bondPolicyNames = [...]string{"refuse", "release", "vf-lag"}

// String names the policy.
func (p BondPolicy) String() string {
	if int(p) < len(bondPolicyNames) {
		return bondPolicyNames[p]
	}
	return fmt.Sprintf("bondpolicy(%d)", uint8(p))
}

// MarshalText renders the policy name.
func (p BondPolicy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText parses refuse, release or vf-lag.
func (p *BondPolicy) UnmarshalText(b []byte) error {
	v, err := ParseBondPolicy(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ParseBondPolicy parses refuse, release or vf-lag.
func ParseBondPolicy(s string) (BondPolicy, error) {
	for i, n := range bondPolicyNames {
		if n == s {
			return BondPolicy(i), nil
		}
	}
	return 0, errs.Invalid("bond policy", s, "want refuse, release or vf-lag")
}

// StepKind is what a plan step changes.
type StepKind uint8

// Step kinds. Each is verified by reading back and undone on rollback.
const (
	StepSetNumVFs      StepKind = iota + 1 // write sriov_numvfs, wait for the VFs
	StepSetAutoprobe                       // write sriov_drivers_autoprobe
	StepUnbindVF                           // unbind a VF from its driver
	StepBindVF                             // bind a VF to a driver
	StepSetESwitchMode                     // devlink eswitch mode
	StepSetHWTCOffload                     // ethtool hw-tc-offload
	StepSetParam                           // devlink runtime parameter
	StepSetCompat                          // MLNX_OFED compat/devlink sysfs file
	StepReleaseSlave                       // take a netdev out of a bond
	StepEnslave                            // put a netdev into a bond
	StepSetBondMode                        // bonding/mode of an empty bond, taken down for it
	StepLinkFirmware                       // point a firmware file link at an image (ln -sf)
	// StepRebuildInitramfs and StepReloadDriver are manual (Step.Manual):
	// the library never runs them, an operator does. Apply stops at them
	// (see Plan.Apply and ManualStepError).
	StepRebuildInitramfs // rebuild the initramfs so the next boot loads the same firmware
	StepReloadDriver     // rmmod and modprobe a driver, so it loads the selected firmware
)

var stepKindNames = [...]string{"", "set-numvfs", "set-autoprobe", "unbind-vf", "bind-vf", "set-eswitch-mode",
	"set-hw-tc-offload", "set-devlink-param", "set-compat-devlink", "release-bond-slave", "enslave", "set-bond-mode",
	"link-firmware", "rebuild-initramfs", "reload-driver"}

// String names the kind.
func (k StepKind) String() string {
	if k > 0 && int(k) < len(stepKindNames) {
		return stepKindNames[k]
	}
	return fmt.Sprintf("step(%d)", uint8(k))
}

// MarshalText renders the kind name.
func (k StepKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Step is one change of a Plan. The exported fields describe it; the
// engine holds what runs, verifies and undoes it.
type Step struct {
	Kind StepKind `json:"kind"`
	// PF is the physical function the step belongs to.
	PF offload.PCIAddress `json:"pf"`
	// Target is what the step acts on: a VF address, a netdev, a devlink
	// parameter name, a bond.
	Target string `json:"target"`
	// VF is the VF index for VF steps, -1 otherwise.
	VF int `json:"vf"`
	// Before and After are the values the step changes, typed by its
	// kind (see Value): applying the step makes After true, undoing it
	// restores Before. Nothing is parsed back from text.
	Before Value `json:"before"`
	After  Value `json:"after"`
	// Why says why the step is there, when it is not obvious.
	Why string `json:"why,omitempty"`
	// Command is what an operator would type to do the same by hand.
	Command string `json:"command"`
	// Timeout bounds the step in Apply.
	Timeout time.Duration `json:"timeout_ns"`
	// Netdev is the netdev whose compat/devlink file a StepSetCompat
	// writes, and Bond the bond of the bond steps; "" otherwise.
	Netdev string `json:"netdev,omitempty"`
	Bond   string `json:"bond,omitempty"`
	// Manual is true for a step the library never performs because it
	// would have to run a program (rmmod, modprobe, update-initramfs) or
	// act beyond the device: an operator runs Command. Apply goes past a
	// manual step only when the host shows it done (StepReloadDriver: the
	// PF's eswitch mode reads After) or, for a step the host cannot show
	// (StepRebuildInitramfs), when the caller confirmed it with
	// Plan.Confirm; otherwise it stops there with a *ManualStepError.
	Manual bool `json:"manual,omitempty"`
	// Risk says what the step disrupts while it runs or afterwards (the
	// netdevs and VFs a driver reload removes), for steps that do more
	// than change the setting they name; "" otherwise.
	Risk string `json:"risk,omitempty"`
}

// Value is what a step reads and writes, typed by the step's kind; only
// the field of that kind is meaningful:
//
//	StepSetNumVFs                  NumVFs
//	StepSetAutoprobe               On
//	StepUnbindVF, StepBindVF       Driver ("" unbound; Autoprobe: bound by
//	                               autoprobe to a driver the backend does
//	                               not name, so there is nothing to bind)
//	StepSetESwitchMode             Mode (ESwitchModeUnknown: not known)
//	StepSetHWTCOffload             On
//	StepSetParam                   Param
//	StepSetCompat                  Word (a sysfs word such as "dmfs")
//	StepReleaseSlave, StepEnslave  Bond ("" in no bond)
//	StepSetBondMode                BondMode
//	StepLinkFirmware               Word (the link's target, relative to
//	                               its directory; "" when there is no link)
//	StepReloadDriver               Mode (the PF's eswitch mode, which shows
//	                               which firmware runs: switchdev under the
//	                               Agilio flower firmware)
//	StepRebuildInitramfs           none: Known is false, nothing on the
//	                               host shows it (Plan.Confirm)
//
// Known is false when the value could not be read when planning (no
// ethtool, a devlink parameter the driver lacks, an eswitch mode that
// could not be read): applying the step still works, undoing it has
// nothing to restore and says so.
type Value struct {
	Known     bool                `json:"known"`
	NumVFs    int                 `json:"num_vfs,omitempty"`
	On        bool                `json:"on,omitempty"`
	Driver    string              `json:"driver,omitempty"`
	Autoprobe bool                `json:"autoprobe,omitempty"`
	Mode      offload.ESwitchMode `json:"mode,omitempty"`
	Param     offload.ParamValue  `json:"param,omitempty"`
	Word      string              `json:"word,omitempty"`
	Bond      string              `json:"bond,omitempty"`
	BondMode  offload.BondMode    `json:"bond_mode,omitempty"`
}

// text renders v as a value of a step of kind k, for plans and logs.
func (v Value) text(k StepKind) string {
	if !v.Known {
		return "unknown"
	}
	switch k {
	case StepSetNumVFs:
		return strconv.Itoa(v.NumVFs)
	case StepSetAutoprobe:
		if v.On {
			return "1"
		}
		return "0"
	case StepUnbindVF, StepBindVF:
		if v.Autoprobe {
			return autoprobeDriver
		}
		return v.Driver
	case StepSetESwitchMode:
		return v.Mode.String()
	case StepSetHWTCOffload:
		if v.On {
			return "on"
		}
		return "off"
	case StepSetParam:
		return v.Param.Text()
	case StepSetCompat:
		return v.Word
	case StepReleaseSlave, StepEnslave:
		return v.Bond
	case StepSetBondMode:
		return v.BondMode.String()
	case StepLinkFirmware:
		if v.Word == "" {
			return "(no link)"
		}
		return v.Word
	case StepReloadDriver:
		return v.Mode.String()
	}
	return ""
}

// equal reports whether a and b are the same value for a step of kind k;
// an unknown value equals nothing.
func (v Value) equal(k StepKind, o Value) bool {
	if !v.Known || !o.Known {
		return false
	}
	switch k {
	case StepSetNumVFs:
		return v.NumVFs == o.NumVFs
	case StepSetAutoprobe, StepSetHWTCOffload:
		return v.On == o.On
	case StepUnbindVF, StepBindVF:
		return v.Driver == o.Driver && v.Autoprobe == o.Autoprobe
	case StepSetESwitchMode:
		return v.Mode == o.Mode
	case StepSetParam:
		return v.Param.Text() == o.Param.Text()
	case StepSetCompat:
		return v.Word == o.Word
	case StepReleaseSlave, StepEnslave:
		return v.Bond == o.Bond
	case StepSetBondMode:
		return v.BondMode == o.BondMode
	case StepLinkFirmware:
		return v.Word == o.Word
	case StepReloadDriver:
		return v.Mode == o.Mode
	}
	return false
}

// From renders the value before the step ("legacy", "4", a driver).
func (s Step) From() string { return s.Before.text(s.Kind) }

// To renders the value after the step.
func (s Step) To() string { return s.After.text(s.Kind) }

// String describes the step in one line.
func (s Step) String() string {
	switch s.Kind {
	case StepSetNumVFs:
		return fmt.Sprintf("set sriov_numvfs of %s %s -> %s and wait for the VFs", s.PF, s.From(), s.To())
	case StepSetAutoprobe:
		return fmt.Sprintf("set sriov_drivers_autoprobe of %s %s -> %s", s.PF, s.From(), s.To())
	case StepUnbindVF:
		return fmt.Sprintf("unbind VF %d (%s) from %s", s.VF, s.Target, s.From())
	case StepBindVF:
		return fmt.Sprintf("bind VF %d (%s) to %s", s.VF, s.Target, s.To())
	case StepSetESwitchMode:
		return fmt.Sprintf("set eswitch mode of %s %s -> %s", s.PF, s.From(), s.To())
	case StepSetHWTCOffload:
		return fmt.Sprintf("set hw-tc-offload of %s %s -> %s", s.Target, s.From(), s.To())
	case StepSetParam:
		return fmt.Sprintf("set devlink param %s of %s %s -> %s", s.Target, s.PF, s.From(), s.To())
	case StepSetCompat:
		return fmt.Sprintf("set compat/devlink/%s of %s %s -> %s", s.Target, s.Netdev, s.From(), s.To())
	case StepReleaseSlave:
		return fmt.Sprintf("take %s out of bond %s", s.Target, s.Bond)
	case StepEnslave:
		return fmt.Sprintf("enslave %s to bond %s", s.Target, s.Bond)
	case StepSetBondMode:
		return fmt.Sprintf("set mode of bond %s %s -> %s", s.Target, s.From(), s.To())
	case StepLinkFirmware:
		return fmt.Sprintf("link firmware %s %s -> %s", s.Target, s.From(), s.To())
	case StepRebuildInitramfs:
		return fmt.Sprintf("rebuild the initramfs with the %s firmware selection of %s [manual]", s.Target, s.PF)
	case StepReloadDriver:
		return fmt.Sprintf("reload %s so %s loads the selected firmware (eswitch %s -> %s) [manual]", s.Target, s.PF, s.From(), s.To())
	}
	return s.Kind.String() + " " + s.Target
}

// Plan is the ordered list of steps that brings a PF (and, for a VF LAG,
// its peer) from the state read when the plan was made to a Spec. An empty
// plan means the host is already there. Make one with Engine.Plan,
// print it (String) for a dry run, run it with Apply.
type Plan struct {
	// PF is the PF the plan was asked for.
	PF offload.PCIAddress `json:"pf"`
	// PFs are every PF the plan touches, sorted; Apply locks them all.
	PFs     []offload.PCIAddress `json:"pfs"`
	Backend string               `json:"backend"`
	Profile Profile              `json:"profile"`
	Spec    Spec                 `json:"spec"`
	// Before is the state of each PF in PFs when the plan was made.
	Before []PFState `json:"before"`
	Steps  []Step    `json:"steps"`
	// Notes explain decisions that are not steps (a setting left alone,
	// a kernel quirk worked around).
	Notes []string `json:"notes,omitempty"`

	e       *Engine
	backend Backend
	// confirmed are the manual step kinds the caller said are done
	// (Confirm); they survive a fresh plan made by Apply.
	confirmed map[StepKind]bool
}

// Confirm records that an operator has done the manual steps of kind k
// that nothing on the host shows (StepRebuildInitramfs), so Apply goes
// past them instead of stopping. A step whose effect the host shows
// (StepReloadDriver) cannot be confirmed: only the host's evidence lets
// Apply past it, so asking is errs.ErrInvalidArgument, as is a kind that
// is not manual.
func (p *Plan) Confirm(k StepKind) error {
	if k != StepRebuildInitramfs {
		return errs.Invalid("confirmed step", k.String(), "only rebuild-initramfs, which the host cannot show, is confirmed by the caller; a driver reload is proven by the host")
	}
	if p.confirmed == nil {
		p.confirmed = map[StepKind]bool{}
	}
	p.confirmed[k] = true
	return nil
}

// Empty reports whether the host is already in the wanted state.
func (p *Plan) Empty() bool { return len(p.Steps) == 0 }

// String renders the plan for people: the current and wanted state, then
// each step with the command that does the same by hand. It is the dry run.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "switchdev plan for %s (backend %s, order %s)\n", p.PF, p.Backend, p.Profile.Order)
	for _, st := range p.Before {
		fmt.Fprintf(&b, "  now:    %s\n", st.Summary())
	}
	fmt.Fprintf(&b, "  wanted: %s\n", p.Spec.summary(p.Profile))
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	if p.Empty() {
		b.WriteString("  nothing to do: the host is already in the wanted state\n")
		return b.String()
	}
	lastWhy := ""
	for i, s := range p.Steps {
		fmt.Fprintf(&b, "  %2d. %s\n", i+1, s)
		if s.Why != "" && s.Why != lastWhy {
			fmt.Fprintf(&b, "        why: %s\n", s.Why)
		}
		lastWhy = s.Why
		if s.Risk != "" {
			fmt.Fprintf(&b, "        risk: %s\n", s.Risk)
		}
		if s.Manual {
			b.WriteString("        operator action: offloadkit does not run this; Apply stops here until it is done\n")
		}
		if s.Command != "" {
			fmt.Fprintf(&b, "        $ %s\n", s.Command)
		}
	}
	return b.String()
}

// summary renders what the spec asks of a PF driven with prof: only what
// the backend will do. A backend without a kernel eswitch (YUSUR) sets no
// eswitch mode and needs no hw-tc-offload, so the plan does not claim them.
func (s Spec) summary(prof Profile) string {
	var parts []string
	switch {
	case prof.Order == OrderNoESwitch:
		parts = append(parts, "no kernel eswitch (the backend sets no eswitch mode)")
	case s.Mode == offload.ESwitchModeUnknown:
		parts = append(parts, "eswitch mode unchanged")
	default:
		parts = append(parts, "eswitch "+s.Mode.String())
	}
	switch s.NumVFs {
	case KeepNumVFs:
		parts = append(parts, "VFs unchanged")
	case NoVFs:
		parts = append(parts, "0 VFs")
	default:
		parts = append(parts, fmt.Sprintf("%d VFs", s.NumVFs))
	}
	if s.FlowSteering != "" {
		parts = append(parts, "flow_steering_mode "+string(s.FlowSteering))
	}
	if s.HWTCOffload {
		if prof.HWTCOffload {
			parts = append(parts, "hw-tc-offload on")
		} else {
			parts = append(parts, "hw-tc-offload not used by this backend")
		}
	}
	parts = append(parts, "bond policy "+s.Bond.String())
	if s.BondMode != offload.BondModeUnknown {
		parts = append(parts, "bond mode "+s.BondMode.String())
	}
	return strings.Join(parts, ", ")
}
