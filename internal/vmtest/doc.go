// Package vmtest is offloadkit's real-kernel test tier: it boots a Linux
// kernel under qemu (TCG; KVM is not assumed to work) and runs the module's
// `vmtest`-tagged Go tests inside it as root.
//
// The host kernel the project develops and runs CI on has no netdevsim,
// cls_flower, openvswitch, bonding or devlink, so tests that must agree with
// real Linux run here instead. Three guest kernels are supported:
//
//   - KernelNetdevsim (the default): built once from Debian's linux-source-6.1
//     with hack/vmtest/kernel.config (netdevsim, devlink, flower and the tc
//     actions, openvswitch, bonding, veth, all built in) and cached by a hash
//     of the fragment and the source package version.
//   - KernelNetdevsim612: the same from linux-source-6.12, with the
//     per-series part hack/vmtest/kernel-6.12.config; `make vmtest` runs the
//     tier on both netdevsim kernels.
//   - KernelDebian: Debian's own linux-image-6.1.0-N-amd64, fetched with
//     `apt-get download` and unpacked into the cache; modules are loaded
//     with modprobe -d. It has no netdevsim.
//
// The guest shares the host root read-only over 9p and chroots into it, so it
// runs the host's Go test binaries, iproute2 and Open vSwitch; results come
// back through a second, writable 9p share. Every artefact is cached under
// CacheDir() (${OFFLOADKIT_CACHE:-$HOME/.cache/offloadkit}).
//
// Tests opt in with the build tag `vmtest` in a file named *_vmtest_test.go.
// Inside the guest the harness sets OFFLOADKIT_VMTEST=1 and
// OFFLOADKIT_VMTEST_KERNEL to the kernel kind; Require turns a missing
// feature into a skip on a developer machine and into a failure in the guest
// when the guest kernel is known to have it.
//
// Privileges: booting needs qemu-system-x86_64 and read access to the whole
// host root; the 9p result share is written as the user running the harness.
// The package itself holds no global state.
package vmtest
