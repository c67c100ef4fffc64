package vmtest

import (
	"os"
	"testing"
)

// Feature names a kernel capability a vmtest-tagged test may need.
type Feature string

// Features the guest kernels are known to have or lack (see KernelHas).
const (
	FeatureNetdevsim    Feature = "netdevsim"
	FeatureDevlink      Feature = "devlink"
	FeatureFlower       Feature = "cls_flower"
	FeatureOpenvswitch  Feature = "openvswitch"
	FeatureBonding      Feature = "bonding"
	FeatureVeth         Feature = "veth"
	FeatureEthtoolNL    Feature = "ethtool-netlink"
	FeatureTCActions    Feature = "tc-actions" // gact, mirred, vlan, tunnel_key, pedit, skbedit, csum
	FeatureConntrackAct Feature = "act_ct"
)

// InGuest reports whether the test runs inside the harness' guest
// (OFFLOADKIT_VMTEST=1).
func InGuest() bool { return os.Getenv("OFFLOADKIT_VMTEST") == "1" }

// GuestKernel returns the kind of guest kernel the harness booted, or ""
// outside the guest.
func GuestKernel() KernelKind { return KernelKind(os.Getenv("OFFLOADKIT_VMTEST_KERNEL")) }

// KernelHas reports whether a guest kernel of kind k is known to provide f.
// The netdevsim kernel is built with everything; Debian's kernel has all but
// netdevsim (its modules are loaded by the harness before the tests).
func KernelHas(k KernelKind, f Feature) bool {
	switch k {
	case KernelNetdevsim, KernelNetdevsim612:
		return true
	case KernelDebian:
		return f != FeatureNetdevsim
	}
	return false
}

// Require runs probe and, when it fails, skips the test with the reason —
// unless the test runs in the vmtest guest on a kernel known to have f, in
// which case the missing feature is a failure.
func Require(t testing.TB, f Feature, probe func() error) {
	t.Helper()
	err := probe()
	if err == nil {
		return
	}
	if InGuest() && (GuestKernel() == "" || KernelHas(GuestKernel(), f)) {
		t.Fatalf("%s: the guest kernel (%s) has this feature but the probe failed: %v", f, GuestKernel(), err)
		return
	}
	t.Skipf("%s not available: %v", f, err)
}
