package corigine

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/switchdev"
)

// InitramfsCommand is what the initramfs step asks the operator to run:
// the two families the guide's "insert distro-specific initramfs section
// here" stands for.
const InitramfsCommand = "update-initramfs -u -k all  # Debian, Ubuntu; on RHEL, CentOS, Fedora: dracut -f --regenerate-all"

// Plan plans the flower firmware change when it is asked for
// (Firmware.Select) and the flower firmware is not running; otherwise it
// is the generic plan (Defaults.Plan).
//
// The firmware change is the guide's agilio-tc-fw-select.sh and `rmmod
// nfp; modprobe nfp` as typed steps, in the guide's order:
//
//  1. StepLinkFirmware, done by Apply: the AMDA0081 image link when the
//     card needs it, then <dir>/pci-<BDF>.nffw -> <app>/nic_<AMDA>.nffw;
//     undone on rollback.
//  2. StepRebuildInitramfs, manual: matters only when nfp is loaded from
//     the initramfs, which then carries its own copy of the firmware and
//     would load the old one at the next boot; offloadkit cannot see what
//     an initramfs holds, so the step is always listed and Apply stops at
//     it until the caller confirms it (Plan.Confirm).
//  3. StepReloadDriver, manual: rmmod nfp takes away every device nfp
//     drives (Risk names this PF's netdevs and VFs); Apply goes past it
//     only when the PF's eswitch reads switchdev, the flower firmware's
//     sign, so its error (*switchdev.ManualStepError) is the operator's
//     to-do list.
//
// The library never runs rmmod, modprobe or an initramfs tool: library
// code executes no programs, and unloading a driver is the operator's
// decision. Nothing else is planned with the firmware change: the VF
// count and hw-tc-offload depend on the eswitch the new firmware brings,
// so they are planned by planning again after the reload.
func (be *Backend) Plan(ctx context.Context, b *switchdev.PlanBuilder) error {
	pf := b.PF()
	if !be.Firmware.Select || pf.ESwitchMode == offload.ESwitchModeSwitchdev {
		return be.Defaults.Plan(ctx, b)
	}
	if m, ok := Lookup(pf.ID); ok && m.VF {
		return &errs.Error{Op: "plan Agilio firmware", Device: pf.Address.String(), Err: fmt.Errorf("%w: %s is a virtual function", errs.ErrInvalidArgument, m.Name)}
	}
	sel, err := PlanFirmware(ctx, b.Host(), pf.Address, be.Firmware)
	if err != nil {
		return err
	}
	if !sel.ImageExists {
		// A link to nothing would make the reload load no firmware.
		return &errs.Error{Op: "plan Agilio firmware", Device: pf.Address.String(), Path: sel.Image,
			Err: fmt.Errorf("%w: firmware image not installed: install the Agilio firmware package first", errs.ErrNotFound)}
	}
	for _, l := range sel.links() {
		if fi, err := os.Lstat(l.Path); err == nil && fi.Mode()&os.ModeSymlink == 0 {
			return &errs.Error{Op: "plan Agilio firmware", Device: pf.Address.String(), Path: l.Path,
				Err: fmt.Errorf("%w: a file that is not a link is in the way; offloadkit does not replace it", errs.ErrExists)}
		}
	}
	for _, f := range sel.Shadowing {
		b.Note("%s is loaded before pci-*.nffw and overrides this selection: the reload may not bring flower (Apply checks the eswitch after it)", f)
	}
	if sel.Quirk != nil && !sel.Quirk.UpToDate() {
		b.LinkFirmware(pf.Address, sel.Quirk.Path, sel.Quirk.Target, sel.Quirk.Current,
			"AMDA0081 uses the AMDA0097 image (agilio-tc-fw-select.sh)")
	}
	if !sel.Link.UpToDate() {
		b.LinkFirmware(pf.Address, sel.Link.Path, sel.Link.Target, sel.Link.Current,
			fmt.Sprintf("nfp loads pci-<BDF>.nffw for %s: select the %s firmware of assembly %s (from %s)", pf.Address, sel.App, sel.Assembly, sel.Source))
	}
	b.RebuildInitramfs(pf.Address, PFDriver, InitramfsCommand,
		"none to the running system; an initramfs that fails to build can keep the host from booting: keep the previous image until the new one has booted",
		"only when nfp is loaded from the initramfs (check: lsinitramfs /boot/initrd.img-$(uname -r) | grep nfp, or lsinitrd | grep nfp): it then loads the firmware packed into the initramfs at the next boot, not this link; offloadkit cannot see inside the initramfs, so confirm this step (Plan.Confirm) when done or not needed")
	b.ReloadDriver(pf.Address, PFDriver, offload.ESwitchModeSwitchdev, reloadRisk(pf),
		"nfp reads the firmware only when it probes the card; the flower firmware shows as a switchdev eswitch")
	b.Note("the VF count and hw-tc-offload are planned once the flower firmware runs: plan again after the reload")
	return nil
}

// links returns the selection's links, the AMDA0081 image link first.
func (s *Selection) links() []Link {
	if s.Quirk != nil {
		return []Link{*s.Quirk, s.Link}
	}
	return []Link{s.Link}
}

// reloadRisk says what `rmmod nfp; modprobe nfp` takes away: every nfp
// device on the host, naming this PF's netdevs, VFs and representors.
func reloadRisk(pf *offload.PF) string {
	var names []string
	for _, n := range pf.Netdevs {
		names = append(names, n.Name)
	}
	for _, r := range pf.Representors {
		names = append(names, r.Netdev)
	}
	var b strings.Builder
	b.WriteString("rmmod nfp unbinds every device nfp drives on this host, not only " + pf.Address.String())
	if len(names) > 0 {
		b.WriteString(": its netdevs (" + strings.Join(names, ", ") + ")")
	}
	if pf.NumVFs > 0 {
		fmt.Fprintf(&b, " and its %d VFs", pf.NumVFs)
	}
	b.WriteString(" disappear until modprobe nfp has loaded the firmware again (tens of seconds); " +
		"pods using those VFs lose their interfaces, OVS ports on them go away, and a session reaching the host through them is cut. " +
		"The reload creates no VFs: sriov_numvfs is 0 afterwards, and representor names may change")
	return b.String()
}
