package offload_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	vnl "github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

func TestSetESwitchModeCreatesRepresentors(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := tr.Host(t)
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	if m, err := h.Devlink(offload.PCIDevice(pf)).ESwitchMode(ctx); err != nil || m != offload.ESwitchModeLegacy {
		t.Fatalf("ESwitchMode = %v, %v; want legacy", m, err)
	}
	if _, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: int(pf.Function), VF: 2}); !errors.Is(err, errs.ErrNotSwitchdev) {
		t.Fatalf("representor in legacy mode: %v, want errs.ErrNotSwitchdev", err)
	}
	if err := h.Devlink(offload.PCIDevice(pf)).SetESwitchMode(ctx, offload.ESwitchModeSwitchdev); err != nil {
		t.Fatal(err)
	}
	if got := tr.ESwitchMode(pf.String()); got != offload.ESwitchModeSwitchdev {
		t.Fatalf("fake kernel mode = %v", got)
	}
	if _, err := os.Lstat(filepath.Join(tr.Root, "sys/class/net/enp132s0f0r2")); err != nil {
		t.Fatalf("representor netdev not created in sysfs: %v", err)
	}
	r, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: int(pf.Function), VF: 2})
	if err != nil || r.Netdev != "enp132s0f0r2" {
		t.Fatalf("VFRepresentorByIndex = %+v, %v", r, err)
	}
	if err := h.Devlink(offload.PCIDevice(pf)).SetESwitchMode(ctx, offload.ESwitchModeLegacy); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: int(pf.Function), VF: 2}); err == nil {
		t.Fatal("representor still found after going back to legacy")
	}
}

func TestParamFlowSteeringMode(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h := tr.Host(t)
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	v, err := h.Devlink(offload.PCIDevice(pf)).Param(ctx, "flow_steering_mode", offload.ParamCModeRuntime)
	if err != nil || v.String != "dmfs" || v.Type != offload.ParamTypeString {
		t.Fatalf("Param = %+v, %v", v, err)
	}
	if err := h.Devlink(offload.PCIDevice(pf)).SetParam(ctx, "flow_steering_mode", offload.ParamCModeRuntime, offload.StringParam(string(offload.FlowSteeringSMFS))); err != nil {
		t.Fatal(err)
	}
	v, err = h.Devlink(offload.PCIDevice(pf)).Param(ctx, "flow_steering_mode", offload.ParamCModeRuntime)
	if err != nil || v.String != "smfs" {
		t.Fatalf("after set: %+v, %v", v, err)
	}
	// The other PF keeps its own value.
	v, err = h.Devlink(offload.PCIDevice(offload.MustParsePCIAddress("0000:84:00.1"))).Param(ctx, "flow_steering_mode", offload.ParamCModeRuntime)
	if err != nil || v.String != "dmfs" {
		t.Fatalf("PF 1: %+v, %v", v, err)
	}
	err = h.Devlink(offload.PCIDevice(pf)).SetParam(ctx, "flow_steering_mode", offload.ParamCModeRuntime, offload.StringParam("bogus"))
	var oe *errs.Error
	if !errors.Is(err, errs.ErrInvalidArgument) || !errors.As(err, &oe) || oe.Message == "" {
		t.Fatalf("bogus mode: %v, want errs.ErrInvalidArgument with the kernel's message", err)
	}
	if err := h.Devlink(offload.PCIDevice(pf)).SetParam(ctx, "max_macs", offload.ParamCModeDriverInit, offload.UintParam(64)); err != nil {
		t.Fatal(err)
	}
	if err := h.Devlink(offload.PCIDevice(pf)).SetParam(ctx, "max_macs", offload.ParamCModeDriverInit, offload.StringParam("64")); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("string for a u32: %v", err)
	}
	if _, err := h.Devlink(offload.PCIDevice(pf)).Param(ctx, "no_such_param", offload.ParamCModeRuntime); err == nil {
		t.Fatal("unknown parameter read without error")
	}
	if err := h.Devlink(offload.PCIDevice(pf)).Reload(ctx); err != nil || tr.Reloads(pf.String()) != 1 {
		t.Fatalf("ReloadDevice = %v, reloads %d", err, tr.Reloads(pf.String()))
	}
}

func TestHWTCOffload(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h := tr.Host(t)
	ctx := context.Background()
	if on, err := h.HWTCOffload(ctx, "enp132s0f0np0"); err != nil || on {
		t.Fatalf("uplink hw-tc-offload = %v, %v; want off", on, err)
	}
	if err := h.SetHWTCOffload(ctx, "enp132s0f0np0", true); err != nil {
		t.Fatal(err)
	}
	if on, _ := tr.Feature("enp132s0f0np0", "hw-tc-offload"); !on {
		t.Fatal("fake kernel did not record hw-tc-offload on")
	}
	if on, err := h.HWTCOffload(ctx, "enp132s0f0r0"); err != nil || !on {
		t.Fatalf("representor hw-tc-offload = %v, %v; want on", on, err)
	}
	err := h.SetHWTCOffload(ctx, "eno1", true)
	if !errors.Is(err, errs.ErrNotApplied) {
		t.Fatalf("eno1: %v, want errs.ErrNotApplied", err)
	}
	if _, err := h.HWTCOffload(ctx, "nope0"); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("missing netdev: %v, want errs.ErrNotFound", err)
	}
	if err := h.SetHWTCOffload(ctx, "../etc", true); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("hostile name: %v", err)
	}
}

func TestNoKernelOnPlainRoot(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h, err := offload.Open(offload.Config{Root: tr.Root})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	if err := h.Devlink(offload.PCIDevice(pf)).SetESwitchMode(ctx, offload.ESwitchModeSwitchdev); !errors.Is(err, errs.ErrNotSupported) {
		t.Fatalf("SetESwitchMode without devlink: %v", err)
	}
	if _, err := h.HWTCOffload(ctx, "enp132s0f0np0"); !errors.Is(err, errs.ErrNotSupported) {
		t.Fatalf("HWTCOffload without ethtool: %v", err)
	}
}

// TestRepresentorsResolveThroughDevlink checks that, with devlink present,
// a cold representor lookup takes the port list from devlink instead of
// scanning every netdev in sysfs (fewer sysfs reads), and that both paths
// agree.
func TestRepresentorsResolveThroughDevlink(t *testing.T) {
	t.Parallel()
	tr := offloadtest.New(t, offloadtest.Large(1, 64))
	pf := offload.MustParsePCIAddress(tr.Spec.PFs[0].Address)
	ctx := context.Background()
	withDL := tr.Host(t)
	sysfsOnly, err := offload.Open(offload.Config{Root: tr.Root, SysfsHooks: tr})
	if err != nil {
		t.Fatal(err)
	}
	defer sysfsOnly.Close()
	cold := func(h *offload.Host) (*offload.Representor, int64) {
		start := h.FS().Reads()
		r, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: int(pf.Function), VF: 63})
		if err != nil {
			t.Fatal(err)
		}
		return r, h.FS().Reads() - start
	}
	r1, n1 := cold(withDL)
	r2, n2 := cold(sysfsOnly)
	if d := cmp.Diff(r2, r1); d != "" {
		t.Fatalf("devlink and sysfs disagree (-sysfs +devlink):\n%s", d)
	}
	if n1 >= n2 {
		t.Fatalf("cold lookup read %d sysfs files with devlink, %d without; want fewer with devlink", n1, n2)
	}
	t.Logf("cold lookup: %d sysfs reads with devlink, %d without", n1, n2)
	up, err := withDL.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPhysical, PF: -1})
	if err != nil || up.Netdev != tr.Spec.PFs[0].Netdev {
		t.Fatalf("uplink = %+v, %v", up, err)
	}
}

// TestDPUPortsFromDevlink resolves BlueField host-side representors and
// sets a host VF's MAC from the eswitch side.
func TestDPUPortsFromDevlink(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "bf2-dpu")
	h := tr.Host(t)
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:03:00.0")
	r, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, Controller: 1, PF: 0, VF: 2})
	if err != nil || r.Netdev != "pf0vf2host" {
		t.Fatalf("ExternalVFRepresentor = %+v, %v", r, err)
	}
	if r, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIPF, Controller: 1, PF: 0}); err != nil || r.Netdev != "pf0hpf" {
		t.Fatalf("PFRepresentor = %+v, %v", r, err)
	}
	if r, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCISF, PF: int(pf.Function), SF: 88}); err != nil || r.Netdev != "en3f0pf0sf88" {
		t.Fatalf("SFRepresentor = %+v, %v", r, err)
	}
	p, err := h.Devlink(offload.PCIDevice(pf)).FindPort(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, Controller: 1, PF: 0, VF: 2})
	if err != nil || !p.External || p.PortName.Controller != 1 || p.PortName.VF != 2 || p.Netdev != "pf0vf2host" {
		t.Fatalf("ExternalVFPort = %+v, %v", p, err)
	}
	mac := net.HardwareAddr{0x0a, 0, 0, 0, 0, 0x42}
	if err := h.Devlink(p.Device).SetPortFunctionMAC(ctx, p.Index, mac); err != nil {
		t.Fatal(err)
	}
	if p2, err := h.Devlink(p.Device).Port(ctx, p.Index); err != nil || p2.Function == nil || p2.Function.MAC.String() != mac.String() {
		t.Fatalf("after set: %+v, %v", p2, err)
	}
}

func TestPortsAndVFMAC(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h := tr.Host(t)
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	ports, err := h.Devlink(offload.PCIDevice(pf)).Ports(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var phys, vfs int
	for _, p := range ports {
		switch p.PortName.Flavour {
		case offload.PortFlavourPhysical:
			phys++
			if p.Netdev != "enp132s0f0np0" || p.PortName.Port != 0 || p.PortName.VF != -1 {
				t.Errorf("uplink port %+v", p)
			}
		case offload.PortFlavourPCIVF:
			vfs++
			if p.PortName.PF != 0 || p.PortName.Controller != 0 || p.External || p.Netdev != fmt.Sprintf("enp132s0f0r%d", p.PortName.VF) {
				t.Errorf("VF port %+v", p)
			}
		}
	}
	if phys != 1 || vfs != 4 {
		t.Fatalf("ports: %d physical, %d pcivf; want 1 and 4 (%+v)", phys, vfs, ports)
	}
	mac := net.HardwareAddr{0x0a, 0xc9, 0x1c, 0x70, 0x01, 0x09}
	dl := h.Devlink(offload.PCIDevice(pf))
	vf1, err := dl.FindPort(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: -1, VF: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := dl.SetPortFunctionMAC(ctx, vf1.Index, mac); err != nil {
		t.Fatal(err)
	}
	vf1, err = dl.FindPort(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: -1, VF: 1})
	if err != nil || vf1.Function == nil || vf1.Function.MAC.String() != mac.String() {
		t.Fatalf("port function of VF 1 = %+v, %v", vf1, err)
	}
	// The PF's rtnetlink view of the VF agrees: it is one MAC.
	desc, err := h.PF(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	for _, vf := range desc.VFs {
		if vf.Index == 1 && (vf.State == nil || vf.State.MAC != mac.String()) {
			t.Fatalf("VF 1 state over rtnetlink = %+v", vf.State)
		}
	}
	if err := dl.SetPortFunctionMAC(ctx, vf1.Index, net.HardwareAddr{0x01, 0, 0, 0, 0, 1}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("multicast MAC: %v", err)
	}
	if _, err := h.Devlink(offload.PCIDevice(pf)).FindPort(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: -1, VF: 9}); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("VF 9: %v", err)
	}
	st, err := h.Devlink(offload.PCIDevice(pf)).ESwitch(ctx)
	if err != nil || st.Mode != offload.ESwitchModeSwitchdev || st.InlineMode == nil || st.EncapMode == nil || *st.EncapMode != offload.EncapModeBasic {
		t.Fatalf("ESwitch = %+v, %v", st, err)
	}
	if err := h.Devlink(offload.PCIDevice(pf)).SetInlineMode(ctx, offload.InlineModeTransport); err != nil {
		t.Fatal(err)
	}
	if err := h.Devlink(offload.PCIDevice(pf)).SetEncapMode(ctx, offload.EncapModeNone); err != nil {
		t.Fatal(err)
	}
	st, _ = h.Devlink(offload.PCIDevice(pf)).ESwitch(ctx)
	if *st.InlineMode != offload.InlineModeTransport || *st.EncapMode != offload.EncapModeNone {
		t.Fatalf("after set: inline %v encap %v", *st.InlineMode, *st.EncapMode)
	}
	// nfp reports neither mode and refuses to set them.
	ag := offloadtest.NewByName(t, "agilio-flower").Host(t)
	nfp := offload.PCIDevice(offload.MustParsePCIAddress("0000:af:00.0"))
	if st, err := ag.Devlink(nfp).ESwitch(ctx); err != nil || st.InlineMode != nil || st.EncapMode != nil || st.Mode != offload.ESwitchModeSwitchdev {
		t.Fatalf("nfp ESwitch = %+v, %v", st, err)
	}
	if err := ag.Devlink(nfp).SetEncapMode(ctx, offload.EncapModeBasic); !errors.Is(err, errs.ErrNotSupported) {
		t.Fatalf("nfp encap: %v", err)
	}
}

func TestDiscoverReportsDevlinkMode(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "e810-ice")
	h := tr.Host(t)
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:3b:00.0")
	if err := h.Devlink(offload.PCIDevice(pf)).SetESwitchMode(ctx, offload.ESwitchModeSwitchdev); err != nil {
		t.Fatal(err)
	}
	pfs, err := h.Discover(ctx)
	if err != nil || len(pfs) != 1 || pfs[0].ESwitchMode != offload.ESwitchModeSwitchdev {
		t.Fatalf("Discover = %+v, %v", pfs, err)
	}
	// YUSUR has no devlink instance: the mode stays unknown, no error.
	y := offloadtest.NewByName(t, "yusur-2200e").Host(t)
	ypfs, err := y.Discover(ctx)
	if err != nil || len(ypfs) != 2 || ypfs[0].ESwitchMode != offload.ESwitchModeUnknown {
		t.Fatalf("YUSUR Discover = %+v, %v", ypfs, err)
	}
	if _, err := y.Devlink(offload.PCIDevice(ypfs[0].Address)).ESwitchMode(ctx); !errors.Is(err, errs.ErrNotFound) && !errors.Is(err, errs.ErrNotSupported) {
		t.Fatalf("YUSUR ESwitchMode: %v", err)
	}
}

// TestInjectedRefusals uses the fake kernel's fault injection: mlx5's
// EBUSY with its extended ack on a mode change, and a VF whose
// hw-tc-offload is fixed.
func TestInjectedRefusals(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := tr.Host(t)
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	tr.FailDevlink(pf.String(), offloadtest.DevlinkESwitchSet, syscall.EBUSY, "Can't change mode when VFs are bound")
	err := h.Devlink(offload.PCIDevice(pf)).SetESwitchMode(ctx, offload.ESwitchModeSwitchdev)
	var oe *errs.Error
	if !errors.Is(err, errs.ErrBusy) || !errors.As(err, &oe) || oe.Message != "Can't change mode when VFs are bound" {
		t.Fatalf("got %v, want errs.ErrBusy with the driver's message", err)
	}
	if m := tr.ESwitchMode(pf.String()); m != offload.ESwitchModeLegacy {
		t.Fatalf("mode changed to %v despite the refusal", m)
	}
	tr.FailDevlink(pf.String(), offloadtest.DevlinkESwitchSet, 0, "")
	if err := h.Devlink(offload.PCIDevice(pf)).SetESwitchMode(ctx, offload.ESwitchModeSwitchdev); err != nil {
		t.Fatal(err)
	}
	if !tr.FixFeature("enp132s0f0v0", "hw-tc-offload") {
		t.Fatal("FixFeature: no such netdev or feature")
	}
	if err := h.SetHWTCOffload(ctx, "enp132s0f0v0", true); !errors.Is(err, errs.ErrNotApplied) || !strings.Contains(err.Error(), "hw-tc-offload") {
		t.Fatalf("fixed feature: %v, want errs.ErrNotApplied naming hw-tc-offload", err)
	}
}

// TestLiveHostNetNSHWTCOffload runs the Host against this machine's
// kernel: a veth pair lives in a private network namespace, and a Host on
// the real root opened WithNetNS(that namespace) dials ethtool there
// lazily, reads hw-tc-offload and gets the kernel's not-applied report when
// turning it on. A Host in the caller's namespace does not see the veth.
func TestLiveHostNetNSHWTCOffload(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a network namespace and a veth pair")
	}
	type result struct {
		ns   vnetns.NsHandle
		skip string
	}
	ch := make(chan result, 1)
	go func() {
		// Locked and never unlocked: the thread is in the new namespace
		// and is discarded when the goroutine ends.
		runtime.LockOSThread()
		ns, err := vnetns.New()
		if err != nil {
			ch <- result{skip: fmt.Sprintf("cannot create a network namespace: %v", err)}
			return
		}
		if err := vnl.LinkAdd(&vnl.Veth{LinkAttrs: vnl.LinkAttrs{Name: "okt-hveth0"}, PeerName: "okt-hveth1"}); err != nil {
			ns.Close()
			ch <- result{skip: fmt.Sprintf("cannot create a veth pair: %v", err)}
			return
		}
		ch <- result{ns: ns}
	}()
	r := <-ch
	if r.skip != "" {
		t.Skip(r.skip)
	}
	defer r.ns.Close()

	h, err := offload.Open(offload.Config{NetNS: int(r.ns)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	on, err := h.HWTCOffload(ctx, "okt-hveth0")
	if errors.Is(err, errs.ErrNotSupported) {
		t.Skipf("no ethtool generic netlink family on this kernel: %v", err)
	}
	if err != nil || on {
		t.Fatalf("HWTCOffload(okt-hveth0) = %v, %v; want off", on, err)
	}
	err = h.SetHWTCOffload(ctx, "okt-hveth0", true)
	if !errors.Is(err, errs.ErrNotApplied) || !strings.Contains(err.Error(), "hw-tc-offload") {
		t.Fatalf("SetHWTCOffload(veth) = %v, want errs.ErrNotApplied naming hw-tc-offload", err)
	}
	t.Logf("real kernel: %v", err)

	here, err := offload.Open(offload.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer here.Close()
	if _, err := here.HWTCOffload(ctx, "okt-hveth0"); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("okt-hveth0 from the caller's namespace: %v, want errs.ErrNotFound", err)
	}
}

func TestDevlinkDevices(t *testing.T) {
	t.Parallel()
	h := offloadtest.NewByName(t, "yusur-2200e").Host(t)
	ctx := context.Background()
	if ds, err := h.DevlinkDevices(ctx); err != nil || len(ds) != 0 {
		t.Fatalf("YUSUR (no devlink driver): %v, %v", ds, err)
	}
	h = offloadtest.NewByName(t, "cx5-switchdev").Host(t)
	ds, err := h.DevlinkDevices(ctx)
	want := []offload.Device{{Bus: "pci", Name: "0000:84:00.0"}, {Bus: "pci", Name: "0000:84:00.1"}}
	if err != nil || !cmp.Equal(want, ds) {
		t.Fatalf("DevlinkDevices = %v, %v; want %v", ds, err, want)
	}
}
