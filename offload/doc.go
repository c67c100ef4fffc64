// Package offload is the typed core of offloadkit: a Host rooted at a sysfs
// tree, its SR-IOV physical functions (PF), virtual functions (VF), the
// switchdev representors that stand for them, and the operations the
// vendors' offload guides do by hand: discover SmartNIC PFs by PCI ID, map
// PCI addresses to netdevs, create VFs within sriov_totalvfs, unbind and bind
// VF drivers, resolve VF, uplink, PF and SF representors, detect bonds.
//
// # Privileges
//
// Reading needs no privilege. Writing sriov_numvfs, bind/unbind and
// driver_override needs root (CAP_SYS_ADMIN); without it the errors match
// ErrPermission.
//
// # Network namespaces
//
// sysfs shows the netdevs of the network namespace the process's sysfs
// mount belongs to: run the Host in the host namespace. Representors and PF
// netdevs live there; a VF moved into a pod disappears from this view.
//
// # Errors
//
// Every error wraps a sentinel (ErrNotFound, ErrNotSupported,
// ErrNotSwitchdev, ErrBusy, ErrInvalidArgument, ErrPermission, ErrTimeout,
// ...) usable with errors.Is, names the device or path, and keeps the
// cause. Values that can come from a CNI request (PCI addresses, interface
// names, VF indexes, driver names) are validated before any path is built;
// a bad one returns ErrInvalidArgument and touches nothing.
//
// # Testing
//
// Package offload/offloadtest builds realistic fake sysfs trees (ConnectX-5,
// BlueField-2, Agilio, YUSUR, E810, bonds, a 16x256 host) with a fake kernel
// behind them, for this package's tests and for consumers'.
package offload
