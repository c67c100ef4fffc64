package offload_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// Switch a ConnectX-5 PF to switchdev, the guides' `devlink dev eswitch
// set pci/0000:84:00.0 mode switchdev`, and find the representor that
// appears for VF 0.
func ExampleDevlink_SetESwitchMode() {
	h, done := fakeHost("cx5-legacy")
	defer done()
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")

	before, _ := h.Devlink(offload.PCIDevice(pf)).ESwitchMode(ctx)
	if err := h.Devlink(offload.PCIDevice(pf)).SetESwitchMode(ctx, offload.ESwitchModeSwitchdev); err != nil {
		fmt.Println(err)
		return
	}
	after, _ := h.Devlink(offload.PCIDevice(pf)).ESwitchMode(ctx)
	rep, err := h.Devlink(offload.PCIDevice(pf)).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: int(pf.Function), VF: 0})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %s -> %s, VF 0 representor %s (%s)\n", pf, before, after, rep.Netdev, rep.PortName)
	// Output:
	// 0000:84:00.0: legacy -> switchdev, VF 0 representor enp132s0f0r0 (pf0vf0)
}

// Set the mlx5 flow steering mode to software-managed, the guides'
// `devlink dev param set pci/0000:84:00.0 name flow_steering_mode value
// smfs cmode runtime`; SetParam reads the value back.
func ExampleDevlink_SetParam() {
	h, done := fakeHost("cx5-switchdev")
	defer done()
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")

	v, _ := h.Devlink(offload.PCIDevice(pf)).Param(ctx, "flow_steering_mode", offload.ParamCModeRuntime)
	fmt.Println("before:", v.String)
	err := h.Devlink(offload.PCIDevice(pf)).SetParam(ctx, "flow_steering_mode", offload.ParamCModeRuntime, offload.StringParam(string(offload.FlowSteeringSMFS)))
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ = h.Devlink(offload.PCIDevice(pf)).Param(ctx, "flow_steering_mode", offload.ParamCModeRuntime)
	fmt.Println("after:", v.String)
	// Output:
	// before: dmfs
	// after: smfs
}

// Turn on hw-tc-offload on the uplink (`ethtool -K enp132s0f0np0
// hw-tc-offload on`); a netdev that cannot offload tc reports the feature
// as not applied instead of failing silently.
func ExampleHost_SetHWTCOffload() {
	h, done := fakeHost("cx5-switchdev")
	defer done()
	ctx := context.Background()

	if err := h.SetHWTCOffload(ctx, "enp132s0f0np0", true); err != nil {
		fmt.Println(err)
		return
	}
	on, _ := h.HWTCOffload(ctx, "enp132s0f0np0")
	fmt.Println("enp132s0f0np0 hw-tc-offload:", on)

	err := h.SetHWTCOffload(ctx, "eno1", true)
	fmt.Println("eno1 not applied:", errors.Is(err, errs.ErrNotApplied))
	// Output:
	// enp132s0f0np0 hw-tc-offload: true
	// eno1 not applied: true
}

// List the devlink ports of a BlueField-2 DPU: the uplink, the host PF,
// the host VFs on external controller 1 and a local SF.
func ExampleDevlink_Ports() {
	h, done := fakeHost("bf2-dpu")
	defer done()
	ports, err := h.Devlink(offload.PCIDevice(offload.MustParsePCIAddress("0000:03:00.0"))).Ports(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range ports {
		fmt.Printf("%-8s %-13s controller=%d pf=%d vf=%d sf=%d external=%v\n", p.PortName.Flavour, p.Netdev, p.PortName.Controller, p.PortName.PF, p.PortName.VF, p.PortName.SF, p.External)
	}
	// Output:
	// physical p0            controller=-1 pf=-1 vf=-1 sf=-1 external=false
	// pcipf    pf0hpf        controller=1 pf=0 vf=-1 sf=-1 external=true
	// pcisf    en3f0pf0sf88  controller=0 pf=0 vf=-1 sf=88 external=false
	// pcivf    pf0vf0host    controller=1 pf=0 vf=0 sf=-1 external=true
	// pcivf    pf0vf1host    controller=1 pf=0 vf=1 sf=-1 external=true
	// pcivf    pf0vf2host    controller=1 pf=0 vf=2 sf=-1 external=true
	// pcivf    pf0vf3host    controller=1 pf=0 vf=3 sf=-1 external=true
}
