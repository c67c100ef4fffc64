package offload_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// TestKernelAccessExplicit: a Host on a root other than "/" dials no
// netlink unless told which network namespace to: it lists what it lacks,
// and calls that need it fail with a *MissingCapabilityError matching
// errs.ErrNotSupported that says how to get it, instead of answering from
// sysfs.
func TestKernelAccessExplicit(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	ctx := context.Background()
	dev := offload.PCIDevice(offload.MustParsePCIAddress("0000:84:00.0"))

	h, err := offload.Open(offload.Config{Root: tr.Root})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var names []string
	for _, m := range h.MissingCapabilities() {
		names = append(names, m.Capability)
	}
	if strings.Join(names, ",") != "devlink,ethtool,rtnetlink" {
		t.Errorf("MissingCapabilities = %v, want devlink, ethtool and rtnetlink", names)
	}
	_, err = h.Devlink(dev).ESwitchMode(ctx)
	var missing *offload.MissingCapabilityError
	if !errors.Is(err, errs.ErrNotSupported) || !errors.As(err, &missing) || missing.Capability != "devlink" ||
		!strings.Contains(err.Error(), "NetNSPath") || !strings.Contains(err.Error(), "no devlink client") {
		t.Errorf("devlink call without devlink: %v, want a MissingCapabilityError naming devlink and NetNSPath", err)
	}
	if _, err := h.HWTCOffload(ctx, "enp132s0f0np0"); !errors.As(err, &missing) || missing.Capability != "ethtool" {
		t.Errorf("ethtool call without ethtool: %v", err)
	}
	if err := h.SetLinkUp(ctx, "enp132s0f0np0", true); !errors.As(err, &missing) || missing.Capability != "rtnetlink" {
		t.Errorf("rtnetlink call without rtnetlink: %v", err)
	}

	// The fake tree's own connections are used as they are.
	if m := tr.Host(t).MissingCapabilities(); len(m) != 0 {
		t.Errorf("fake tree host lacks %v", m)
	}
	if m, err := tr.Host(t).Devlink(dev).ESwitchMode(ctx); err != nil || m != offload.ESwitchModeSwitchdev {
		t.Errorf("fake devlink: %v, %v", m, err)
	}
}

// TestWithNetNSPath: naming a namespace lets a Host on another root dial
// (here the test's own namespace), and a path that is no network
// namespace is refused at Open.
func TestWithNetNSPath(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h, err := offload.Open(offload.Config{Root: tr.Root, NetNSPath: "/proc/self/ns/net"})
	if err != nil {
		t.Fatal(err)
	}
	if m := h.MissingCapabilities(); len(m) != 0 {
		t.Errorf("with a namespace, still missing %v", m)
	}
	// The call dials the real kernel, which has no such PCI device (or no
	// devlink, or refuses a user without CAP_NET_ADMIN): any answer but a
	// missing capability.
	_, err = h.Devlink(offload.PCIDevice(offload.MustParsePCIAddress("0000:84:00.0"))).ESwitchMode(context.Background())
	var missing *offload.MissingCapabilityError
	if errors.As(err, &missing) {
		t.Errorf("dialling in a named namespace still reports a missing capability: %v", err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if _, err := offload.Open(offload.Config{Root: tr.Root, NetNSPath: "/proc/self/ns/uts"}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("a UTS namespace as the network namespace: %v, want errs.ErrInvalidArgument", err)
	}
	if _, err := offload.Open(offload.Config{Root: tr.Root, NetNSPath: tr.Root + "/nope"}); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("a missing namespace file: %v, want errs.ErrNotFound", err)
	}
}
