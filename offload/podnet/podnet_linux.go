//go:build linux

package podnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/vishvananda/netlink"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// userSpaceDriver reports whether driver binds VFs without a netdev; such
// VFs go to pods as devices (DPDK, VMs), not through this package.
func userSpaceDriver(driver string) bool {
	switch driver {
	case "vfio-pci", "uio_pci_generic", "igb_uio", "pci-stub":
		return true
	}
	return false
}

func isLinkNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf) || errors.Is(err, syscall.ENODEV)
}

// linkByName returns the link called name; an absent link is ErrNotFound.
func (n *nsLinks) linkByName(name string) (netlink.Link, error) {
	l, err := n.h.LinkByName(name)
	if err != nil {
		if isLinkNotFound(err) {
			return nil, &errs.Error{Op: "find link", Device: name, Err: fmt.Errorf("%w: no such link in the namespace", errs.ErrNotFound)}
		}
		return nil, &errs.Error{Op: "find link", Device: name, Err: err}
	}
	return l, nil
}

// links lists the namespace's links, retrying dumps the kernel
// interrupted because links changed meanwhile.
func (n *nsLinks) links() ([]netlink.Link, error) {
	var err error
	for i := 0; i < 5; i++ {
		var ls []netlink.Link
		ls, err = n.h.LinkList()
		if err == nil {
			return ls, nil
		}
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	return nil, &errs.Error{Op: "list links", Err: err}
}

// byNameOrAlias finds the link called name or, failing that, the link
// whose alias is name: a representor AttachVF renamed keeps its own name as
// its alias, and sysfs may still call it by that name when sysfs is not
// the kernel's (offloadtest trees).
func (n *nsLinks) byNameOrAlias(name string) (netlink.Link, error) {
	l, err := n.linkByName(name)
	if err == nil || !errors.Is(err, errs.ErrNotFound) {
		return l, err
	}
	ls, lerr := n.links()
	if lerr != nil {
		return nil, lerr
	}
	for _, c := range ls {
		if c.Attrs().Alias == name {
			return c, nil
		}
	}
	return nil, err
}

func (n *nsLinks) rename(name, to string) error {
	l, err := n.linkByName(name)
	if err != nil {
		return err
	}
	if err := n.h.LinkSetName(l, to); err != nil {
		return &errs.Error{Op: "rename link to " + to, Device: name, Err: err}
	}
	if _, err := n.linkByName(to); err != nil {
		return &errs.Error{Op: "rename link to " + to, Device: name, Err: fmt.Errorf("%w: %w", errs.ErrNotApplied, err)}
	}
	return nil
}

func (n *nsLinks) setAlias(name, alias string) error {
	l, err := n.linkByName(name)
	if err != nil {
		return err
	}
	if err := n.h.LinkSetAlias(l, alias); err != nil {
		return &errs.Error{Op: fmt.Sprintf("set alias %q", alias), Device: name, Err: err}
	}
	l, err = n.linkByName(name)
	if err != nil {
		return err
	}
	if got := l.Attrs().Alias; got != alias {
		return &errs.Error{Op: fmt.Sprintf("set alias %q", alias), Device: name, Err: fmt.Errorf("%w: alias reads %q", errs.ErrNotApplied, got)}
	}
	return nil
}

func (n *nsLinks) setUp(name string, up bool) error {
	l, err := n.linkByName(name)
	if err != nil {
		return err
	}
	op, f := "set link up", n.h.LinkSetUp
	if !up {
		op, f = "set link down", n.h.LinkSetDown
	}
	if err := f(l); err != nil {
		return &errs.Error{Op: op, Device: name, Err: err}
	}
	return nil
}

// moveTo moves link name into the namespace of dst and checks it arrived.
func (n *nsLinks) moveTo(name string, dst *nsLinks) error {
	l, err := n.linkByName(name)
	if err != nil {
		return err
	}
	if err := n.h.LinkSetNsFd(l, int(dst.ns)); err != nil {
		return &errs.Error{Op: "move link to another namespace", Device: name, Err: err}
	}
	if _, err := dst.linkByName(name); err != nil {
		return &errs.Error{Op: "move link to another namespace", Device: name, Err: fmt.Errorf("%w: %w", errs.ErrNotApplied, err)}
	}
	return nil
}

func isUp(l netlink.Link) bool { return l.Attrs().Flags&net.FlagUp != 0 }

// setUpIf brings link name up or down when it is not already so.
func (n *nsLinks) setUpIf(name string, up bool) error {
	l, err := n.linkByName(name)
	if err != nil {
		return err
	}
	if isUp(l) == up {
		return nil
	}
	return n.setUp(name, up)
}

func (p *Plumber) check(s Step) error {
	if p.inject != nil {
		return p.inject(s)
	}
	return nil
}

func (p *Plumber) tempPath(vf offload.PCIAddress) string { return vfFile(p.runDir, vf, ".netns") }

func (p *Plumber) attachVF(ctx context.Context, vf offload.PCIAddress, c Container, podNetNS string, opts AttachOptions) (*Attachment, error) {
	repName, err := RepresentorName(c.ID, c.IfName)
	if err != nil {
		return nil, err
	}
	// The pod's namespace is opened, and so proven to be one, before the
	// lock is taken or anything touched.
	pod, err := openLinks(ctx, podNetNS)
	if err != nil {
		return nil, err
	}
	defer pod.close()
	unlock, err := p.lock(ctx, vf)
	if err != nil {
		return nil, err
	}
	defer unlock()

	run := func(s Step, f func() error) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%w: %w", errs.ErrTimeout, err)
		}
		if err := p.check(s); err != nil {
			return err
		}
		return f()
	}
	a := &Attachment{PodIfName: c.IfName}
	var host *nsLinks
	defer func() { host.close() }()
	var repLink netlink.Link
	var before *offload.VFState
	if err := run(StepResolve, func() error {
		if r, err := loadRecord(p.runDir, vf); err != nil {
			return err
		} else if r != nil && r.Container == c {
			return fmt.Errorf("%w: the VF is already attached to this container (%s %s); DEL first", errs.ErrExists, c.ID, c.IfName)
		} else if r != nil {
			return fmt.Errorf("%w: the VF belongs to container %s (%s) until its DEL", errs.ErrBusy, r.Container.ID, r.Container.IfName)
		}
		v, err := p.host.VF(ctx, vf)
		if err != nil {
			return err
		}
		a.VF = *v
		switch {
		case v.Driver == "":
			return fmt.Errorf("%w: the VF is not bound to a driver", errs.ErrNotSupported)
		case userSpaceDriver(v.Driver):
			return fmt.Errorf("%w: the VF is bound to %s, for user space, and has no netdev", errs.ErrNotSupported, v.Driver)
		case v.Netdev == "":
			return fmt.Errorf("%w: the VF has no netdev in the host namespace (attached to another pod?)", errs.ErrBusy)
		}
		a.HostIfName = v.Netdev
		if host, err = openLinks(ctx, p.hostNS); err != nil {
			return err
		}
		if _, err := host.linkByName(v.Netdev); err != nil {
			if errors.Is(err, errs.ErrNotFound) {
				return fmt.Errorf("%w: netdev %s is not in the host namespace (attached to another pod?)", errs.ErrBusy, v.Netdev)
			}
			return err
		}
		if _, err := pod.linkByName(c.IfName); err == nil {
			return fmt.Errorf("%w: the pod already has an interface %s", errs.ErrExists, c.IfName)
		}
		if vfSettingsAsked(opts) {
			// What DEL will put back, read before anything changes.
			if before, err = p.host.VFState(ctx, *v); err != nil {
				return err
			}
			if before == nil {
				return fmt.Errorf("%w: cannot read the VF's settings from its PF (no rtnetlink or no PF netdev)", errs.ErrNotSupported)
			}
		}
		if dpdkRepresentors(*v) {
			return nil
		}
		r, err := p.host.Representor(ctx, vf)
		if err != nil {
			return err
		}
		if repLink, err = host.byNameOrAlias(r.Netdev); err != nil {
			return err
		}
		a.Representor = r
		a.RepresentorHostName = repLink.Attrs().Name
		return nil
	}); err != nil {
		return nil, stepError(vf, StepResolve, err)
	}

	// Write ahead: the record says what will change before anything does.
	vfLink, err := host.linkByName(a.HostIfName)
	if err != nil {
		return nil, stepError(vf, StepResolve, err)
	}
	rec := &record{Version: recordVersion, VF: vf.String(), Container: c, NetNS: podNetNS, PID: os.Getpid(),
		HostIfName: a.HostIfName, VFWasUp: isUp(vfLink), VFAlias: vfLink.Attrs().Alias}
	if before != nil {
		rec.Before, rec.Applied, err = settingsChange(*before, opts)
		if err != nil {
			return nil, stepError(vf, StepResolve, err)
		}
	}
	if repLink != nil {
		rec.Representor = &repRecord{HostName: a.RepresentorHostName, Name: repName, WasUp: isUp(repLink), Alias: repLink.Attrs().Alias}
	}
	if err := run(StepRecord, func() error { return saveRecord(p.runDir, vf, rec) }); err != nil {
		return nil, stepError(vf, StepRecord, err)
	}
	fail := func(s Step, err error) (*Attachment, error) {
		err = stepError(vf, s, err)
		if uerr := p.restore(context.WithoutCancel(ctx), a.VF, rec, host, pod); uerr != nil {
			p.log.Error("undoing a failed VF attach failed; the record stays for DEL", "vf", vf, "step", s, "err", err, "undo", uerr)
			return nil, fmt.Errorf("%w (undo failed, DEL will retry it: %w)", err, uerr)
		}
		p.log.Info("VF attach failed and was undone", "vf", vf, "step", s, "err", err)
		return nil, err
	}

	if err := run(StepConfigureVF, func() error {
		if rec.Applied.empty() {
			return nil
		}
		return p.host.ConfigureVF(ctx, a.VF, rec.Applied.config())
	}); err != nil {
		return fail(StepConfigureVF, err)
	}

	var tmp *nsLinks
	defer func() { tmp.close() }()
	if err := run(StepTempNetNS, func() (err error) { tmp, err = tempNetNS(ctx, p.tempPath(vf)); return err }); err != nil {
		return fail(StepTempNetNS, err)
	}
	hostName, ifName := a.HostIfName, c.IfName
	if err := run(StepMoveToTemp, func() error {
		if err := host.setUpIf(hostName, false); err != nil {
			return err
		}
		return host.moveTo(hostName, tmp)
	}); err != nil {
		return fail(StepMoveToTemp, err)
	}
	if err := run(StepRename, func() error { return tmp.rename(hostName, ifName) }); err != nil {
		return fail(StepRename, err)
	}
	if err := run(StepAlias, func() error { return tmp.setAlias(ifName, hostName) }); err != nil {
		return fail(StepAlias, err)
	}
	if err := run(StepMoveToPod, func() error {
		if err := tmp.moveTo(ifName, pod); err != nil {
			return err
		}
		tmp.close()
		tmp = nil
		removeTempNetNS(p.tempPath(vf))
		return nil
	}); err != nil {
		return fail(StepMoveToPod, err)
	}
	if err := run(StepLinkUp, func() error { return pod.setUp(ifName, true) }); err != nil {
		return fail(StepLinkUp, err)
	}
	if err := run(StepRenameRepresentor, func() error {
		if rec.Representor == nil || repName == a.RepresentorHostName {
			return nil
		}
		r := rec.Representor
		if err := renameRepresentor(host, r.HostName, repName, r.WasUp); err != nil {
			return err
		}
		a.Representor.Netdev = repName
		return nil
	}); err != nil {
		return fail(StepRenameRepresentor, err)
	}
	if err := run(StepRepresentorUp, func() error {
		if a.Representor == nil {
			return nil
		}
		return host.setUp(a.Representor.Netdev, true)
	}); err != nil {
		return fail(StepRepresentorUp, err)
	}
	if err := run(StepPort, func() (err error) {
		if a.Representor != nil {
			a.Port, err = KernelPort(*a.Representor, opts.IfaceID)
			return err
		}
		a.Port, err = DPDKPort(repName, a.VF.PF, a.VF.Index, opts.IfaceID)
		return err
	}); err != nil {
		return fail(StepPort, err)
	}
	rec.Complete = true
	if err := saveRecord(p.runDir, vf, rec); err != nil {
		return fail(StepRecord, err)
	}
	p.log.Info("VF attached", "vf", vf, "container", c.ID, "netns", podNetNS, "ifname", ifName, "host_ifname", a.HostIfName, "port", a.Port.Name)
	return a, nil
}

func vfSettingsAsked(o AttachOptions) bool {
	return o.MAC != nil || o.VLAN != nil || o.Trust != nil || o.SpoofChk != nil
}

// settingsChange returns, for the settings opts asks for, the values the
// PF reports now and the values to set.
func settingsChange(prev offload.VFState, o AttachOptions) (before, applied vfSettings, err error) {
	if o.MAC != nil {
		m, err := net.ParseMAC(prev.MAC)
		if err != nil {
			return before, applied, fmt.Errorf("VF MAC %q as the PF reports it: %w", prev.MAC, err)
		}
		before.MAC, applied.MAC = m.String(), o.MAC.String()
	}
	if o.VLAN != nil {
		vb, va := prev.VLAN, *o.VLAN
		before.VLAN, before.QoS = &vb, prev.QoS
		applied.VLAN, applied.QoS = &va, o.QoS
	}
	if o.Trust != nil {
		if prev.Trust == nil {
			return before, applied, fmt.Errorf("%w: the PF does not report the VF's trust setting", errs.ErrNotSupported)
		}
		tb, ta := *prev.Trust, *o.Trust
		before.Trust, applied.Trust = &tb, &ta
	}
	if o.SpoofChk != nil {
		if prev.SpoofChk == nil {
			return before, applied, fmt.Errorf("%w: the PF does not report the VF's spoof checking", errs.ErrNotSupported)
		}
		sb, sa := *prev.SpoofChk, *o.SpoofChk
		before.SpoofChk, applied.SpoofChk = &sb, &sa
	}
	return before, applied, nil
}

// config turns settings into offload's VFConfig.
func (s vfSettings) config() offload.VFConfig {
	var c offload.VFConfig
	if s.MAC != "" {
		c.MAC, _ = net.ParseMAC(s.MAC) // written by settingsChange from a parsed MAC
	}
	c.VLAN, c.QoS, c.Trust, c.SpoofChk = s.VLAN, s.QoS, s.Trust, s.SpoofChk
	return c
}

// undoSettings returns the settings to write back: for each setting ADD
// changed, the value from before, but only where the PF still reports the
// value ADD set (anything else was changed by someone else since, and is
// theirs).
func undoSettings(live offload.VFState, r *record) vfSettings {
	var out vfSettings
	b, a := r.Before, r.Applied
	if a.MAC != "" && b.MAC != a.MAC {
		if m, err := net.ParseMAC(live.MAC); err == nil && m.String() == a.MAC {
			out.MAC = b.MAC
		}
	}
	if a.VLAN != nil && b.VLAN != nil && (*b.VLAN != *a.VLAN || b.QoS != a.QoS) && live.VLAN == *a.VLAN && live.QoS == a.QoS {
		out.VLAN, out.QoS = b.VLAN, b.QoS
	}
	if a.Trust != nil && b.Trust != nil && *a.Trust != *b.Trust && live.Trust != nil && *live.Trust == *a.Trust {
		out.Trust = b.Trust
	}
	if a.SpoofChk != nil && b.SpoofChk != nil && *a.SpoofChk != *b.SpoofChk && live.SpoofChk != nil && *live.SpoofChk == *a.SpoofChk {
		out.SpoofChk = b.SpoofChk
	}
	return out
}

// restore undoes what the record says ADD did, from whatever point ADD
// reached (it may have died between any two steps), touching only what
// still carries ADD's marks: the VF link is the one whose alias is its
// host name (or, in the host or the temporary namespace, the one with
// that name), VF settings are put back only where they still hold ADD's
// values, and the representor only while it carries ADD's name and
// alias. It then removes the temporary namespace and the record. pod may
// be nil (the pod's namespace is gone). Failures are collected; the record
// stays unless everything succeeded.
func (p *Plumber) restore(ctx context.Context, v offload.VF, r *record, host, pod *nsLinks) error {
	var out []error
	if err := p.returnVF(ctx, v.Address, r, host, pod); err != nil {
		out = append(out, stepError(v.Address, StepMoveToHost, err))
	}
	if err := p.restoreSettings(ctx, v, r); err != nil {
		out = append(out, stepError(v.Address, StepResetVF, err))
	}
	if r.Representor != nil {
		if err := p.restoreRep(host, r.Representor); err != nil {
			out = append(out, stepError(v.Address, StepRestoreRepresentor, err))
		}
	}
	if len(out) > 0 {
		return errors.Join(out...)
	}
	removeTempNetNS(p.tempPath(v.Address))
	if err := p.check(StepForget); err != nil {
		return stepError(v.Address, StepForget, err)
	}
	return removeRecord(p.runDir, v.Address)
}

// returnVF brings the VF link back into the host namespace under its host
// name, with its alias and up state from before ADD. A link that
// disappears meanwhile (a veth stand-in destroyed with the pod's
// namespace) has nothing left to restore.
func (p *Plumber) returnVF(ctx context.Context, vf offload.PCIAddress, r *record, host, pod *nsLinks) error {
	if err := p.check(StepMoveToHost); err != nil {
		return err
	}
	err := p.returnVFLink(ctx, vf, r, host, pod)
	if err != nil && errors.Is(err, errs.ErrNotFound) && host.gone(r.HostIfName, r.Container.IfName) &&
		(pod == nil || pod.gone(r.Container.IfName)) {
		return nil
	}
	return err
}

func (p *Plumber) returnVFLink(ctx context.Context, vf offload.PCIAddress, r *record, host, pod *nsLinks) error {
	hostName, ifName := r.HostIfName, r.Container.IfName
	// Where ADD may have left it: the temporary namespace (ADD died
	// between the moves), the pod, or the host (before the first move, or
	// returned there by the kernel when the pod's namespace died).
	tmp, err := openTempNetNS(ctx, p.tempPath(vf))
	if err != nil {
		return err
	}
	defer func() { tmp.close() }()
	inTemp := ""
	if tmp != nil {
		// The temporary namespace is this VF's alone (made under its
		// lock, at its path): a link there under either name is the VF.
		for _, n := range []string{ifName, hostName} {
			if _, err := tmp.linkByName(n); err == nil {
				inTemp = n
				break
			}
		}
	}
	if inTemp == "" && pod != nil {
		l, err := pod.linkByName(ifName)
		if err != nil && !errors.Is(err, errs.ErrNotFound) {
			return err
		}
		if err == nil && l.Attrs().Alias == hostName {
			// Out of the pod through a fresh temporary namespace, so the
			// pod's name cannot clash with a host link on the way.
			tmp.close()
			if tmp, err = tempNetNS(ctx, p.tempPath(vf)); err != nil {
				return err
			}
			if err := pod.setUpIf(ifName, false); err != nil {
				return err
			}
			if err := pod.moveTo(ifName, tmp); err != nil {
				return err
			}
			inTemp = ifName
		}
	}
	if inTemp != "" {
		if inTemp != hostName {
			if err := tmp.setUpIf(inTemp, false); err != nil {
				return err
			}
			if err := tmp.rename(inTemp, hostName); err != nil {
				return err
			}
		}
		if _, err := host.linkByName(hostName); err == nil {
			return fmt.Errorf("%w: a link called %s already exists in the host namespace", errs.ErrExists, hostName)
		}
		if err := tmp.moveTo(hostName, host); err != nil {
			return err
		}
	} else if l, err := host.linkByName(ifName); err == nil && ifName != hostName && l.Attrs().Alias == hostName {
		// Returned by the kernel from a dead pod namespace, under the
		// pod's name.
		if err := host.setUpIf(ifName, false); err != nil {
			return err
		}
		if err := host.rename(ifName, hostName); err != nil {
			return err
		}
	}
	l, err := host.linkByName(hostName)
	if errors.Is(err, errs.ErrNotFound) {
		return nil // gone with the pod's namespace (a veth), or elsewhere: nothing of ours to restore
	} else if err != nil {
		return err
	}
	if l.Attrs().Alias != r.VFAlias {
		if err := host.setAlias(hostName, r.VFAlias); err != nil {
			return err
		}
	}
	return host.setUpIf(hostName, r.VFWasUp)
}

// restoreSettings puts back the VF settings ADD changed (undoSettings).
func (p *Plumber) restoreSettings(ctx context.Context, v offload.VF, r *record) error {
	if err := p.check(StepResetVF); err != nil {
		return err
	}
	if r.Applied.empty() {
		return nil
	}
	live, err := p.host.VFState(ctx, v)
	if err != nil {
		return err
	}
	if live == nil {
		return fmt.Errorf("%w: cannot read the VF's settings from its PF", errs.ErrNotSupported)
	}
	back := undoSettings(*live, r)
	if back.empty() {
		return nil
	}
	return p.host.ConfigureVF(ctx, v, back.config())
}

// restoreRep gives the representor its name, alias and up state from
// before ADD, if it still carries ADD's name and alias. A representor that
// disappears meanwhile (a veth stand-in whose peer died with the pod's
// namespace goes a moment later, asynchronously) has nothing left to
// restore.
func (p *Plumber) restoreRep(host *nsLinks, r *repRecord) error {
	if err := p.check(StepRestoreRepresentor); err != nil {
		return err
	}
	err := p.restoreRepLink(host, r)
	if err != nil && errors.Is(err, errs.ErrNotFound) && host.gone(r.Name, r.HostName) {
		return nil
	}
	return err
}

// gone reports whether no link of any of the names exists (and the
// namespace could be asked).
func (n *nsLinks) gone(names ...string) bool {
	for _, name := range names {
		if _, err := n.linkByName(name); !errors.Is(err, errs.ErrNotFound) {
			return false
		}
	}
	return true
}

func (p *Plumber) restoreRepLink(host *nsLinks, r *repRecord) error {
	if r.Name != r.HostName {
		l, err := host.linkByName(r.Name)
		switch {
		case errors.Is(err, errs.ErrNotFound):
		case err != nil:
			return err
		case l.Attrs().Alias == r.HostName:
			if _, err := host.linkByName(r.HostName); err == nil {
				return fmt.Errorf("%w: cannot rename %s back to %s, the name is taken", errs.ErrExists, r.Name, r.HostName)
			}
			if err := host.setUpIf(r.Name, false); err != nil {
				return err
			}
			if err := host.rename(r.Name, r.HostName); err != nil {
				return err
			}
		default:
			return nil // someone else's link by that name
		}
	}
	l, err := host.linkByName(r.HostName)
	if errors.Is(err, errs.ErrNotFound) {
		return nil // gone (a veth whose peer died with the pod's namespace)
	} else if err != nil {
		return err
	}
	if a := l.Attrs().Alias; a != r.Alias && a == r.HostName {
		if err := host.setAlias(r.HostName, r.Alias); err != nil {
			return err
		}
	}
	return host.setUpIf(r.HostName, r.WasUp)
}

// renameRepresentor renames the representor orig to name, keeping orig as
// its alias; the kernel refuses to rename a link that is up, so it is set
// down first and up again after. restoreRep undoes it from any point.
func renameRepresentor(host *nsLinks, orig, name string, wasUp bool) error {
	if _, err := host.linkByName(name); err == nil {
		return fmt.Errorf("%w: a link called %s already exists in the host namespace", errs.ErrExists, name)
	}
	if err := host.setAlias(orig, orig); err != nil {
		return err
	}
	if err := host.setUpIf(orig, false); err != nil {
		return err
	}
	if err := host.rename(orig, name); err != nil {
		return err
	}
	return host.setUpIf(name, wasUp)
}

func (p *Plumber) detachVF(ctx context.Context, vf offload.PCIAddress, c Container, podNetNS string) error {
	var pod *nsLinks
	if podNetNS != "" {
		var err error
		if pod, err = openLinks(ctx, podNetNS); err != nil && !errors.Is(err, errs.ErrNotFound) {
			return err // not a network namespace: refused before anything is touched
		}
		defer pod.close()
	}
	unlock, err := p.lock(ctx, vf)
	if err != nil {
		return err
	}
	defer unlock()
	r, err := loadRecord(p.runDir, vf)
	if err != nil {
		return stepError(vf, StepResolve, err)
	}
	if r == nil || r.Container != c {
		// Not this container's: a repeated or late DEL, or a VF it never
		// got. The CNI specification wants success, and nothing touched.
		p.log.Info("DEL for a VF this container does not own: nothing to do", "vf", vf, "container", c.ID, "ifname", c.IfName)
		return nil
	}
	if pod == nil && podNetNS == "" && r.NetNS != "" {
		// The runtime may leave CNI_NETNS empty on DEL; the record knows
		// the namespace ADD used, if it is still there.
		if pod, err = openLinks(ctx, r.NetNS); err != nil && !errors.Is(err, errs.ErrNotFound) && !errors.Is(err, errs.ErrInvalidArgument) {
			return stepError(vf, StepResolve, err)
		}
		defer pod.close()
	}
	v, err := p.host.VF(ctx, vf)
	if err != nil {
		return stepError(vf, StepResolve, err)
	}
	host, err := openLinks(ctx, p.hostNS)
	if err != nil {
		return stepError(vf, StepResolve, err)
	}
	defer host.close()
	if err := p.restore(ctx, *v, r, host, pod); err != nil {
		return err
	}
	p.log.Info("VF detached", "vf", vf, "container", c.ID, "netns", podNetNS, "ifname", c.IfName)
	return nil
}

func (p *Plumber) checkVF(ctx context.Context, vf offload.PCIAddress, c Container, podNetNS string) error {
	pod, err := openLinks(ctx, podNetNS)
	if err != nil {
		return err
	}
	defer pod.close()
	unlock, err := p.lock(ctx, vf)
	if err != nil {
		return err
	}
	defer unlock()
	r, err := loadRecord(p.runDir, vf)
	if err != nil {
		return stepError(vf, StepResolve, err)
	}
	if r == nil || r.Container != c {
		return &errs.Error{Op: "check VF", Device: vf.String(), Err: fmt.Errorf("%w: container %s (%s) has no attachment of this VF", errs.ErrNotFound, c.ID, c.IfName)}
	}
	var diffs []string
	if !r.Complete {
		diffs = append(diffs, "ADD did not finish")
	}
	if l, err := pod.linkByName(c.IfName); err != nil {
		diffs = append(diffs, fmt.Sprintf("pod has no %s: %v", c.IfName, err))
	} else {
		if l.Attrs().Alias != r.HostIfName {
			diffs = append(diffs, fmt.Sprintf("%s in the pod has alias %q, want %q", c.IfName, l.Attrs().Alias, r.HostIfName))
		}
		if !isUp(l) {
			diffs = append(diffs, c.IfName+" in the pod is down")
		}
	}
	v, err := p.host.VF(ctx, vf)
	if err != nil {
		return stepError(vf, StepResolve, err)
	}
	if !r.Applied.empty() {
		live, err := p.host.VFState(ctx, *v)
		if err != nil {
			return stepError(vf, StepResolve, err)
		}
		if live == nil {
			diffs = append(diffs, "cannot read the VF settings (unknown)")
		} else if d := settingsDiff(*live, r.Applied); d != "" {
			diffs = append(diffs, d)
		}
	}
	if rr := r.Representor; rr != nil {
		host, err := openLinks(ctx, p.hostNS)
		if err != nil {
			return stepError(vf, StepResolve, err)
		}
		defer host.close()
		if l, err := host.linkByName(rr.Name); err != nil {
			diffs = append(diffs, fmt.Sprintf("no representor %s in the host: %v", rr.Name, err))
		} else if rr.Name != rr.HostName && l.Attrs().Alias != rr.HostName {
			diffs = append(diffs, fmt.Sprintf("representor %s has alias %q, want %q", rr.Name, l.Attrs().Alias, rr.HostName))
		} else if !isUp(l) {
			diffs = append(diffs, "representor "+rr.Name+" is down")
		}
	}
	if len(diffs) > 0 {
		return &errs.Error{Op: "check VF", Device: vf.String(), Err: fmt.Errorf("%w: %s", errs.ErrNotApplied, joinDiffs(diffs))}
	}
	return nil
}

// settingsDiff says how live differs from the settings ADD applied.
func settingsDiff(live offload.VFState, a vfSettings) string {
	var d []string
	if a.MAC != "" {
		if m, err := net.ParseMAC(live.MAC); err != nil || m.String() != a.MAC {
			d = append(d, fmt.Sprintf("VF MAC %s, want %s", live.MAC, a.MAC))
		}
	}
	if a.VLAN != nil && (live.VLAN != *a.VLAN || live.QoS != a.QoS) {
		d = append(d, fmt.Sprintf("VF VLAN %d qos %d, want %d qos %d", live.VLAN, live.QoS, *a.VLAN, a.QoS))
	}
	if a.Trust != nil && (live.Trust == nil || *live.Trust != *a.Trust) {
		d = append(d, fmt.Sprintf("VF trust not %v", *a.Trust))
	}
	if a.SpoofChk != nil && (live.SpoofChk == nil || *live.SpoofChk != *a.SpoofChk) {
		d = append(d, fmt.Sprintf("VF spoof checking not %v", *a.SpoofChk))
	}
	return joinDiffs(d)
}

func joinDiffs(d []string) string { return strings.Join(d, "; ") }
