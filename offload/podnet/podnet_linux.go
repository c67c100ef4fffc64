//go:build linux

package podnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"syscall"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

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

// nsLinks is a network namespace and an rtnetlink handle inside it.
type nsLinks struct {
	ns netns.NsHandle
	h  *netlink.Handle
}

func openNS(path string) (*nsLinks, error) {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return nil, &errs.Error{Op: "open network namespace", Path: path, Err: err}
	}
	return handleIn(ns, path)
}

func handleIn(ns netns.NsHandle, what string) (*nsLinks, error) {
	h, err := netlink.NewHandleAt(ns, syscall.NETLINK_ROUTE)
	if err != nil {
		ns.Close()
		return nil, &errs.Error{Op: "open rtnetlink in namespace", Path: what, Err: err}
	}
	return &nsLinks{ns: ns, h: h}, nil
}

func (n *nsLinks) close() {
	if n == nil {
		return
	}
	n.h.Close()
	n.ns.Close()
}

// newTempNetNS creates an empty network namespace and returns a handle to
// it without leaving any thread in it. unshare(2) moves the calling
// thread, so it runs on a goroutine of its own with the thread locked; if
// switching back fails, the thread stays locked and the runtime retires it
// with the goroutine instead of running other code in the wrong namespace.
func newTempNetNS() (*nsLinks, error) {
	type result struct {
		ns  netns.NsHandle
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{netns.None(), err}
			return
		}
		defer orig.Close()
		tmp, err := netns.New()
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{netns.None(), err}
			return
		}
		if err := netns.Set(orig); err != nil {
			ch <- result{tmp, nil}
			return
		}
		runtime.UnlockOSThread()
		ch <- result{tmp, nil}
	}()
	r := <-ch
	if r.err != nil {
		return nil, &errs.Error{Op: string(StepTempNetNS), Err: r.err}
	}
	return handleIn(r.ns, "temporary namespace")
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

// undoStack runs compensations in reverse order.
type undoStack struct {
	steps []Step
	fns   []func() error
}

func (u *undoStack) push(s Step, f func() error) {
	u.steps = append(u.steps, s)
	u.fns = append(u.fns, f)
}

func (u *undoStack) run() error {
	var errsOut []error
	for i := len(u.fns) - 1; i >= 0; i-- {
		if err := u.fns[i](); err != nil {
			errsOut = append(errsOut, fmt.Errorf("undo %s: %w", u.steps[i], err))
		}
	}
	return errors.Join(errsOut...)
}

func (p *Plumber) check(s Step) error {
	if p.inject != nil {
		return p.inject(s)
	}
	return nil
}

// AttachVF moves VF vf into the pod network namespace at podNetNS as
// ifName, configured and with its representor renamed (see the package
// documentation for the steps). On failure every step already taken is
// undone, and the error says which step failed and, if the undo also
// failed, why.
func (p *Plumber) AttachVF(ctx context.Context, vf offload.PCIAddress, podNetNS, ifName string, opts AttachOptions) (*Attachment, error) {
	if err := errs.ValidateIfName(ifName); err != nil {
		return nil, err
	}
	if err := validateNetNSPath(podNetNS); err != nil {
		return nil, err
	}
	if opts.MAC != nil && len(opts.MAC) != 6 {
		return nil, errs.Invalid("VF MAC", opts.MAC.String(), "want a 6-byte Ethernet address")
	}
	repName := ""
	if opts.ContainerID != "" {
		var err error
		if repName, err = RepresentorName(opts.ContainerID, ifName); err != nil {
			return nil, err
		}
	}
	unlock, err := p.locks.lock(ctx, vf)
	if err != nil {
		return nil, err
	}
	defer unlock()

	a := &Attachment{PodIfName: ifName}
	var undo undoStack
	fail := func(s Step, err error) (*Attachment, error) {
		err = stepError(vf, s, err)
		if uerr := undo.run(); uerr != nil {
			p.log.Error("rolling back a failed VF attach failed", "vf", vf, "step", s, "err", err, "undo", uerr)
			return nil, fmt.Errorf("%w (rollback failed: %w)", err, uerr)
		}
		p.log.Info("VF attach failed and was rolled back", "vf", vf, "step", s, "err", err)
		return nil, err
	}
	run := func(s Step, f func() error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := p.check(s); err != nil {
			return err
		}
		return f()
	}

	// Resolve the VF, its netdev in the host namespace and its representor.
	var host, pod *nsLinks
	defer func() { host.close(); pod.close() }()
	var repLink netlink.Link
	if err := run(StepResolve, func() error {
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
		if host, err = openNS(p.hostNS); err != nil {
			return err
		}
		if pod, err = openNS(podNetNS); err != nil {
			return err
		}
		if _, err := host.linkByName(v.Netdev); err != nil {
			if errors.Is(err, errs.ErrNotFound) {
				return fmt.Errorf("%w: netdev %s is not in the host namespace (attached to another pod?)", errs.ErrBusy, v.Netdev)
			}
			return err
		}
		if _, err := pod.linkByName(ifName); err == nil {
			return fmt.Errorf("%w: the pod already has an interface %s", errs.ErrExists, ifName)
		}
		if dpdkRepresentors(*v) {
			return nil
		}
		r, err := p.host.VFRepresentor(ctx, vf)
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
		return fail(StepResolve, err)
	}

	if err := run(StepConfigureVF, func() error { return p.configureVF(ctx, a.VF, opts, &undo) }); err != nil {
		return fail(StepConfigureVF, err)
	}

	var tmp *nsLinks
	defer func() { tmp.close() }()
	if err := run(StepTempNetNS, func() (err error) { tmp, err = newTempNetNS(); return err }); err != nil {
		return fail(StepTempNetNS, err)
	}

	hostName := a.HostIfName
	vfWasUp := false
	if err := run(StepMoveToTemp, func() error {
		l, err := host.linkByName(hostName)
		if err != nil {
			return err
		}
		vfWasUp = isUp(l)
		if err := host.setUp(hostName, false); err != nil {
			return err
		}
		return host.moveTo(hostName, tmp)
	}); err != nil {
		return fail(StepMoveToTemp, errors.Join(err, upIf(host, hostName, vfWasUp)))
	}
	undo.push(StepMoveToTemp, func() error {
		if err := tmp.moveTo(hostName, host); err != nil {
			return err
		}
		return upIf(host, hostName, vfWasUp)
	})

	if err := run(StepRename, func() error { return tmp.rename(hostName, ifName) }); err != nil {
		return fail(StepRename, err)
	}
	undo.push(StepRename, func() error { return tmp.rename(ifName, hostName) })

	if err := run(StepAlias, func() error { return tmp.setAlias(ifName, hostName) }); err != nil {
		return fail(StepAlias, err)
	}
	undo.push(StepAlias, func() error { return tmp.setAlias(ifName, "") })

	if err := run(StepMoveToPod, func() error { return tmp.moveTo(ifName, pod) }); err != nil {
		return fail(StepMoveToPod, err)
	}
	undo.push(StepMoveToPod, func() error {
		if err := pod.setUp(ifName, false); err != nil {
			return err
		}
		return pod.moveTo(ifName, tmp)
	})

	if err := run(StepLinkUp, func() error { return pod.setUp(ifName, true) }); err != nil {
		return fail(StepLinkUp, err)
	}

	if a.Representor != nil && repName != "" && repName != a.RepresentorHostName {
		orig, wasUp := a.RepresentorHostName, isUp(repLink)
		if err := run(StepRenameRepresentor, func() error { return renameRepresentor(host, orig, repName, wasUp) }); err != nil {
			return fail(StepRenameRepresentor, err)
		}
		undo.push(StepRenameRepresentor, func() error { return restoreRepresentor(host, repName, orig, wasUp) })
		a.Representor.Netdev = repName
	} else if err := run(StepRenameRepresentor, func() error { return nil }); err != nil {
		// Nothing to rename (no container ID, or no kernel representor),
		// but the step still checks the context and the test hook.
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
		name := repName
		if name == "" {
			name = fmt.Sprintf("%02x%02x%x_r%d", a.VF.PF.Bus, a.VF.PF.Device, a.VF.PF.Function, a.VF.Index)
		}
		a.Port, err = DPDKPort(name, a.VF.PF, a.VF.Index, opts.IfaceID)
		return err
	}); err != nil {
		return fail(StepPort, err)
	}
	p.log.Info("VF attached", "vf", vf, "netns", podNetNS, "ifname", ifName, "host_ifname", a.HostIfName, "port", a.Port.Name)
	return a, nil
}

// renameRepresentor renames the representor orig to name, keeping orig as
// its alias; the kernel refuses to rename a link that is up, so it is set
// down first and up again after. A failure undoes the parts done.
func renameRepresentor(host *nsLinks, orig, name string, wasUp bool) error {
	if _, err := host.linkByName(name); err == nil {
		return fmt.Errorf("%w: a link called %s already exists in the host namespace", errs.ErrExists, name)
	}
	if err := host.setUp(orig, false); err != nil {
		return err
	}
	if err := host.setAlias(orig, orig); err != nil {
		return errors.Join(err, upIf(host, orig, wasUp))
	}
	if err := host.rename(orig, name); err != nil {
		return errors.Join(err, host.setAlias(orig, ""), upIf(host, orig, wasUp))
	}
	return upIf(host, name, wasUp)
}

// restoreRepresentor gives the representor called name its own name orig
// back and clears the alias.
func restoreRepresentor(host *nsLinks, name, orig string, wasUp bool) error {
	if err := host.setUp(name, false); err != nil {
		return err
	}
	if err := host.rename(name, orig); err != nil {
		return errors.Join(err, upIf(host, name, wasUp))
	}
	return errors.Join(host.setAlias(orig, ""), upIf(host, orig, wasUp))
}

func upIf(n *nsLinks, name string, up bool) error {
	if !up {
		return nil
	}
	return n.setUp(name, true)
}

// vfState reads the VF's settings from its PF; nil when the Host cannot
// (no rtnetlink, or no PF netdev).
func (p *Plumber) vfState(ctx context.Context, v offload.VF) (*offload.VFState, error) {
	pf, err := p.host.PF(ctx, v.PF)
	if err != nil {
		return nil, err
	}
	for _, x := range pf.VFs {
		if x.Index == v.Index {
			return x.State, nil
		}
	}
	return nil, nil
}

// configureVF applies the options' VF settings and pushes their undo: the
// previous values, read from the PF first.
func (p *Plumber) configureVF(ctx context.Context, v offload.VF, o AttachOptions, undo *undoStack) error {
	if o.MAC == nil && o.VLAN == nil && o.Trust == nil && o.SpoofChk == nil {
		return nil
	}
	prev, err := p.vfState(ctx, v)
	if err != nil {
		return err
	}
	if prev == nil {
		return fmt.Errorf("%w: cannot read the VF's settings from its PF (no rtnetlink or no PF netdev)", errs.ErrNotSupported)
	}
	cfg := offload.VFConfig{MAC: o.MAC, VLAN: o.VLAN, QoS: o.QoS, Trust: o.Trust, SpoofChk: o.SpoofChk}
	var back offload.VFConfig
	if o.MAC != nil {
		if back.MAC, err = net.ParseMAC(prev.MAC); err != nil {
			return fmt.Errorf("VF MAC %q as the PF reports it: %w", prev.MAC, err)
		}
	}
	if o.VLAN != nil {
		vlan := prev.VLAN
		back.VLAN, back.QoS = &vlan, prev.QoS
	}
	if o.Trust != nil && prev.Trust != nil {
		t := *prev.Trust
		back.Trust = &t
	}
	if o.SpoofChk != nil && prev.SpoofChk != nil {
		s := *prev.SpoofChk
		back.SpoofChk = &s
	}
	if err := p.host.ConfigureVF(ctx, v.PF, v.Index, cfg); err != nil {
		// ConfigureVF may have applied part of cfg before its read-back
		// found the rest missing: put back what was there.
		rctx := context.WithoutCancel(ctx)
		return errors.Join(err, p.host.ConfigureVF(rctx, v.PF, v.Index, back))
	}
	undo.push(StepConfigureVF, func() error {
		return p.host.ConfigureVF(context.WithoutCancel(ctx), v.PF, v.Index, back)
	})
	return nil
}

// DetachVF gives the VF back to the host: out of the pod namespace at
// podNetNS (where it is called ifName) through a temporary namespace,
// under the name recorded in its alias, into the Plumber's host
// namespace; then it resets the VF's MAC, VLAN, trust and spoof checking
// to the kernel's defaults and restores the representor's name (the
// representor stays up, as AttachVF left it; the VF comes back down). podNetNS
// may be "" or name a namespace that is gone: the VF is then looked for in
// the host namespace, where the kernel puts physical VFs of a destroyed
// namespace. Calling DetachVF again after it succeeded does nothing. When a
// step fails, the VF's move is rolled back so that the call can be
// retried; the reset and the representor are attempted regardless, and
// all failures are returned together.
func (p *Plumber) DetachVF(ctx context.Context, vf offload.PCIAddress, podNetNS, ifName string) error {
	if err := errs.ValidateIfName(ifName); err != nil {
		return err
	}
	if podNetNS != "" {
		if err := validateNetNSPath(podNetNS); err != nil {
			return err
		}
	}
	unlock, err := p.locks.lock(ctx, vf)
	if err != nil {
		return err
	}
	defer unlock()

	v, err := p.host.VF(ctx, vf)
	if err != nil {
		return stepError(vf, StepResolve, err)
	}
	host, err := openNS(p.hostNS)
	if err != nil {
		return stepError(vf, StepResolve, err)
	}
	defer host.close()

	var out []error
	if err := p.returnVF(ctx, *v, host, podNetNS, ifName); err != nil {
		out = append(out, err)
	}
	if err := p.resetVF(ctx, *v); err != nil {
		out = append(out, stepError(vf, StepResetVF, err))
	}
	if !dpdkRepresentors(*v) {
		if err := p.restoreRep(ctx, vf, host); err != nil {
			out = append(out, stepError(vf, StepRestoreRepresentor, err))
		}
	}
	if len(out) == 0 {
		p.log.Info("VF detached", "vf", vf, "netns", podNetNS, "ifname", ifName)
	}
	return errors.Join(out...)
}

// returnVF moves the VF from the pod back to the host under its own name.
func (p *Plumber) returnVF(ctx context.Context, v offload.VF, host *nsLinks, podNetNS, ifName string) error {
	var pod *nsLinks
	if podNetNS != "" {
		var err error
		if pod, err = openNS(podNetNS); err != nil && !errors.Is(err, errs.ErrNotFound) {
			return stepError(v.Address, StepResolve, err)
		}
		defer pod.close()
	}
	var podLink netlink.Link
	if pod != nil {
		l, err := pod.linkByName(ifName)
		if err != nil && !errors.Is(err, errs.ErrNotFound) {
			return stepError(v.Address, StepResolve, err)
		}
		podLink = l
	}
	if podLink == nil {
		return p.renameInHost(v, host)
	}
	hostName := podLink.Attrs().Alias
	if hostName == "" {
		// Not attached by AttachVF, or not the VF at all: when the VF's
		// netdev is in the host, the pod's ifName is some other link and
		// is left alone.
		if v.Netdev != "" {
			if _, err := host.linkByName(v.Netdev); err == nil {
				return p.renameInHost(v, host)
			}
		}
		hostName = v.Netdev
	}
	if err := errs.ValidateIfName(hostName); err != nil {
		return stepError(v.Address, StepResolve, fmt.Errorf("%w: %s in the pod carries no usable host name in its alias: %w", errs.ErrNotFound, ifName, err))
	}
	var undo undoStack
	fail := func(s Step, err error) error {
		err = stepError(v.Address, s, err)
		if uerr := undo.run(); uerr != nil {
			return fmt.Errorf("%w (rollback failed: %w)", err, uerr)
		}
		return err
	}
	run := func(s Step, f func() error) error {
		if err := p.check(s); err != nil {
			return err
		}
		return f()
	}
	var tmp *nsLinks
	defer func() { tmp.close() }()
	if err := run(StepTempNetNS, func() (err error) { tmp, err = newTempNetNS(); return err }); err != nil {
		return fail(StepTempNetNS, err)
	}
	if err := run(StepMoveToTemp, func() error {
		if err := pod.setUp(ifName, false); err != nil {
			return err
		}
		return pod.moveTo(ifName, tmp)
	}); err != nil {
		return fail(StepMoveToTemp, err)
	}
	wasUp := isUp(podLink)
	undo.push(StepMoveToTemp, func() error {
		if err := tmp.moveTo(ifName, pod); err != nil {
			return err
		}
		return upIf(pod, ifName, wasUp)
	})
	if err := run(StepRename, func() error { return tmp.rename(ifName, hostName) }); err != nil {
		return fail(StepRename, err)
	}
	undo.push(StepRename, func() error { return tmp.rename(hostName, ifName) })
	oldAlias := podLink.Attrs().Alias
	if err := run(StepAlias, func() error { return tmp.setAlias(hostName, "") }); err != nil {
		return fail(StepAlias, err)
	}
	undo.push(StepAlias, func() error { return tmp.setAlias(hostName, oldAlias) })
	if err := run(StepMoveToHost, func() error {
		if _, err := host.linkByName(hostName); err == nil {
			return fmt.Errorf("%w: a link called %s already exists in the host namespace", errs.ErrExists, hostName)
		}
		return tmp.moveTo(hostName, host)
	}); err != nil {
		return fail(StepMoveToHost, err)
	}
	return nil
}

// renameInHost handles a VF that is not in the pod: already detached, or
// returned to the host by the kernel when the pod's namespace died, still
// under the pod's name. A link that carries its host name as alias gets
// that name back.
func (p *Plumber) renameInHost(v offload.VF, host *nsLinks) error {
	if v.Netdev == "" {
		return nil // unbound, or in some other namespace: nothing of ours to undo here
	}
	l, err := host.linkByName(v.Netdev)
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) {
			return nil
		}
		return stepError(v.Address, StepResolve, err)
	}
	alias := l.Attrs().Alias
	if alias == "" || alias == v.Netdev || errs.ValidateIfName(alias) != nil {
		return nil
	}
	if err := p.check(StepRename); err != nil {
		return stepError(v.Address, StepRename, err)
	}
	if err := host.setUp(v.Netdev, false); err != nil {
		return stepError(v.Address, StepRename, err)
	}
	if err := host.rename(v.Netdev, alias); err != nil {
		return stepError(v.Address, StepRename, err)
	}
	if err := host.setAlias(alias, ""); err != nil {
		return stepError(v.Address, StepAlias, err)
	}
	return nil
}

// resetVF puts the VF's settings back to what the kernel gives a new VF:
// zero MAC, no VLAN, trust off, spoof checking on; only settings that
// differ are written.
func (p *Plumber) resetVF(ctx context.Context, v offload.VF) error {
	if err := p.check(StepResetVF); err != nil {
		return err
	}
	st, err := p.vfState(ctx, v)
	if err != nil || st == nil {
		return err
	}
	var cfg offload.VFConfig
	changed := false
	if mac, err := net.ParseMAC(st.MAC); err == nil && !isZeroMAC(mac) {
		cfg.MAC, changed = make(net.HardwareAddr, 6), true
	}
	if st.VLAN != 0 || st.QoS != 0 {
		zero := 0
		cfg.VLAN, changed = &zero, true
	}
	if st.Trust != nil && *st.Trust {
		off := false
		cfg.Trust, changed = &off, true
	}
	if st.SpoofChk != nil && !*st.SpoofChk {
		on := true
		cfg.SpoofChk, changed = &on, true
	}
	if !changed {
		return nil
	}
	return p.host.ConfigureVF(context.WithoutCancel(ctx), v.PF, v.Index, cfg)
}

func isZeroMAC(m net.HardwareAddr) bool {
	for _, b := range m {
		if b != 0 {
			return false
		}
	}
	return true
}

// restoreRep gives the VF's representor its own name back if AttachVF
// renamed it (its alias holds the name).
func (p *Plumber) restoreRep(ctx context.Context, vf offload.PCIAddress, host *nsLinks) error {
	if err := p.check(StepRestoreRepresentor); err != nil {
		return err
	}
	r, err := p.host.VFRepresentor(ctx, vf)
	if err != nil {
		return err
	}
	l, err := host.byNameOrAlias(r.Netdev)
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) {
			return nil // not in this namespace: not ours to rename
		}
		return err
	}
	name, alias := l.Attrs().Name, l.Attrs().Alias
	if alias == "" || alias == name || errs.ValidateIfName(alias) != nil {
		return nil
	}
	if _, err := host.linkByName(alias); err == nil {
		return fmt.Errorf("%w: cannot rename %s back to %s, the name is taken", errs.ErrExists, name, alias)
	}
	return restoreRepresentor(host, name, alias, isUp(l))
}
