//go:build vmtest

package vmtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/internal/devlink"
	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

const nsimBus = "/sys/bus/netdevsim"

// newNetdevsim creates netdevsim device id with ports physical ports and
// removes it when the test ends. It returns the devlink-style Device.
func newNetdevsim(t *testing.T, id, ports int) offload.Device {
	t.Helper()
	needRoot(t)
	Require(t, FeatureNetdevsim, fileExists(nsimBus+"/new_device"))
	name := fmt.Sprintf("netdevsim%d", id)
	if err := os.WriteFile(nsimBus+"/new_device", []byte(fmt.Sprintf("%d %d", id, ports)), 0); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(nsimBus+"/del_device", []byte(strconv.Itoa(id)), 0); err != nil {
			t.Errorf("delete %s: %v", name, err)
		}
	})
	// The ports' netdevs appear asynchronously after the device probes.
	if err := waitFor(30*time.Second, func() error {
		n := len(netdevsOf(name))
		if n < ports {
			return fmt.Errorf("%s has %d of %d port netdevs", name, n, ports)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return offload.Device{Bus: "netdevsim", Name: name}
}

// netdevsOf lists the netdevs below a netdevsim device, sorted.
func netdevsOf(dev string) []string {
	ents, _ := os.ReadDir(filepath.Join(nsimBus, "devices", dev, "net"))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func readTrim(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func openHost(t testing.TB) *offload.Host {
	t.Helper()
	h, err := offload.Open(offload.Config{})
	if err != nil {
		t.Fatalf("offload.Open: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// TestNetdevsimSwitchdevRepresentors drives the eswitch of a real netdevsim
// device through package offload and resolves its ports against the sysfs
// the kernel creates: legacy with no representors, switchdev with one
// pcivf representor per VF whose phys_port_name, flavour and numbers the
// library must decode, and back to legacy.
func TestNetdevsimSwitchdevRepresentors(t *testing.T) {
	dev := newNetdevsim(t, 11, 2)
	ctx := t.Context()
	h := openHost(t)
	Require(t, FeatureDevlink, genlFamily("devlink"))

	if err := os.WriteFile(filepath.Join(nsimBus, "devices", dev.Name, "sriov_numvfs"), []byte("4"), 0); err != nil {
		t.Fatalf("sriov_numvfs=4: %v", err)
	}
	mode, err := h.Devlink(dev).ESwitchMode(ctx)
	if err != nil {
		t.Fatalf("DeviceESwitchMode: %v", err)
	}
	if mode != offload.ESwitchModeLegacy {
		t.Fatalf("fresh netdevsim eswitch mode %v, want legacy", mode)
	}
	ports, err := h.Devlink(dev).Representors(ctx)
	if err != nil {
		t.Fatalf("DevicePorts in legacy: %v", err)
	}
	if len(ports) != 2 {
		t.Errorf("legacy: %d switch ports, want the 2 physical: %+v", len(ports), ports)
	}
	for i, p := range ports {
		if p.PortName.Flavour != offload.PortFlavourPhysical || p.PortName.Raw != fmt.Sprintf("p%d", i+1) {
			t.Errorf("legacy port %d: %s flavour %v, want physical p%d", i, p.PortName, p.PortName.Flavour, i+1)
		}
	}

	if err := h.Devlink(dev).SetESwitchMode(ctx, offload.ESwitchModeSwitchdev); err != nil {
		t.Fatalf("SetDeviceESwitchMode(switchdev): %v", err)
	}
	t.Cleanup(func() { h.Devlink(dev).SetESwitchMode(context.Background(), offload.ESwitchModeLegacy) })
	if mode, err := h.Devlink(dev).ESwitchMode(ctx); err != nil || mode != offload.ESwitchModeSwitchdev {
		t.Fatalf("after set: mode %v, %v; want switchdev", mode, err)
	}
	if err := waitFor(30*time.Second, func() error {
		if n := len(netdevsOf(dev.Name)); n != 6 {
			return fmt.Errorf("%d netdevs below %s, want 2 uplinks + 4 representors", n, dev.Name)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ports, err = h.Devlink(dev).Representors(ctx)
	if err != nil {
		t.Fatalf("DevicePorts in switchdev: %v", err)
	}
	var vfs []offload.Representor
	for _, p := range ports {
		if p.PortName.Flavour == offload.PortFlavourPCIVF {
			vfs = append(vfs, p)
		}
	}
	if len(vfs) != 4 {
		t.Fatalf("switchdev: %d pcivf representors, want 4: %+v", len(vfs), ports)
	}
	switchID := ""
	for _, p := range ports {
		// Cross-check every decoded field against the raw sysfs attributes.
		raw := readTrim(t, "/sys/class/net/"+p.Netdev+"/phys_port_name")
		if raw != p.PortName.Raw {
			t.Errorf("%s: library says phys_port_name %q, sysfs %q", p.Netdev, p.PortName, raw)
		}
		sid := readTrim(t, "/sys/class/net/"+p.Netdev+"/phys_switch_id")
		if p.SwitchID != sid || len(sid) != 64 {
			t.Errorf("%s: switch id %q, sysfs %q (netdevsim ids are 32 bytes, 64 hex digits)", p.Netdev, p.SwitchID, sid)
		}
		if switchID == "" {
			switchID = sid
		} else if sid != switchID {
			t.Errorf("%s: switch id %s differs from the other ports' %s", p.Netdev, sid, switchID)
		}
	}
	for vf := 0; vf < 4; vf++ {
		r, err := h.Devlink(dev).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: 0, VF: vf, SF: -1})
		if err != nil {
			t.Errorf("FindPort(pcivf %d): %v", vf, err)
			continue
		}
		// Controller is -1 for a name without "c<N>": the local controller.
		if r.PortName.Raw != fmt.Sprintf("pf0vf%d", vf) || r.PortName.VF != vf || r.PortName.PF != 0 || r.PortName.Controller > 0 || r.PortName.Flavour != offload.PortFlavourPCIVF {
			t.Errorf("FindPort(pcivf %d) = %+v", vf, r)
		}
		back, err := h.RepresentorOf(ctx, r.Netdev)
		if err != nil {
			t.Errorf("RepresentorOf(%s): %v", r.Netdev, err)
		} else if back.PortName.Flavour != offload.PortFlavourPCIVF || back.PortName.VF != vf {
			t.Errorf("RepresentorOf(%s) = %+v, want pcivf %d", r.Netdev, back, vf)
		}
	}
	if _, err := h.Devlink(dev).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: 0, VF: 4, SF: -1}); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("FindPort(pcivf 4) of 4 VFs: %v, want ErrNotFound", err)
	}

	// The devlink port dump must agree with sysfs: flavour pcivf,
	// controller 0, pfnum 0, vfnum N, and the representor's netdev name.
	dl, err := devlink.Dial(nil)
	if err != nil {
		t.Fatalf("devlink.Dial: %v", err)
	}
	defer dl.Close()
	dports, err := dl.Ports(ctx, devlink.Handle{Bus: dev.Bus, Device: dev.Name})
	if err != nil {
		t.Fatalf("devlink Ports: %v", err)
	}
	if len(dports) != 6 {
		t.Errorf("devlink port dump: %d ports, want 6: %+v", len(dports), dports)
	}
	byName := map[string]devlink.Port{}
	for _, p := range dports {
		byName[p.Netdev] = p
	}
	for _, r := range vfs {
		p, ok := byName[r.Netdev]
		if !ok {
			t.Errorf("devlink port dump has no port for representor %s", r.Netdev)
			continue
		}
		if !p.HasFlavour || p.Flavour != devlink.PortFlavourPCIVF || !p.HasVF || p.VF != uint16(r.PortName.VF) ||
			!p.HasPF || p.PF != 0 || (p.HasController && p.Controller != 0) || p.External {
			t.Errorf("devlink port of %s = %+v, want pcivf pf 0 vf %d local", r.Netdev, p, r.PortName.VF)
		}
	}

	if err := h.Devlink(dev).SetESwitchMode(ctx, offload.ESwitchModeLegacy); err != nil {
		t.Fatalf("SetDeviceESwitchMode(legacy): %v", err)
	}
	if err := waitFor(30*time.Second, func() error {
		if n := len(netdevsOf(dev.Name)); n != 2 {
			return fmt.Errorf("%d netdevs below %s after legacy, want 2", n, dev.Name)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	if _, err := h.Devlink(dev).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: 0, VF: 0, SF: -1}); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("FindPort(pcivf 0) in legacy: %v, want ErrNotFound", err)
	}
}

// TestNetdevsimSRIOVNumVFs writes sriov_numvfs on the netdevsim bus device
// through internal/sysfs and checks the kernel's answers map onto the error
// contract: changing a non-zero count is EBUSY (errs.ErrBusy), more than
// max_vfs is refused, the same count is a no-op, garbage is EINVAL.
func TestNetdevsimSRIOVNumVFs(t *testing.T) {
	dev := newNetdevsim(t, 12, 1)
	ctx := t.Context()
	fs, err := sysfs.New("/", nil)
	if err != nil {
		t.Fatal(err)
	}
	attr := "sys/bus/netdevsim/devices/" + dev.Name + "/sriov_numvfs"
	maxVFs, err := strconv.Atoi(readTrim(t, "/sys/kernel/debug/netdevsim/"+dev.Name+"/max_vfs"))
	if err != nil {
		t.Fatalf("debugfs max_vfs: %v", err)
	}
	wrap := func(err error) error {
		if err == nil {
			return nil
		}
		return &errs.Error{Op: "set sriov_numvfs", Device: dev.String(), Err: err}
	}
	numVFs := func() int {
		n, err := fs.ReadInt(attr)
		if err != nil {
			t.Fatalf("read sriov_numvfs: %v", err)
		}
		return n
	}

	if err := fs.WriteFile(ctx, attr, []byte("2")); err != nil {
		t.Fatalf("sriov_numvfs=2: %v", err)
	}
	if n := numVFs(); n != 2 {
		t.Fatalf("sriov_numvfs reads %d after writing 2", n)
	}
	err = wrap(fs.WriteFile(ctx, attr, []byte("3")))
	if !errors.Is(err, errs.ErrBusy) || !errors.Is(err, syscall.EBUSY) {
		t.Errorf("2 -> 3 VFs: %v, want EBUSY / errs.ErrBusy", err)
	}
	if n := numVFs(); n != 2 {
		t.Errorf("sriov_numvfs reads %d after a refused change, want 2", n)
	}
	if err := fs.WriteFile(ctx, attr, []byte("2")); err != nil {
		t.Errorf("rewriting the same count: %v, want no-op", err)
	}
	if err := fs.WriteFile(ctx, attr, []byte("0")); err != nil {
		t.Fatalf("sriov_numvfs=0: %v", err)
	}
	err = fs.WriteFile(ctx, attr, []byte(strconv.Itoa(maxVFs+1)))
	// netdevsim answers ENOMEM where a PCI PF answers ERANGE: both are the
	// kernel refusing more VFs than the device has.
	if !errors.Is(err, syscall.ENOMEM) {
		t.Errorf("%d VFs of max %d: %v, want ENOMEM", maxVFs+1, maxVFs, err)
	}
	if n := numVFs(); n != 0 {
		t.Errorf("sriov_numvfs reads %d after an over-the-limit write, want 0", n)
	}
	if err := wrap(fs.WriteFile(ctx, attr, []byte("x"))); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("writing x: %v, want EINVAL / errs.ErrInvalidArgument", err)
	}
	if err := fs.WriteFile(ctx, attr, []byte(strconv.Itoa(maxVFs))); err != nil {
		t.Errorf("sriov_numvfs=max_vfs (%d): %v", maxVFs, err)
	}
	if n := numVFs(); n != maxVFs {
		t.Errorf("sriov_numvfs reads %d, want %d", n, maxVFs)
	}
}

// TestNetdevsimDevlinkParams reads and sets netdevsim's driverinit params
// through package offload and checks, after a devlink reload, that the
// driver applied them (its debugfs mirrors the values).
func TestNetdevsimDevlinkParams(t *testing.T) {
	dev := newNetdevsim(t, 13, 1)
	ctx := t.Context()
	h := openHost(t)
	Require(t, FeatureDevlink, genlFamily("devlink"))
	dbg := "/sys/kernel/debug/netdevsim/" + dev.Name

	v, err := h.Devlink(dev).Param(ctx, "max_macs", offload.ParamCModeDriverInit)
	if err != nil {
		t.Fatalf("DeviceParam(max_macs): %v", err)
	}
	if v.Type != offload.ParamTypeU32 || strconv.FormatUint(v.Uint, 10) != readTrim(t, dbg+"/max_macs") {
		t.Errorf("max_macs = %+v, debugfs says %s", v, readTrim(t, dbg+"/max_macs"))
	}
	b, err := h.Devlink(dev).Param(ctx, "test1", offload.ParamCModeDriverInit)
	if err != nil {
		t.Fatalf("DeviceParam(test1): %v", err)
	}
	if b.Type != offload.ParamTypeBool || !b.Bool {
		t.Errorf("test1 = %+v, want bool true (netdevsim's default)", b)
	}
	// The kernel answers EINVAL for a parameter the driver does not
	// register; either sentinel is an honest mapping, silence is not.
	_, err = h.Devlink(dev).Param(ctx, "no_such_param", offload.ParamCModeDriverInit)
	if !errors.Is(err, errs.ErrNotFound) && !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("DeviceParam(no_such_param): %v, want ErrNotFound or ErrInvalidArgument", err)
	}
	t.Logf("DeviceParam(no_such_param): %v", err)

	want := v.Uint/2 + 1
	if err := h.Devlink(dev).SetParam(ctx, "max_macs", offload.ParamCModeDriverInit, offload.UintParam(want)); err != nil {
		t.Fatalf("SetDeviceParam(max_macs=%d): %v", want, err)
	}
	if err := h.Devlink(dev).SetParam(ctx, "test1", offload.ParamCModeDriverInit, offload.BoolParam(false)); err != nil {
		t.Fatalf("SetDeviceParam(test1=false): %v", err)
	}
	if got, err := h.Devlink(dev).Param(ctx, "max_macs", offload.ParamCModeDriverInit); err != nil || got.Uint != want {
		t.Errorf("max_macs reads %+v, %v after set, want %d", got, err, want)
	}
	if got := readTrim(t, dbg+"/max_macs"); got != strconv.FormatUint(v.Uint, 10) {
		t.Errorf("driverinit max_macs applied before reload: debugfs %s", got)
	}
	dl, err := devlink.Dial(nil)
	if err != nil {
		t.Fatalf("devlink.Dial: %v", err)
	}
	defer dl.Close()
	if _, err := dl.Reload(ctx, devlink.Handle{Bus: dev.Bus, Device: dev.Name}, devlink.ReloadDriverReinit); err != nil {
		t.Fatalf("devlink reload: %v", err)
	}
	if got := readTrim(t, dbg+"/max_macs"); got != strconv.FormatUint(want, 10) {
		t.Errorf("after reload debugfs max_macs = %s, want %d", got, want)
	}
	if got := readTrim(t, dbg+"/test1"); got != "N" {
		t.Errorf("after reload debugfs test1 = %s, want N", got)
	}
}

// TestNetdevsimHWTCOffload toggles the hw-tc-offload feature of a netdevsim
// port through package offload (ethtool netlink) and reads it back.
func TestNetdevsimHWTCOffload(t *testing.T) {
	dev := newNetdevsim(t, 14, 1)
	ctx := t.Context()
	h := openHost(t)
	Require(t, FeatureEthtoolNL, genlFamily("ethtool"))
	port := netdevsOf(dev.Name)[0]
	for _, on := range []bool{true, false, true} {
		if err := h.SetHWTCOffload(ctx, port, on); err != nil {
			t.Fatalf("SetHWTCOffload(%s, %v): %v", port, on, err)
		}
		got, err := h.HWTCOffload(ctx, port)
		if err != nil {
			t.Fatalf("HWTCOffload(%s): %v", port, err)
		}
		if got != on {
			t.Errorf("hw-tc-offload of %s reads %v after setting %v", port, got, on)
		}
	}
	if _, err := h.HWTCOffload(ctx, "nosuchdev0"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("HWTCOffload(nosuchdev0): %v, want ErrNotFound", err)
	}
}

// TestBondOfRealBond enslaves two dummy netdevs to a real active-backup
// bond and checks offload.Host.BondOf reads it from the kernel's sysfs.
func TestBondOfRealBond(t *testing.T) {
	needRoot(t)
	needTools(t, "ip")
	Require(t, FeatureBonding, func() error {
		out, err := runErr("ip", "link", "add", "vmtbondp", "type", "bond")
		if err != nil {
			return fmt.Errorf("ip link add type bond: %v: %s", err, out)
		}
		runErr("ip", "link", "del", "vmtbondp")
		return nil
	})
	run(t, "ip", "link", "add", "vmtbond0", "type", "bond", "mode", "active-backup")
	t.Cleanup(func() { runErr("ip", "link", "del", "vmtbond0") })
	for _, s := range []string{"vmtd0", "vmtd1"} {
		run(t, "ip", "link", "add", s, "type", "dummy")
		t.Cleanup(func() { runErr("ip", "link", "del", s) })
		run(t, "ip", "link", "set", s, "master", "vmtbond0")
	}
	run(t, "ip", "link", "add", "vmtd2", "type", "dummy")
	t.Cleanup(func() { runErr("ip", "link", "del", "vmtd2") })

	h := openHost(t)
	ctx := t.Context()
	b, err := h.BondOf(ctx, "vmtd1")
	if err != nil {
		t.Fatalf("BondOf(vmtd1): %v", err)
	}
	if b == nil {
		t.Fatal("BondOf(vmtd1) = nil, want vmtbond0")
	}
	if b.Name != "vmtbond0" || b.Mode != offload.ParseBondMode("active-backup") || strings.Join(b.Slaves, ",") != "vmtd0,vmtd1" {
		t.Errorf("BondOf(vmtd1) = %+v, want vmtbond0 active-backup [vmtd0 vmtd1]", b)
	}
	if b.Mode.String() != "active-backup" {
		t.Errorf("mode prints %q", b.Mode)
	}
	if b, err := h.BondOf(ctx, "vmtd2"); err != nil || b != nil {
		t.Errorf("BondOf(unenslaved vmtd2) = %+v, %v; want nil, nil", b, err)
	}
}
