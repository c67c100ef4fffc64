// Command switchdev plans (and with -apply, applies) the switch of SmartNIC
// PFs to switchdev mode, the way the Kube-OVN and Antrea guides do by hand:
// the vendor's order of sriov_numvfs, VF unbind, eswitch mode, steering
// mode, hw-tc-offload, VF rebind and VF LAG. Without -apply it is a dry run
// that prints each step with the command that does the same by hand.
// -doctor prints the prerequisites and pitfalls report instead (with
// OVS's hw-offload read over OVSDB on the real root or with -ovsdb).
//
// It works on the host it runs on (root needed for -apply), a sysfs tree
// copied or mounted elsewhere (-root DIR, plan only; -netns PATH names the
// network namespace whose kernel answers devlink and ethtool, otherwise the
// plan says they are missing), or a bundled offloadtest tree
// (-tree NAME; -tree list lists them), where -apply runs against a
// temporary copy with a fake kernel and prints the state after.
//
//	go run ./examples/switchdev -tree cx5-legacy -pf 0000:84:00.0 -vfs 4
//	go run ./examples/switchdev -tree cx5-legacy -pf 0000:84:00.0 -vfs 4 -apply
//	go run ./examples/switchdev -tree cx5-bond -bond vf-lag -vfs 4 -apply
//	go run ./examples/switchdev -tree agilio-flower -doctor
//	go run ./examples/switchdev -tree agilio-flower -firmware -assembly AMDA0097
//	go run ./examples/switchdev -tree agilio-flower -nic-firmware -firmware -assembly AMDA0097 -firmware-dir /tmp/fw
//	go run ./examples/switchdev -pf 0000:84:00.0 -vfs 8 -json
//
// Exit codes: 0 when everything asked for was done (with -doctor: every
// check is ok); 1 when something could not be planned, applied or run
// (bad flags, an unreadable host, a failed plan); with -doctor, 2 when at
// least one check failed and 3 when none failed but some could not tell
// (unknown: on a bundled tree the host-only checks always are); with
// -firmware -apply, 4 when the links are made and the plan stopped at a
// manual step (rebuild the initramfs, reload nfp) that an operator must
// do. -json exits the same way.
//
// -firmware prints, for each Agilio PF, the flower firmware selection and
// the plan that brings it in (vendor_corigine with FirmwareOptions.Select):
// the link steps, which -apply makes, and the manual steps with their
// risk, which offloadkit never runs. -nic-firmware starts a bundled Agilio
// tree from the NIC firmware (no eswitch, no representors), the state the
// guide's firmware change starts from.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/offloadkit/offloadkit/offload/switchdev"
	"github.com/offloadkit/offloadkit/ovs/offloadstate"
	"github.com/offloadkit/offloadkit/ovs/ovnnb"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	corigine "github.com/offloadkit/offloadkit/vendor_corigine"
	mellanox "github.com/offloadkit/offloadkit/vendor_mellanox"
	yusur "github.com/offloadkit/offloadkit/vendor_yusur"
)

type options struct {
	root, tree, pf string
	netns          string
	vfs            int
	mode           string
	apply, doctor  bool
	asJSON         bool
	steering       string
	bond           string
	noTC           bool
	runDir         string
	ovsdb          string
	ovnNB          string
	firmware       bool
	firmwareDir    string
	assembly       string
	nicFirmware    bool
	timeout        time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.root, "root", "/", "read sysfs below `DIR` (DIR/sys)")
	flag.StringVar(&o.netns, "netns", "", "with -root, dial devlink, ethtool and rtnetlink in the network namespace at `PATH` (e.g. /host/proc/1/ns/net); without it a -root other than / has no netlink and says so")
	flag.StringVar(&o.tree, "tree", "", "use the bundled offloadtest tree `NAME` (\"list\" lists them)")
	flag.StringVar(&o.pf, "pf", "", "plan the PF at `PCI` address (default: every SR-IOV PF)")
	flag.IntVar(&o.vfs, "vfs", -1, "wanted VF count `N` (-1 keeps the current count, 0 removes every VF)")
	flag.StringVar(&o.mode, "mode", "switchdev", "wanted eswitch `MODE`: switchdev, legacy, or keep (leave it as it is)")
	flag.BoolVar(&o.apply, "apply", false, "apply the plan (on a bundled tree: to its temporary copy)")
	flag.BoolVar(&o.doctor, "doctor", false, "print the prerequisites and pitfalls report")
	flag.BoolVar(&o.asJSON, "json", false, "print JSON")
	flag.StringVar(&o.steering, "steering", "", "mlx5 flow_steering_mode `MODE` (smfs, dmfs, hmfs; default: keep)")
	flag.StringVar(&o.bond, "bond", "refuse", "what to do with a PF in a bond: refuse, release or vf-lag")
	flag.BoolVar(&o.noTC, "no-hw-tc-offload", false, "leave hw-tc-offload alone")
	flag.StringVar(&o.runDir, "run-dir", "", "lock directory `DIR` (default <root>/run/offloadkit)")
	flag.StringVar(&o.ovnNB, "ovn-nb", "", "with -doctor, read the OVN load balancers from the northbound database at `ENDPOINT` (unix:/var/run/ovn/ovnnb_db.sock, tcp:host:6641)")
	flag.StringVar(&o.ovsdb, "ovsdb", "", "with -doctor, read OVS's hw-offload over OVSDB at `ENDPOINT` (unix:/path or tcp:host:port; default on the real root: the standard socket)")
	flag.BoolVar(&o.firmware, "firmware", false, "print the Agilio (Corigine/Netronome) flower firmware selection and the plan that brings it in; with -apply, create its links and stop at the manual steps (offloadkit never reloads the driver)")
	flag.BoolVar(&o.nicFirmware, "nic-firmware", false, "with -tree, start every Agilio PF of the bundled tree from the NIC firmware (no eswitch, no representors), as before the guide's firmware change")
	flag.StringVar(&o.firmwareDir, "firmware-dir", "", "netronome firmware `DIR` (default <root>/lib/firmware/netronome)")
	flag.StringVar(&o.assembly, "assembly", "", "Agilio assembly `AMDAxxxx` when the VPD does not show it (from `ethtool -w <dev> data /dev/stdout | strings | grep ^SN:`)")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "overall timeout")
	flag.Parse()
	err := run(os.Stdout, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchdev:", err)
	}
	os.Exit(exitCode(err))
}

// Exit codes; see the package comment.
const (
	exitOK             = 0
	exitError          = 1
	exitDoctorFailed   = 2
	exitDoctorUnknown  = 3
	exitOperatorAction = 4
	errDoctorFailed    = doctorResult("some checks failed (see above)")
	errDoctorUncertain = doctorResult("no check failed, but some could not tell (unknown, see above)")
)

// doctorResult is run's error for a doctor report that is not all ok.
type doctorResult string

func (d doctorResult) Error() string { return string(d) }

// exitCode maps run's error to the documented exit code.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errDoctorFailed):
		return exitDoctorFailed
	case errors.Is(err, errDoctorUncertain):
		return exitDoctorUnknown
	case errors.As(err, new(*switchdev.ManualStepError)):
		return exitOperatorAction
	}
	return exitError
}

// planOut is one PF's plan, or why there is none.
type planOut struct {
	PF    offload.PCIAddress `json:"pf"`
	Plan  *switchdev.Plan    `json:"plan,omitempty"`
	Error string             `json:"error,omitempty"`
	// Applied is true when -apply ran the plan without error.
	Applied    bool   `json:"applied,omitempty"`
	ApplyError string `json:"apply_error,omitempty"`
}

type output struct {
	Root   string               `json:"root,omitempty"`
	Tree   string               `json:"tree,omitempty"`
	Plans  []planOut            `json:"plans,omitempty"`
	After  []*switchdev.PFState `json:"after,omitempty"`
	Doctor *switchdev.Report    `json:"doctor,omitempty"`
	Spec   *switchdev.Spec      `json:"spec,omitempty"`
	PFs    []offload.PCIAddress `json:"-"`
}

// engine gives h the switchdev engine with every vendor backend this
// repository ships.
func engine(h *offload.Host) *switchdev.Engine {
	return switchdev.New(h, switchdev.Config{Backends: []switchdev.Backend{mellanox.New(), corigine.New(), yusur.New(yusur.Config{})}})
}

func run(w io.Writer, o options) error {
	if o.tree == "list" {
		for _, n := range offloadtest.Names() {
			s, _ := offloadtest.ByName(n)
			fmt.Fprintf(w, "%-14s %s\n", n, s.Description)
		}
		return nil
	}
	spec, err := specOf(o)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	h, cleanup, err := openHost(o)
	if err != nil {
		return err
	}
	defer cleanup()
	e := engine(h)
	out := output{Root: o.root, Tree: o.tree}
	if o.tree != "" {
		out.Root = ""
	}
	if o.doctor {
		var dcfg switchdev.DoctorConfig
		if o.ovsdb != "" || (o.tree == "" && filepath.Clean(o.root) == "/") {
			dcfg.OVS = switchdev.OVSDBStatus(o.ovsdb)
		}
		if o.tree == "" && filepath.Clean(o.root) == "/" {
			// On the running host, also ask the running ovs-vswitchd and
			// the kernel whether offload is in effect.
			st, closeState, _ := offloadstate.Dial(ctx, o.ovsdb) // what did not connect, Check reports
			defer closeState()
			dcfg.OffloadState = &st
		}
		if o.ovnNB != "" {
			dcfg.OVNNorthbound = &ovnnb.Config{Endpoint: o.ovnNB}
		}
		rep, err := e.Doctor(ctx, dcfg)
		if err != nil {
			return err
		}
		out.Doctor = rep
		if err := emit(w, o, out); err != nil {
			return err
		}
		switch rep.Worst() {
		case switchdev.CheckFail:
			return errDoctorFailed
		case switchdev.CheckUnknown:
			return errDoctorUncertain
		}
		return nil
	}
	if o.firmware {
		return firmware(ctx, w, h, o)
	}
	if o.apply && o.tree == "" && filepath.Clean(o.root) != "/" {
		return fmt.Errorf("-apply with -root %s would write plain files with no kernel behind them; use -tree NAME or the real root", o.root)
	}
	pfs, err := targets(ctx, h, o.pf)
	if err != nil {
		return err
	}
	out.Spec = &spec
	failed := false
	touched := map[offload.PCIAddress]bool{}
	for _, pf := range pfs {
		po := planOut{PF: pf}
		plan, err := e.Plan(ctx, pf, spec)
		if err != nil {
			po.Error = err.Error()
			failed = true
			out.Plans = append(out.Plans, po)
			continue
		}
		po.Plan = plan
		if o.apply {
			if err := plan.Apply(ctx); err != nil {
				po.ApplyError = err.Error()
				failed = true
			} else {
				po.Applied = true
			}
			for _, a := range plan.PFs {
				touched[a] = true
			}
		}
		out.Plans = append(out.Plans, po)
	}
	if o.apply {
		var addrs []offload.PCIAddress
		for a := range touched {
			addrs = append(addrs, a)
		}
		sort.Slice(addrs, func(i, j int) bool { return addrs[i].String() < addrs[j].String() })
		for _, a := range addrs {
			st, err := e.State(ctx, a)
			if err != nil {
				return err
			}
			out.After = append(out.After, st)
		}
	}
	if err := emit(w, o, out); err != nil {
		return err
	}
	if failed {
		return errors.New("some PFs could not be planned or applied (see above)")
	}
	return nil
}

// specOf turns the flags into a Spec. The library's zero values keep
// (Spec{} changes nothing); the flags keep their own meaning: -vfs -1
// keeps, -vfs 0 removes every VF, and -mode defaults to switchdev, which
// is what this command is for.
func specOf(o options) (switchdev.Spec, error) {
	spec := switchdev.Spec{HWTCOffload: !o.noTC, FlowSteering: offload.FlowSteeringMode(o.steering), RunDir: o.runDir}
	switch {
	case o.vfs == -1:
		spec.NumVFs = switchdev.KeepNumVFs
	case o.vfs == 0:
		spec.NumVFs = switchdev.NoVFs
	case o.vfs > 0:
		spec.NumVFs = o.vfs
	default:
		return spec, fmt.Errorf("-vfs %d: want -1 (keep), 0 (remove every VF) or a count", o.vfs)
	}
	switch o.mode {
	case "", "switchdev":
		spec.Mode = offload.ESwitchModeSwitchdev
	case "legacy":
		spec.Mode = offload.ESwitchModeLegacy
	case "keep":
		spec.Mode = offload.ESwitchModeUnknown
	default:
		return spec, fmt.Errorf("-mode %q: want switchdev, legacy or keep", o.mode)
	}
	bp, err := switchdev.ParseBondPolicy(o.bond)
	if err != nil {
		return spec, err
	}
	spec.Bond = bp
	return spec, nil
}

// openHost opens the host, the -root copy or a fresh build of the bundled
// tree (removed by cleanup).
func openHost(o options) (*offload.Host, func(), error) {
	if o.tree == "" {
		h, err := offload.Open(offload.Config{Root: o.root, NetNSPath: o.netns})
		if err != nil {
			return nil, nil, err
		}
		return h, func() { h.Close() }, nil
	}
	spec, ok := offloadtest.ByName(o.tree)
	if !ok {
		return nil, nil, fmt.Errorf("no bundled tree %q; -tree list shows them", o.tree)
	}
	dir, err := os.MkdirTemp("", "offloadkit-switchdev-"+o.tree)
	if err != nil {
		return nil, nil, err
	}
	tr, err := offloadtest.Build(dir, spec)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	if o.nicFirmware {
		// What a card under the NIC firmware shows: no eswitch (the mode
		// query fails) and no representors.
		for _, pf := range spec.PFs {
			if pf.Driver != corigine.PFDriver {
				continue
			}
			if err := tr.SetESwitchMode(pf.Address, offload.ESwitchModeUnknown); err != nil {
				os.RemoveAll(dir)
				return nil, nil, fmt.Errorf("-nic-firmware: %s: %w", pf.Address, err)
			}
		}
	}
	h, err := tr.Open()
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return h, func() { h.Close(); os.RemoveAll(dir) }, nil
}

// targets returns -pf, or every SR-IOV PF.
func targets(ctx context.Context, h *offload.Host, pf string) ([]offload.PCIAddress, error) {
	if pf != "" {
		a, err := offload.ParsePCIAddress(pf)
		if err != nil {
			return nil, err
		}
		return []offload.PCIAddress{a}, nil
	}
	pfs, err := h.Discover(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]offload.PCIAddress, 0, len(pfs))
	for _, p := range pfs {
		out = append(out, p.Address)
	}
	return out, nil
}

func emit(w io.Writer, o options, out output) error {
	if o.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if out.Doctor != nil {
		fmt.Fprint(w, out.Doctor)
		r := out.Doctor
		fmt.Fprintf(w, "worst: %s (%d ok, %d FAIL, %d unknown)\n", r.Worst(), r.Count(switchdev.CheckOK), r.Count(switchdev.CheckFail), r.Count(switchdev.CheckUnknown))
		return nil
	}
	if len(out.Plans) == 0 {
		fmt.Fprintln(w, "No SR-IOV capable PCI functions found; try -tree list for bundled example hosts.")
		return nil
	}
	for i, po := range out.Plans {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if po.Error != "" {
			fmt.Fprintf(w, "%s: cannot plan: %s\n", po.PF, po.Error)
			continue
		}
		fmt.Fprint(w, po.Plan)
		switch {
		case po.ApplyError != "":
			fmt.Fprintf(w, "apply FAILED: %s\n", po.ApplyError)
		case po.Applied && po.Plan.Empty():
			fmt.Fprintln(w, "applied: nothing to do")
		case po.Applied:
			fmt.Fprintf(w, "applied: %d steps\n", len(po.Plan.Steps))
		case !po.Plan.Empty():
			fmt.Fprintln(w, "(dry run: -apply runs it)")
		}
	}
	if len(out.After) > 0 {
		fmt.Fprintln(w, "\nstate after:")
		for _, st := range out.After {
			fmt.Fprintf(w, "  %s\n", st.Summary())
		}
	}
	return nil
}

// fwOut is one Agilio PF's firmware selection and the plan that brings it
// in.
type fwOut struct {
	PF        offload.PCIAddress  `json:"pf"`
	Selection *corigine.Selection `json:"selection,omitempty"`
	Plan      *switchdev.Plan     `json:"plan,omitempty"`
	Error     string              `json:"error,omitempty"`
	Linked    bool                `json:"linked,omitempty"`
	Reload    bool                `json:"reload_needed"`
	// Stopped is the manual step -apply stopped at (1-based), with why
	// and the steps left to the operator.
	Stopped *switchdev.ManualStepError `json:"stopped,omitempty"`
}

// firmware prints the flower firmware selection of every Agilio PF (or of
// -pf) and the plan that brings it in. With -apply, a PF that needs the
// change gets its plan applied (the links; Apply stops at the first
// manual step), and one already running flower gets its links made.
func firmware(ctx context.Context, w io.Writer, h *offload.Host, o options) error {
	pfs, err := targets(ctx, h, o.pf)
	if err != nil {
		return err
	}
	spec, err := specOf(o)
	if err != nil {
		return err
	}
	fwOpts := corigine.FirmwareOptions{Dir: o.firmwareDir, Assembly: o.assembly, Select: true}
	be := corigine.New()
	be.Firmware = fwOpts
	e := switchdev.New(h, switchdev.Config{Backends: []switchdev.Backend{be}})
	var out []fwOut
	var stopped error
	for _, a := range pfs {
		pf, err := h.PF(ctx, a)
		if err != nil {
			return err
		}
		if _, ok := corigine.Lookup(pf.ID); !ok {
			continue
		}
		fo := fwOut{PF: a}
		sel, err := corigine.PlanFirmware(ctx, switchdev.ViewOf(h), a, fwOpts)
		if err != nil {
			fo.Error = err.Error()
			out = append(out, fo)
			continue
		}
		fo.Selection, fo.Reload = sel, sel.ReloadNeeded()
		if sel.ReloadNeeded() {
			plan, err := e.Plan(ctx, a, spec)
			if err != nil {
				fo.Error = err.Error()
			} else {
				fo.Plan = plan
				if o.apply {
					err := plan.Apply(ctx)
					var me *switchdev.ManualStepError
					switch {
					case errors.As(err, &me):
						fo.Stopped, fo.Linked = me, true
						stopped = me
					case err != nil:
						fo.Error = err.Error()
					default:
						fo.Linked = true
					}
				}
			}
		} else if o.apply {
			if err := sel.Apply(ctx); err != nil {
				fo.Error = err.Error()
			} else {
				fo.Linked = true
			}
		}
		out = append(out, fo)
	}
	if o.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printFirmware(w, out)
	}
	for _, fo := range out {
		if fo.Error != "" {
			return errors.New("firmware selection incomplete (see above)")
		}
	}
	return stopped
}

func printFirmware(w io.Writer, out []fwOut) {
	if len(out) == 0 {
		fmt.Fprintln(w, "No Agilio PF found.")
	}
	for _, fo := range out {
		if fo.Selection != nil {
			fmt.Fprint(w, fo.Selection)
		}
		if fo.Plan != nil {
			fmt.Fprint(w, fo.Plan)
		}
		switch {
		case fo.Error != "":
			fmt.Fprintf(w, "%s: %s\n", fo.PF, fo.Error)
		case fo.Stopped != nil:
			fmt.Fprintf(w, "applied %d step(s); stopped at step %d, an operator action: %s\n", len(fo.Stopped.Applied), fo.Stopped.Step, fo.Stopped.Why)
			for _, s := range fo.Stopped.Remaining {
				if s.Manual {
					fmt.Fprintf(w, "  to do: %s\n    $ %s\n", s, s.Command)
				}
			}
			fmt.Fprintln(w, "  then plan again")
		case fo.Linked:
			fmt.Fprintln(w, "  links in place")
		case fo.Plan != nil:
			fmt.Fprintln(w, "(dry run: -apply makes the links and stops at the first manual step)")
		}
	}
}
