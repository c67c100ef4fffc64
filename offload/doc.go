// Package offload is the typed core of offloadkit: a Host rooted at a sysfs
// tree, its SR-IOV physical functions (PF), virtual functions (VF), the
// switchdev representors that stand for them, and the operations the
// vendors' offload guides do by hand: discover SmartNIC PFs by PCI ID, map
// PCI addresses to netdevs, create VFs within sriov_totalvfs, unbind and bind
// VF drivers, resolve VF, uplink, PF and SF representors, detect bonds.
//
// # Kernel interfaces
//
// The Host reads sysfs below its root and talks to the kernel itself: devlink
// and ethtool over generic netlink (eswitch mode, inline and encap mode,
// devlink params such as mlx5 flow_steering_mode, devlink ports and port
// functions, hw-tc-offload) and rtnetlink for per-VF settings. On the real
// root it dials them on first use; Config.Devlink, Config.Ethtool, Config.Rtnetlink and
// Config.NetNS inject or place them. On any other root (a DaemonSet's /host) it
// dials only in a network namespace it is named (Config.NetNSPath, Config.NetNS);
// without one, Host.MissingCapabilities lists what it lacks and the calls
// that need it fail with a *MissingCapabilityError (errs.ErrNotSupported,
// saying how to get it) rather than answering from sysfs alone. Every
// change is read back: a kernel that
// accepted a request but did not apply it gives errs.ErrNotApplied. Representors
// resolve from the devlink port dump when devlink is present and from a
// bounded sysfs lookup otherwise.
//
// # Switchdev
//
// Planning, applying and rolling back switchdev changes (VF count, eswitch
// mode, steering mode, hw-tc-offload, bonds), the per-PF locks, the vendor
// backend interface and the Doctor live in package offload/switchdev, which
// builds on this package.
//
// # Privileges
//
// Reading needs no privilege. Writing sriov_numvfs, bind/unbind and
// driver_override needs root (CAP_SYS_ADMIN); without it the errors match
// errs.ErrPermission.
//
// # Network namespaces
//
// sysfs shows the netdevs of the network namespace the process's sysfs
// mount belongs to: run the Host in the host namespace. Representors and PF
// netdevs live there; a VF moved into a pod disappears from this view.
// Netlink connections are made in the namespace given with Config.NetNSPath
// or Config.NetNS (each socket is created on a locked OS thread that enters
// it, so no goroutine of the caller changes namespace), else in the
// caller's own on the real root.
//
// # Errors
//
// Every error wraps a sentinel (errs.ErrNotFound, errs.ErrNotSupported,
// errs.ErrNotSwitchdev, errs.ErrBusy, errs.ErrInvalidArgument, errs.ErrPermission, errs.ErrTimeout,
// ...) usable with errors.Is, names the device or path, and keeps the
// cause. Values that can come from a CNI request (PCI addresses, interface
// names, VF indexes, driver names) are validated before any path is built;
// a bad one returns errs.ErrInvalidArgument and touches nothing.
//
// # Testing
//
// Package offload/offloadtest builds realistic fake sysfs trees (ConnectX-5,
// BlueField-2, Agilio, YUSUR, E810, bonds, a 16x256 host) with a fake kernel
// behind them, for this package's tests and for consumers'.
package offload
