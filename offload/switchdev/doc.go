// Package switchdev is offloadkit's switchdev engine: it plans, applies,
// verifies and rolls back the changes the vendors' guides make by hand to
// bring an SR-IOV PF (or a bonded pair, for VF LAG) to a Spec: VF count,
// eswitch mode, flow steering mode, hw-tc-offload, bond handling. It also
// holds the Doctor, which reports the guides' prerequisites and pitfalls,
// and the Backend interface vendor packages implement.
//
// An Engine is made with New from an offload.Host and a Config naming the
// vendor backends (vendor_mellanox, vendor_corigine, vendor_yusur) in order
// of preference. There is no global registry: a PF no backend matches is
// driven by GenericBackend (the generic kernel order), and its plan says
// so in a note. Backends see the host only through HostView, a read-only
// view; every change is a typed step they add to a PlanBuilder.
//
// A Spec's zero values keep: Spec{} changes nothing on the host, and
// anything destructive (NoVFs, a mode) is asked for explicitly. Engine.Plan
// computes the ordered steps from the current state and changes nothing;
// each step carries typed before and after values, and Plan.String is the
// dry run with the equivalent manual commands. Plan.Apply takes a per-PF
// file lock (Spec.RunDir, <root>/run/offloadkit by default), so agents on
// one host (one process or several) take turns, runs each step under its
// timeout, reads back what it changed, and undoes the steps already done
// when one fails, reading each back again. A sysfs write cannot be
// interrupted: one still in the kernel after its step's deadline is waited
// for (Config.MaxInFlightWait) before the rollback, and one that never
// returns keeps the PF locked until it does. An ApplyError says what
// failed and, per step, whether it was undone, never applied, or is
// unknown and why.
//
// Some steps the library never performs, because they would run a program
// or take away more than the PF: reloading a driver so it loads other
// firmware (StepReloadDriver) and rebuilding the initramfs
// (StepRebuildInitramfs), which the Agilio firmware change needs. They are
// typed steps like the others, marked Step.Manual, with the command an
// operator runs and Step.Risk saying what it disrupts. Apply goes past
// one only when the host shows it done (the reload: devlink reports the
// eswitch mode the new firmware brings) or, for a step the host cannot
// show, when the caller confirmed it (Plan.Confirm); otherwise it stops
// there, keeping the steps before it (the firmware link the reload needs),
// and returns a *ManualStepError that lists the operator's commands. After
// the operator has acted, plan again.
//
// The Doctor's checks are ok (with the evidence), failed, or unknown (with
// the reason it could not tell); on a root without proc/ the host-only
// checks are unknown and the report says they were not run.
//
// # Privileges
//
// Planning and the Doctor read only. Apply writes sysfs (sriov_numvfs,
// bind/unbind, driver_override, bonding) and sends devlink and ethtool
// requests: root, or CAP_SYS_ADMIN and CAP_NET_ADMIN.
//
// # Network namespaces
//
// The engine works through its Host: run it in the host's network
// namespace, where PF netdevs and representors live.
//
// # Errors
//
// Errors wrap the sentinels of offload/errs (ErrInvalidArgument for a bad
// Spec, ErrNotSupported for a driver or prerequisite that cannot reach the
// Spec, ErrBusy, ErrTimeout, ErrNotApplied for a change the kernel did not
// keep) and name the PF; Apply's are *ApplyError, or *ManualStepError
// (ErrNotApplied) when it stopped at an operator's step.
package switchdev
