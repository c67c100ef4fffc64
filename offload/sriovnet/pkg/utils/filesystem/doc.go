// Package filesystem mirrors the read side of sriovnet's
// pkg/utils/filesystem (v1.3.0) so that a CNI switching its import prefix
// to offload/sriovnet compiles unchanged. Kube-OVN reads phys_port_name
// with filesystem.Fs.ReadFile(path); that is the call this package exists
// for.
//
// What differs from sriovnet, on purpose:
//
//   - Fs is a DefaultFs value, not a Filesystem interface variable that
//     tests replace: DefaultFs is an empty struct, so Fs carries no state
//     and cannot be swapped (the house rule: no package-level mutable
//     state). To read a fake tree, use a path below that tree, or the
//     offload/sriovnet Client on an offload.Host rooted there.
//   - Only reading is offered: Stat, Readlink, ReadFile, ReadDir. sriovnet's
//     interface also creates, renames, removes and writes files; none of
//     the three CNIs calls those through it, and this package never writes.
//     Any type with sriovnet's full method set satisfies Filesystem here.
//
// Paths are used as given, absolute or relative to the working directory,
// exactly as os.ReadFile uses them; validating them is the caller's job,
// as it is with sriovnet. No privileges are needed beyond reading the
// files, and the network namespace does not matter except for what /sys
// shows (sysfs shows the netdevs of the namespace it was mounted in).
//
// Errors are those of package os, unwrapped, so errors.Is(err,
// fs.ErrNotExist) works as it does with sriovnet.
package filesystem
