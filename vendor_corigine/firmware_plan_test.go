package corigine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	"github.com/offloadkit/offloadkit/offload/switchdev"
	corigine "github.com/offloadkit/offloadkit/vendor_corigine"
)

// nicFirmwareHost returns the agilio-flower tree as it is before the guide's
// firmware change: the NIC firmware, whose eswitch query fails and which
// has no representors; an engine whose corigine backend plans the change
// with the images in dir; and the backend.
func nicFirmwareHost(t *testing.T, fw corigine.FirmwareOptions) (*offloadtest.Tree, *switchdev.Engine, *corigine.Backend) {
	t.Helper()
	tr := offloadtest.NewByName(t, "agilio-flower")
	if err := tr.SetESwitchMode(agilioPF, offload.ESwitchModeUnknown); err != nil {
		t.Fatal(err)
	}
	be := corigine.New()
	be.Firmware = fw
	return tr, switchdev.New(tr.Host(t), switchdev.Config{Backends: []switchdev.Backend{be}}), be
}

func kinds(steps []switchdev.Step) []switchdev.StepKind {
	var k []switchdev.StepKind
	for _, s := range steps {
		k = append(k, s.Kind)
	}
	return k
}

// TestFirmwarePlanSteps: with Select, the NIC-firmware card gets the
// guide's firmware change as typed steps, the link done by Apply and the
// initramfs and reload manual, each with its risk; without Select, Plan
// refuses as before.
func TestFirmwarePlanSteps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pf := offload.MustParsePCIAddress(agilioPF)
	dir := firmwareDir(t, "nic_AMDA0097.nffw")

	_, e, _ := nicFirmwareHost(t, corigine.FirmwareOptions{Dir: dir, Assembly: "AMDA0097"})
	if _, err := e.Plan(ctx, pf, switchdev.Spec{}); !errors.Is(err, errs.ErrNotSupported) {
		t.Fatalf("without Select: %v, want the firmware check to refuse (ErrNotSupported)", err)
	}

	_, e, be := nicFirmwareHost(t, corigine.FirmwareOptions{Dir: dir, Assembly: "AMDA0097", Select: true})
	p, err := e.Plan(ctx, pf, switchdev.Spec{NumVFs: 4, HWTCOffload: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []switchdev.StepKind{switchdev.StepLinkFirmware, switchdev.StepRebuildInitramfs, switchdev.StepReloadDriver}
	if diff := cmp.Diff(want, kinds(p.Steps)); diff != "" {
		t.Fatalf("steps (-want +got):\n%s\n%s", diff, p)
	}
	link, initrd, reload := p.Steps[0], p.Steps[1], p.Steps[2]
	if link.Manual || link.Target != filepath.Join(dir, "pci-"+agilioPF+".nffw") || link.To() != "flower/nic_AMDA0097.nffw" || link.From() != "(no link)" {
		t.Errorf("link step: %+v", link)
	}
	if !initrd.Manual || initrd.Risk == "" || !strings.Contains(initrd.Why, "initramfs") || !strings.Contains(initrd.Command, "dracut") {
		t.Errorf("initramfs step: %+v", initrd)
	}
	if !reload.Manual || reload.Command != "rmmod nfp; modprobe nfp" || reload.After.Mode != offload.ESwitchModeSwitchdev ||
		reload.Before.Mode != offload.ESwitchModeUnknown {
		t.Errorf("reload step: %+v", reload)
	}
	for _, w := range []string{"every device nfp drives", "ens47", "ens47np0", "4 VFs", "sriov_numvfs is 0 afterwards"} {
		if !strings.Contains(reload.Risk, w) {
			t.Errorf("reload risk lacks %q: %s", w, reload.Risk)
		}
	}
	if out := p.String(); !strings.Contains(out, "risk: rmmod nfp") || strings.Count(out, "operator action") != 2 {
		t.Errorf("dry run does not state the risk and the two operator actions:\n%s", out)
	}
	// The Doctor still fails the check (the firmware is not running), and
	// says the plan takes care of it.
	var got switchdev.Check
	pfm, err := hostOf(e).PF(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range be.Check(ctx, switchdev.ViewOf(hostOf(e)), pfm) {
		if c.Name == "corigine-firmware" {
			got = c
		}
	}
	if got.Status != switchdev.CheckFail || !got.Planned {
		t.Errorf("firmware check %+v, want FAIL and planned", got)
	}
}

// hostOf returns the engine's host.
func hostOf(e *switchdev.Engine) *offload.Host { return e.Host() }

// TestFirmwareApplyStopsAtManualSteps: Apply makes the link, then stops at
// the initramfs step (nothing shows it) with a ManualStepError listing
// the operator's commands, keeps the link; once confirmed, it stops at the
// reload until the host shows the flower eswitch; after the operator's
// reload (the fake switches to switchdev), Apply plans again from the
// host and finishes.
func TestFirmwareApplyStopsAtManualSteps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pf := offload.MustParsePCIAddress(agilioPF)
	dir := firmwareDir(t, "nic_AMDA0097.nffw")
	tree, e, _ := nicFirmwareHost(t, corigine.FirmwareOptions{Dir: dir, Assembly: "AMDA0097", Select: true})
	p, err := e.Plan(ctx, pf, switchdev.Spec{HWTCOffload: true, RunDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	linkPath := filepath.Join(dir, "pci-"+agilioPF+".nffw")

	err = p.Apply(ctx)
	var me *switchdev.ManualStepError
	if !errors.As(err, &me) || !errors.Is(err, errs.ErrNotApplied) {
		t.Fatalf("Apply: %v, want a ManualStepError (ErrNotApplied)", err)
	}
	if me.Step != 2 || len(me.Applied) != 1 || me.Applied[0].Kind != switchdev.StepLinkFirmware ||
		!cmp.Equal(kinds(me.Remaining), []switchdev.StepKind{switchdev.StepRebuildInitramfs, switchdev.StepReloadDriver}) {
		t.Errorf("stopped at %d, applied %v, remaining %v", me.Step, kinds(me.Applied), kinds(me.Remaining))
	}
	if !strings.Contains(err.Error(), "rmmod nfp; modprobe nfp") || !strings.Contains(err.Error(), "update-initramfs") {
		t.Errorf("the error does not list the operator's commands: %v", err)
	}
	if got, err := os.Readlink(linkPath); err != nil || got != "flower/nic_AMDA0097.nffw" {
		t.Fatalf("link after the stop: %q, %v (it must stay for the reload)", got, err)
	}

	if err := p.Confirm(switchdev.StepReloadDriver); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("Confirm(reload) = %v: a reload is proven by the host, never confirmed", err)
	}
	if err := p.Confirm(switchdev.StepRebuildInitramfs); err != nil {
		t.Fatal(err)
	}
	err = p.Apply(ctx)
	if !errors.As(err, &me) || me.Step != 3 || !strings.Contains(me.Why, "unknown") {
		t.Fatalf("Apply after confirming the initramfs: %v, want a stop at the reload (step 3)", err)
	}

	// The operator reloads nfp and the flower firmware comes up.
	if err := tree.SetESwitchMode(agilioPF, offload.ESwitchModeSwitchdev); err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(ctx); err != nil {
		t.Fatalf("Apply after the reload: %v", err)
	}
	again, err := e.Plan(ctx, pf, switchdev.Spec{HWTCOffload: true})
	if err != nil || !again.Empty() {
		t.Errorf("plan after the change: %v\n%s", err, again)
	}
}

// TestFirmwareLinkRollback: an AMDA0081 card needs two links; when the
// second cannot be made (a regular file appeared at its path after
// planning), the first is undone and the file is left alone.
func TestFirmwareLinkRollback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pf := offload.MustParsePCIAddress(agilioPF)
	dir := firmwareDir(t, "nic_AMDA0097.nffw")
	_, e, _ := nicFirmwareHost(t, corigine.FirmwareOptions{Dir: dir, Assembly: "AMDA0081", Select: true})
	p, err := e.Plan(ctx, pf, switchdev.Spec{RunDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := []switchdev.StepKind{switchdev.StepLinkFirmware, switchdev.StepLinkFirmware, switchdev.StepRebuildInitramfs, switchdev.StepReloadDriver}
	if diff := cmp.Diff(want, kinds(p.Steps)); diff != "" {
		t.Fatalf("steps (-want +got):\n%s", diff)
	}
	quirk := filepath.Join(dir, "flower", "nic_AMDA0081.nffw")
	main := filepath.Join(dir, "pci-"+agilioPF+".nffw")
	if p.Steps[0].Target != quirk || p.Steps[0].To() != "nic_AMDA0097.nffw" {
		t.Errorf("quirk step %+v", p.Steps[0])
	}
	if err := os.WriteFile(main, []byte("someone else's"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = p.Apply(ctx)
	var ae *switchdev.ApplyError
	if !errors.As(err, &ae) || ae.Step != 2 || !errors.Is(err, errs.ErrExists) {
		t.Fatalf("Apply: %v, want step 2 to fail with ErrExists", err)
	}
	if _, err := os.Lstat(quirk); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the AMDA0081 link was not undone: %v", err)
	}
	if b, err := os.ReadFile(main); err != nil || string(b) != "someone else's" {
		t.Errorf("the regular file was touched: %q, %v", b, err)
	}
	var undone bool
	for _, o := range ae.Outcomes {
		if o.N == 1 && o.Outcome == switchdev.OutcomeUndone {
			undone = true
		}
	}
	if !undone {
		t.Errorf("step 1 not reported undone: %+v", ae.Outcomes)
	}
	// Planned now, the file in the way is refused before anything runs.
	if _, err := e.Plan(ctx, pf, switchdev.Spec{}); !errors.Is(err, errs.ErrExists) {
		t.Errorf("plan with a regular file in the way: %v, want ErrExists", err)
	}
}

// TestFirmwareLinkChangedSincePlan: a link someone else changed after the
// plan was made is left alone, and Apply says so (ErrBusy).
func TestFirmwareLinkChangedSincePlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pf := offload.MustParsePCIAddress(agilioPF)
	dir := firmwareDir(t, "nic_AMDA0097.nffw")
	_, e, _ := nicFirmwareHost(t, corigine.FirmwareOptions{Dir: dir, Assembly: "AMDA0097", Select: true})
	p, err := e.Plan(ctx, pf, switchdev.Spec{RunDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "pci-"+agilioPF+".nffw")
	if err := os.Symlink("nic/nic_AMDA0097.nffw", link); err != nil {
		t.Fatal(err)
	}
	err = p.Apply(ctx)
	var ae *switchdev.ApplyError
	if !errors.As(err, &ae) || ae.Step != 1 || !errors.Is(err, errs.ErrBusy) {
		t.Fatalf("Apply: %v, want step 1 to fail with ErrBusy", err)
	}
	if got, err := os.Readlink(link); err != nil || got != "nic/nic_AMDA0097.nffw" {
		t.Errorf("someone else's link was changed: %q, %v", got, err)
	}
}
