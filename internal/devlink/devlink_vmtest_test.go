//go:build vmtest

package devlink_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/internal/devlink"
	"github.com/offloadkit/offloadkit/internal/vmtest"
	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// These tests run the client against a real kernel's devlink with a
// netdevsim device, in the vmtest guest (`make vmtest`). Outside it they
// skip with the reason; inside it, on a kernel known to have netdevsim and
// devlink, a missing feature fails (vmtest.Require).

const nsimID = 30 // unique among the vmtest-tagged tests

func dialDevlink(t *testing.T) *devlink.Client {
	t.Helper()
	var c *devlink.Client
	vmtest.Require(t, vmtest.FeatureDevlink, func() error {
		var err error
		c, err = devlink.Dial(nil)
		return err
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// newNetdevsim creates netdevsim<id> with one port (`echo "<id> 1" >
// /sys/bus/netdevsim/new_device`) and removes it when the test ends.
func newNetdevsim(t *testing.T, id int) devlink.Handle {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create netdevsim devices")
	}
	vmtest.Require(t, vmtest.FeatureNetdevsim, func() error {
		_, err := os.Stat("/sys/bus/netdevsim/new_device")
		return err
	})
	name := fmt.Sprintf("netdevsim%d", id)
	if err := os.WriteFile("/sys/bus/netdevsim/new_device", []byte(fmt.Sprintf("%d 1", id)), 0); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile("/sys/bus/netdevsim/del_device", []byte(strconv.Itoa(id)), 0); err != nil {
			t.Errorf("delete %s: %v", name, err)
		}
	})
	waitNetdevs(t, name, 1)
	return devlink.Handle{Bus: "netdevsim", Device: name}
}

func netdevsOf(dev string) []string {
	ents, _ := os.ReadDir(filepath.Join("/sys/bus/netdevsim/devices", dev, "net"))
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// waitNetdevs waits until dev has n netdevs: they appear after the probe,
// asynchronously. Polling is bounded; nothing is timed.
func waitNetdevs(t *testing.T, dev string, n int) {
	t.Helper()
	for i := 0; i < 300; i++ {
		if len(netdevsOf(dev)) == n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: %d netdevs, want %d", dev, len(netdevsOf(dev)), n)
}

func TestVMDevlinkNetdevsim(t *testing.T) {
	c := dialDevlink(t)
	h := newNetdevsim(t, nsimID)
	ctx := t.Context()

	ins, err := c.Instances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, in := range ins {
		found = found || in.Handle == h
	}
	if !found {
		t.Fatalf("DEVLINK_CMD_GET dump %+v lacks %s", ins, h)
	}

	e, err := c.ESwitch(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if !e.HasMode || e.Mode != devlink.ESwitchModeLegacy {
		t.Fatalf("eswitch of a new netdevsim = %+v, want legacy", e)
	}

	// 4 VFs, then switchdev: one pcivf port per VF, with a representor.
	numvfs := filepath.Join("/sys/bus/netdevsim/devices", h.Device, "sriov_numvfs")
	if err := os.WriteFile(numvfs, []byte("4"), 0); err != nil {
		t.Fatalf("sriov_numvfs: %v", err)
	}
	mode := devlink.ESwitchModeSwitchdev
	if err := c.SetESwitch(ctx, h, devlink.ESwitchConfig{Mode: &mode}); err != nil {
		t.Fatalf("eswitch set switchdev: %v", err)
	}
	if e, err := c.ESwitch(ctx, h); err != nil || e.Mode != devlink.ESwitchModeSwitchdev {
		t.Fatalf("after set: %+v, %v", e, err)
	}
	waitNetdevs(t, h.Device, 5)

	ports, err := c.Ports(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	var phys, vfs int
	for _, p := range ports {
		if p.Handle != h || !p.HasFlavour {
			t.Errorf("port %+v: wrong handle or no flavour", p)
			continue
		}
		if p.Netdev == "" {
			t.Errorf("port %d has no netdev name", p.Index)
			continue
		}
		raw, err := os.ReadFile("/sys/class/net/" + p.Netdev + "/phys_port_name")
		if err != nil {
			t.Errorf("port %d netdev %s: %v", p.Index, p.Netdev, err)
			continue
		}
		pn := offload.ParsePhysPortName(strings.TrimSpace(string(raw)))
		switch p.Flavour {
		case devlink.PortFlavourPhysical:
			phys++
			if !p.HasNumber || pn.Flavour != offload.PortFlavourPhysical || int(p.Number) != pn.Port {
				t.Errorf("physical port %+v, phys_port_name %q", p, raw)
			}
		case devlink.PortFlavourPCIVF:
			vfs++
			if !p.HasPF || p.PF != 0 || !p.HasVF || int(p.VF) != pn.VF || pn.Flavour != offload.PortFlavourPCIVF || p.External {
				t.Errorf("pcivf port %+v, phys_port_name %q", p, raw)
			}
		}
		if one, err := c.Port(ctx, h, p.Index); err != nil || one.Index != p.Index || one.Netdev != p.Netdev {
			t.Errorf("Port(%d) = %+v, %v", p.Index, one, err)
		}
	}
	if phys != 1 || vfs != 4 {
		t.Fatalf("ports: %d physical, %d pcivf; want 1 and 4: %+v", phys, vfs, ports)
	}

	// Port function hw_addr of a VF port, where netdevsim implements it.
	for _, p := range ports {
		if p.Flavour != devlink.PortFlavourPCIVF || p.VF != 1 {
			continue
		}
		mac := net.HardwareAddr{0x02, 0, 0, 0, 0x30, 0x01}
		err := c.SetPortFunction(ctx, h, p.Index, devlink.PortFunctionConfig{HWAddr: mac})
		if errors.Is(err, errs.ErrNotSupported) {
			t.Logf("netdevsim has no port function hw_addr here: %v", err)
			break
		}
		if err != nil {
			t.Fatalf("port function set hw_addr: %v", err)
		}
		got, err := c.Port(ctx, h, p.Index)
		if err != nil || got.Function == nil || got.Function.HWAddr.String() != mac.String() {
			t.Fatalf("hw_addr read back: %+v, %v", got.Function, err)
		}
	}

	// Parameters: max_macs (u32, driverinit, generic) and test1 (bool,
	// driverinit); driverinit values apply on reload.
	ps, err := c.Params(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]devlink.Param{}
	for _, p := range ps {
		byName[p.Name] = p
	}
	mm, ok := byName["max_macs"]
	if !ok || mm.Type != devlink.ParamTypeU32 || !mm.Generic {
		t.Fatalf("max_macs = %+v (found %v)", mm, ok)
	}
	t1, ok := byName["test1"]
	if !ok || t1.Type != devlink.ParamTypeBool {
		t.Fatalf("test1 = %+v (found %v)", t1, ok)
	}
	if err := c.SetParam(ctx, h, "max_macs", devlink.ParamTypeU32, devlink.ParamValue{CMode: devlink.CModeDriverInit, Uint: 16}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetParam(ctx, h, "test1", devlink.ParamTypeBool, devlink.ParamValue{CMode: devlink.CModeDriverInit, Bool: false}); err != nil {
		t.Fatal(err)
	}
	p, err := c.Param(ctx, h, "max_macs")
	if v, ok := p.Value(devlink.CModeDriverInit); err != nil || !ok || v.Uint != 16 {
		t.Fatalf("max_macs read back %+v, %v", p, err)
	}
	p, err = c.Param(ctx, h, "test1")
	if v, ok := p.Value(devlink.CModeDriverInit); err != nil || !ok || v.Bool {
		t.Fatalf("test1 read back %+v, %v", p, err)
	}
	if err := c.SetParam(ctx, h, "max_macs", devlink.ParamTypeU32, devlink.ParamValue{CMode: devlink.CModeRuntime, Uint: 16}); err == nil {
		t.Fatal("max_macs has no runtime cmode, yet the kernel accepted one")
	}
	if _, err := c.Param(ctx, h, "no_such_param"); err == nil {
		t.Fatal("unknown parameter read without error")
	}

	// Reload applies driverinit values; it is refused while in switchdev
	// with VFs on some kernels, so go back to legacy first.
	legacy := devlink.ESwitchModeLegacy
	if err := c.SetESwitch(ctx, h, devlink.ESwitchConfig{Mode: &legacy}); err != nil {
		t.Fatalf("eswitch set legacy: %v", err)
	}
	waitNetdevs(t, h.Device, 1)
	if err := os.WriteFile(numvfs, []byte("0"), 0); err != nil {
		t.Fatalf("sriov_numvfs 0: %v", err)
	}
	done, err := c.Reload(ctx, h, devlink.ReloadDriverReinit)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if len(done) == 0 || done[0] != devlink.ReloadDriverReinit {
		t.Fatalf("reload performed %v, want driver_reinit", done)
	}
	waitNetdevs(t, h.Device, 1)

	// Errors map onto the contract, with the kernel's message.
	if _, err := c.ESwitch(ctx, devlink.Handle{Bus: "netdevsim", Device: "netdevsim999"}); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("unknown device: %v, want ErrNotFound", err)
	}
}
