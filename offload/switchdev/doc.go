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
// Engine.Plan computes the ordered steps from the current state and changes
// nothing; Plan.String is the dry run with the equivalent manual commands.
// Plan.Apply takes a per-PF file lock (Spec.RunDir, <root>/run/offloadkit by
// default), so agents on one host (one process or several) take turns,
// runs each step under its timeout, reads back what it changed, and undoes
// the steps already done when one fails; an ApplyError says what failed
// and whether the rollback succeeded.
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
// keep) and name the PF; Apply's are *ApplyError.
package switchdev
