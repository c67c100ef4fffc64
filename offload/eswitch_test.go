package offload_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

func TestSetESwitchModeCreatesRepresentors(t *testing.T) {
	tr := offloadtest.NewByName(t, "cx5-legacy")
	h := tr.Host(t)
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	if m, err := h.ESwitchMode(ctx, pf); err != nil || m != offload.ESwitchModeLegacy {
		t.Fatalf("ESwitchMode = %v, %v; want legacy", m, err)
	}
	if _, err := h.VFRepresentorByIndex(ctx, pf, 2); !errors.Is(err, offload.ErrNotSwitchdev) {
		t.Fatalf("representor in legacy mode: %v, want ErrNotSwitchdev", err)
	}
	if err := h.SetESwitchMode(ctx, pf, offload.ESwitchModeSwitchdev); err != nil {
		t.Fatal(err)
	}
	if got := tr.ESwitchMode(pf.String()); got != offload.ESwitchModeSwitchdev {
		t.Fatalf("fake kernel mode = %v", got)
	}
	if _, err := os.Lstat(filepath.Join(tr.Root, "sys/class/net/enp132s0f0r2")); err != nil {
		t.Fatalf("representor netdev not created in sysfs: %v", err)
	}
	r, err := h.VFRepresentorByIndex(ctx, pf, 2)
	if err != nil || r.Netdev != "enp132s0f0r2" {
		t.Fatalf("VFRepresentorByIndex = %+v, %v", r, err)
	}
	if err := h.SetESwitchMode(ctx, pf, offload.ESwitchModeLegacy); err != nil {
		t.Fatal(err)
	}
	if _, err := h.VFRepresentorByIndex(ctx, pf, 2); err == nil {
		t.Fatal("representor still found after going back to legacy")
	}
}

func TestParamFlowSteeringMode(t *testing.T) {
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h := tr.Host(t)
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	v, err := h.Param(ctx, pf, "flow_steering_mode", offload.ParamCModeRuntime)
	if err != nil || v.String != "dmfs" || v.Type != offload.ParamTypeString {
		t.Fatalf("Param = %+v, %v", v, err)
	}
	if err := h.SetParam(ctx, pf, "flow_steering_mode", offload.ParamCModeRuntime, offload.StringParam(string(offload.FlowSteeringSMFS))); err != nil {
		t.Fatal(err)
	}
	v, err = h.Param(ctx, pf, "flow_steering_mode", offload.ParamCModeRuntime)
	if err != nil || v.String != "smfs" {
		t.Fatalf("after set: %+v, %v", v, err)
	}
	// The other PF keeps its own value.
	v, err = h.Param(ctx, offload.MustParsePCIAddress("0000:84:00.1"), "flow_steering_mode", offload.ParamCModeRuntime)
	if err != nil || v.String != "dmfs" {
		t.Fatalf("PF 1: %+v, %v", v, err)
	}
	err = h.SetParam(ctx, pf, "flow_steering_mode", offload.ParamCModeRuntime, offload.StringParam("bogus"))
	var oe *offload.Error
	if !errors.Is(err, offload.ErrInvalidArgument) || !errors.As(err, &oe) || oe.Message == "" {
		t.Fatalf("bogus mode: %v, want ErrInvalidArgument with the kernel's message", err)
	}
	if err := h.SetParam(ctx, pf, "max_macs", offload.ParamCModeDriverInit, offload.UintParam(64)); err != nil {
		t.Fatal(err)
	}
	if err := h.SetParam(ctx, pf, "max_macs", offload.ParamCModeDriverInit, offload.StringParam("64")); !errors.Is(err, offload.ErrInvalidArgument) {
		t.Fatalf("string for a u32: %v", err)
	}
	if _, err := h.Param(ctx, pf, "no_such_param", offload.ParamCModeRuntime); err == nil {
		t.Fatal("unknown parameter read without error")
	}
	if err := h.ReloadDevice(ctx, pf); err != nil || tr.Reloads(pf.String()) != 1 {
		t.Fatalf("ReloadDevice = %v, reloads %d", err, tr.Reloads(pf.String()))
	}
}

func TestHWTCOffload(t *testing.T) {
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
	if !errors.Is(err, offload.ErrNotApplied) {
		t.Fatalf("eno1: %v, want ErrNotApplied", err)
	}
	if _, err := h.HWTCOffload(ctx, "nope0"); !errors.Is(err, offload.ErrNotFound) {
		t.Fatalf("missing netdev: %v, want ErrNotFound", err)
	}
	if err := h.SetHWTCOffload(ctx, "../etc", true); !errors.Is(err, offload.ErrInvalidArgument) {
		t.Fatalf("hostile name: %v", err)
	}
}

func TestNoKernelOnPlainRoot(t *testing.T) {
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h, err := offload.Open(offload.WithRoot(tr.Root))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")
	if err := h.SetESwitchMode(ctx, pf, offload.ESwitchModeSwitchdev); !errors.Is(err, offload.ErrNotSupported) {
		t.Fatalf("SetESwitchMode without devlink: %v", err)
	}
	if _, err := h.HWTCOffload(ctx, "enp132s0f0np0"); !errors.Is(err, offload.ErrNotSupported) {
		t.Fatalf("HWTCOffload without ethtool: %v", err)
	}
}
