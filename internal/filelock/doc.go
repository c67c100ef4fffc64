// Package filelock is the advisory file lock (flock(2)) that offload's
// packages use to serialise work on one device across goroutines and
// processes: offload/switchdev's per-PF lock (exclusive while a plan
// applies) and offload/podnet's per-VF lock (exclusive during a CNI ADD,
// DEL or CHECK) and its shared hold of the PF lock (so that a plan never
// reconfigures a PF while a pod is being plumbed on one of its VFs).
//
// flock belongs to the open file description, so two opens in one
// process exclude each other as two processes do, and the kernel drops the
// lock of a process that dies. flock cannot be interrupted by a context,
// so a waiting Acquire polls without blocking and gives up when its context
// ends; a waiter is never queued behind others (no fairness).
//
// Privileges: write access to the lock directory. Not network-namespace
// aware (files only). Errors: a context that ends while waiting gives an
// error matching errs.ErrTimeout and the context's error; anything else
// wraps the system call's error. Callers wrap them with the device.
// Linux only; elsewhere Acquire returns errs.ErrNotSupported.
package filelock
