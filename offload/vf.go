package offload

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// VFs lists the PF's virtual functions in index order, from its virtfnN links.
func (h *Host) VFs(ctx context.Context, pf PCIAddress) ([]VF, error) {
	names, err := h.fs.ReadDir(pciPath(pf))
	if err != nil {
		if sysfs.IsNotExist(err) {
			return nil, &errs.Error{Op: "list VFs", Device: pf.String(), Err: fmt.Errorf("%w: no such PCI device", errs.ErrNotFound)}
		}
		return nil, &errs.Error{Op: "list VFs", Device: pf.String(), Err: err}
	}
	var idx []int
	for _, n := range names {
		if i, ok := strings.CutPrefix(n, "virtfn"); ok {
			if v, err := strconv.Atoi(i); err == nil && v >= 0 {
				idx = append(idx, v)
			}
		}
	}
	slices.Sort(idx)
	vfs := make([]VF, 0, len(idx))
	for _, i := range idx {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		vf, err := h.vfAt(pf, i)
		if err != nil {
			return nil, err
		}
		vfs = append(vfs, vf)
	}
	return vfs, nil
}

// vfAt describes VF index i of pf from its virtfn link.
func (h *Host) vfAt(pf PCIAddress, i int) (VF, error) {
	link := pciPath(pf, "virtfn"+strconv.Itoa(i))
	base, err := h.fs.LinkBase(link)
	if err != nil {
		return VF{}, &errs.Error{Op: "read virtfn link", Device: pf.String(), Path: h.fs.Abs(link), Err: err}
	}
	addr, err := ParsePCIAddress(base)
	if err != nil {
		return VF{}, &errs.Error{Op: "read virtfn link", Device: pf.String(), Path: h.fs.Abs(link), Err: err}
	}
	return h.describeVF(pf, addr, i)
}

func (h *Host) describeVF(pf, addr PCIAddress, i int) (VF, error) {
	vf := VF{Address: addr, PF: pf, Index: i}
	var err error
	if vf.ID, err = h.pciID(addr); err != nil {
		return VF{}, err
	}
	if vf.Driver, err = h.driverOf(addr); err != nil {
		return VF{}, err
	}
	if names, err := h.fs.ReadDir(pciPath(addr, "net")); err == nil && len(names) > 0 {
		vf.Netdev = names[0]
	}
	return vf, nil
}

// VF describes the virtual function at addr: its PF (from the physfn link)
// and its index. The index is computed from the PF's SR-IOV offset and stride
// and checked against one virtfn link, so the cost does not grow with the
// number of VFs; kernels without sriov_offset fall back to scanning.
func (h *Host) VF(ctx context.Context, addr PCIAddress) (*VF, error) {
	pf, err := h.PFOfVF(addr)
	if err != nil {
		return nil, err
	}
	i, err := h.vfIndex(ctx, pf, addr)
	if err != nil {
		return nil, err
	}
	vf, err := h.describeVF(pf, addr, i)
	if err != nil {
		return nil, err
	}
	return &vf, nil
}

// PFOfVF returns the PF of VF addr (sriovnet's GetPfPciFromVfPci).
func (h *Host) PFOfVF(addr PCIAddress) (PCIAddress, error) {
	base, err := h.fs.LinkBase(pciPath(addr, "physfn"))
	if err != nil {
		if sysfs.IsNotExist(err) {
			if _, idErr := h.pciID(addr); idErr != nil {
				return PCIAddress{}, idErr
			}
			return PCIAddress{}, &errs.Error{Op: "find PF of VF", Device: addr.String(), Err: fmt.Errorf("%w: not a virtual function (no physfn link)", errs.ErrNotFound)}
		}
		return PCIAddress{}, &errs.Error{Op: "find PF of VF", Device: addr.String(), Err: err}
	}
	pf, err := ParsePCIAddress(base)
	if err != nil {
		return PCIAddress{}, &errs.Error{Op: "find PF of VF", Device: addr.String(), Err: err}
	}
	return pf, nil
}

// VFIndex returns the index of VF addr within its PF (sriovnet's
// GetVfIndexByPciAddress).
func (h *Host) VFIndex(ctx context.Context, addr PCIAddress) (int, error) {
	pf, err := h.PFOfVF(addr)
	if err != nil {
		return 0, err
	}
	return h.vfIndex(ctx, pf, addr)
}

func (h *Host) vfIndex(ctx context.Context, pf, addr PCIAddress) (int, error) {
	if addr.Domain == pf.Domain {
		// The PCIe First VF Offset and VF Stride may change with NumVFs, so a
		// cached pair is only a guess; the virtfn link confirms it, and a
		// miss re-reads the pair once before falling back to a scan.
		for attempt := 0; attempt < 2; attempt++ {
			geo, ok := h.sriovGeometry(pf, attempt > 0)
			if !ok {
				break
			}
			d := int(addr.RoutingID()) - int(pf.RoutingID()) - geo.offset
			if d >= 0 && d%geo.stride == 0 {
				i := d / geo.stride
				if base, err := h.fs.LinkBase(pciPath(pf, "virtfn"+strconv.Itoa(i))); err == nil && base == addr.String() {
					return i, nil
				}
			}
		}
	}
	// Slow path: look at every virtfn link.
	names, err := h.fs.ReadDir(pciPath(pf))
	if err != nil {
		return 0, &errs.Error{Op: "find VF index", Device: addr.String(), Err: err}
	}
	for _, n := range names {
		s, ok := strings.CutPrefix(n, "virtfn")
		if !ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if base, err := h.fs.LinkBase(pciPath(pf, n)); err == nil && base == addr.String() {
			if i, err := strconv.Atoi(s); err == nil {
				return i, nil
			}
		}
	}
	return 0, &errs.Error{Op: "find VF index", Device: addr.String(), Err: fmt.Errorf("%w: %s has no virtfn link to it", errs.ErrNotFound, pf)}
}

// TotalVFs reads sriov_totalvfs, the most VFs the PF can have.
func (h *Host) TotalVFs(ctx context.Context, pf PCIAddress) (int, error) {
	return h.readPFInt(pf, "sriov_totalvfs")
}

// NumVFs reads sriov_numvfs, the VFs the PF has now.
func (h *Host) NumVFs(ctx context.Context, pf PCIAddress) (int, error) {
	return h.readPFInt(pf, "sriov_numvfs")
}

func (h *Host) readPFInt(pf PCIAddress, attr string) (int, error) {
	n, err := h.fs.ReadInt(pciPath(pf, attr))
	if err != nil {
		if sysfs.IsNotExist(err) {
			if _, idErr := h.pciID(pf); idErr != nil {
				return 0, idErr
			}
			return 0, &errs.Error{Op: "read " + attr, Device: pf.String(), Err: fmt.Errorf("%w: not an SR-IOV physical function", errs.ErrNotSupported)}
		}
		return 0, &errs.Error{Op: "read " + attr, Device: pf.String(), Path: h.fs.Abs(pciPath(pf, attr)), Err: err}
	}
	return n, nil
}

// SetNumVFs sets sriov_numvfs to n and waits until the VFs exist (see
// WaitVFs). n above sriov_totalvfs is refused before anything is written.
// Changing a non-zero count to another non-zero count writes 0 first, since
// the kernel answers EBUSY otherwise; if the final write fails, the old count
// is restored. Some drivers block the write for a long time: ctx bounds it.
func (h *Host) SetNumVFs(ctx context.Context, pf PCIAddress, n int) error {
	total, err := h.TotalVFs(ctx, pf)
	if err != nil {
		return err
	}
	if n < 0 || n > total {
		return &errs.Error{Op: "set sriov_numvfs", Device: pf.String(),
			Err: fmt.Errorf("%w: %d VFs requested, sriov_totalvfs is %d", errs.ErrInvalidArgument, n, total)}
	}
	cur, err := h.NumVFs(ctx, pf)
	if err != nil {
		return err
	}
	if cur == n {
		return h.WaitVFs(ctx, pf, n)
	}
	if cur != 0 && n != 0 {
		h.log.Info("resetting VFs to 0 before changing the count", "pf", pf, "from", cur, "to", n)
		if err := h.writeNumVFs(ctx, pf, 0); err != nil {
			return err
		}
	}
	if err := h.writeNumVFs(ctx, pf, n); err != nil {
		if cur != 0 && n != 0 {
			// Put back what was there; use a fresh deadline, the caller's may be spent.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if rerr := h.writeNumVFs(rctx, pf, cur); rerr != nil {
				return fmt.Errorf("%w (restoring %d VFs also failed: %w)", err, cur, rerr)
			}
			return fmt.Errorf("%w (restored the previous %d VFs)", err, cur)
		}
		return err
	}
	return h.WaitVFs(ctx, pf, n)
}

func (h *Host) writeNumVFs(ctx context.Context, pf PCIAddress, n int) error {
	p := pciPath(pf, "sriov_numvfs")
	if err := h.fs.WriteFile(ctx, p, []byte(strconv.Itoa(n))); err != nil {
		return &errs.Error{Op: fmt.Sprintf("write %d to sriov_numvfs", n), Device: pf.String(), Path: h.fs.Abs(p), Err: err}
	}
	return nil
}

// userSpaceVFDriver reports whether drv binds VFs for user space, so a
// bound VF is not expected to get a netdev.
func userSpaceVFDriver(drv string) bool {
	switch drv {
	case "vfio-pci", "uio_pci_generic", "igb_uio", "pci-stub":
		return true
	}
	return false
}

// WaitVFs waits until the PF has n VFs, each with its physfn link and, where
// a netdev driver is bound, its netdev. VF creation is asynchronous on mlx5
// (125 VFs took about a minute on real hardware), and switching to switchdev
// before every VF is there fails with EINVAL.
func (h *Host) WaitVFs(ctx context.Context, pf PCIAddress, n int) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		missing, err := h.vfsMissing(ctx, pf, n)
		if err != nil {
			return err
		}
		if missing == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return &errs.Error{Op: fmt.Sprintf("wait for %d VFs", n), Device: pf.String(),
				Err: fmt.Errorf("%w: %s: %w", errs.ErrTimeout, missing, ctx.Err())}
		case <-tick.C:
		}
	}
}

// vfsMissing returns "" when all n VFs are ready, else what is missing.
func (h *Host) vfsMissing(ctx context.Context, pf PCIAddress, n int) (string, error) {
	cur, err := h.NumVFs(ctx, pf)
	if err != nil {
		return "", err
	}
	if cur != n {
		return fmt.Sprintf("sriov_numvfs is %d", cur), nil
	}
	for i := 0; i < n; i++ {
		base, err := h.fs.LinkBase(pciPath(pf, "virtfn"+strconv.Itoa(i)))
		if err != nil {
			return fmt.Sprintf("virtfn%d not there yet", i), nil
		}
		addr, err := ParsePCIAddress(base)
		if err != nil {
			return "", &errs.Error{Op: "wait for VFs", Device: pf.String(), Err: err}
		}
		if !h.fs.Exists(pciPath(addr, "physfn")) {
			return fmt.Sprintf("VF %s has no physfn link yet", addr), nil
		}
		drv, err := h.driverOf(addr)
		if err != nil {
			return "", err
		}
		if drv != "" && !userSpaceVFDriver(drv) {
			if names, err := h.fs.ReadDir(pciPath(addr, "net")); err != nil || len(names) == 0 {
				return fmt.Sprintf("VF %s (%s) has no netdev yet", addr, drv), nil
			}
		}
	}
	return "", nil
}

// validateDriverName checks a kernel driver name before it is joined into a
// path: 1 to 64 bytes of letters, digits, '_', '-' and '.'.
func validateDriverName(d string) error {
	if d == "" || len(d) > 64 || d == "." || d == ".." {
		return errs.Invalid("driver name", d, "empty, too long or reserved")
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return errs.Invalid("driver name", d, "only letters, digits, '_', '-' and '.' are allowed")
		}
	}
	return nil
}

// UnbindVF unbinds the VF's driver, as `echo <vf> > .../drivers/<drv>/unbind`
// does, and checks that it is gone. It returns the driver that was bound
// ("" if none was), so the caller can bind it again.
func (h *Host) UnbindVF(ctx context.Context, vf PCIAddress) (string, error) {
	if _, err := h.PFOfVF(vf); err != nil {
		return "", err
	}
	drv, err := h.driverOf(vf)
	if err != nil || drv == "" {
		return "", err
	}
	p, err := driverPath(drv, "unbind")
	if err != nil {
		return "", err
	}
	if err := h.fs.WriteFile(ctx, p, []byte(vf.String())); err != nil {
		return "", &errs.Error{Op: "unbind VF from " + drv, Device: vf.String(), Path: h.fs.Abs(p), Err: err}
	}
	if now, err := h.driverOf(vf); err != nil || now != "" {
		return "", &errs.Error{Op: "unbind VF from " + drv, Device: vf.String(), Err: fmt.Errorf("%w: still bound to %q", errs.ErrNotApplied, now)}
	}
	return drv, nil
}

// BindVF binds the VF to driver and checks that it took.
func (h *Host) BindVF(ctx context.Context, vf PCIAddress, driver string) error {
	if _, err := h.PFOfVF(vf); err != nil {
		return err
	}
	p, err := driverPath(driver, "bind")
	if err != nil {
		return err
	}
	if cur, err := h.driverOf(vf); err != nil {
		return err
	} else if cur == driver {
		return nil
	} else if cur != "" {
		return &errs.Error{Op: "bind VF to " + driver, Device: vf.String(), Err: fmt.Errorf("%w: bound to %s", errs.ErrBusy, cur)}
	}
	if err := h.fs.WriteFile(ctx, p, []byte(vf.String())); err != nil {
		return &errs.Error{Op: "bind VF to " + driver, Device: vf.String(), Path: h.fs.Abs(p), Err: err}
	}
	if now, err := h.driverOf(vf); err != nil || now != driver {
		return &errs.Error{Op: "bind VF to " + driver, Device: vf.String(), Err: fmt.Errorf("%w: driver is %q", errs.ErrNotApplied, now)}
	}
	return nil
}

// SetDriverOverride writes driver_override of a VF, so that the next probe
// binds driver (for example vfio-pci); "" clears it.
func (h *Host) SetDriverOverride(ctx context.Context, vf PCIAddress, driver string) error {
	if driver != "" {
		if err := validateDriverName(driver); err != nil {
			return err
		}
	}
	if _, err := h.PFOfVF(vf); err != nil {
		return err
	}
	p := pciPath(vf, "driver_override")
	val := driver
	if val == "" {
		val = "\n" // the kernel clears the override on an empty line
	}
	if err := h.fs.WriteFile(ctx, p, []byte(val)); err != nil {
		return &errs.Error{Op: "set driver_override", Device: vf.String(), Path: h.fs.Abs(p), Err: err}
	}
	return nil
}

// SetDriversAutoprobe writes the PF's sriov_drivers_autoprobe and reads it
// back (errs.ErrNotApplied on a mismatch): with false, new VFs are created
// unbound (what the mlx5 guides achieve by unbinding).
func (h *Host) SetDriversAutoprobe(ctx context.Context, pf PCIAddress, on bool) error {
	p := pciPath(pf, "sriov_drivers_autoprobe")
	v := "0"
	if on {
		v = "1"
	}
	if !h.fs.Exists(p) {
		if _, err := h.pciID(pf); err != nil {
			return err
		}
		return &errs.Error{Op: "set sriov_drivers_autoprobe", Device: pf.String(), Err: fmt.Errorf("%w: no sriov_drivers_autoprobe", errs.ErrNotSupported)}
	}
	if err := h.fs.WriteFile(ctx, p, []byte(v)); err != nil {
		return &errs.Error{Op: "set sriov_drivers_autoprobe", Device: pf.String(), Path: h.fs.Abs(p), Err: err}
	}
	got, err := h.DriversAutoprobe(ctx, pf)
	if err != nil {
		return err
	}
	if got != on {
		return &errs.Error{Op: "set sriov_drivers_autoprobe", Device: pf.String(), Path: h.fs.Abs(p), Err: fmt.Errorf("%w: reads %v after writing %v", errs.ErrNotApplied, got, on)}
	}
	return nil
}

// DriversAutoprobe reads the PF's sriov_drivers_autoprobe.
func (h *Host) DriversAutoprobe(ctx context.Context, pf PCIAddress) (bool, error) {
	n, err := h.readPFInt(pf, "sriov_drivers_autoprobe")
	if err != nil {
		return false, err
	}
	return n != 0, nil
}

// sriovGeo is a PF's SR-IOV routing geometry.
type sriovGeo struct{ offset, stride int }

// sriovGeometry returns pf's sriov_offset and sriov_stride, cached unless
// reload is set. ok is false on kernels without the files.
func (h *Host) sriovGeometry(pf PCIAddress, reload bool) (sriovGeo, bool) {
	h.repMu.Lock()
	g, ok := h.geo[pf]
	h.repMu.Unlock()
	if ok && !reload {
		return g, true
	}
	off, err1 := h.fs.ReadInt(pciPath(pf, "sriov_offset"))
	stride, err2 := h.fs.ReadInt(pciPath(pf, "sriov_stride"))
	if err1 != nil || err2 != nil || stride <= 0 || off < 0 {
		return sriovGeo{}, false
	}
	g = sriovGeo{offset: off, stride: stride}
	h.repMu.Lock()
	h.geo[pf] = g
	h.repMu.Unlock()
	return g, true
}

// VFAddress returns the PCI address of VF i of pf. When the VF exists it is
// read from pf's virtfn<i> link and exists is true. When it does not exist
// yet, exists is false and addr is the address the kernel will give it
// (pf's routing ID plus sriov_offset plus i times sriov_stride), which a
// plan prints before creating the VF; ErrNotFound when the kernel has no
// sriov_offset/sriov_stride to predict from.
func (h *Host) VFAddress(pf PCIAddress, i int) (addr PCIAddress, exists bool, err error) {
	if i < 0 {
		return PCIAddress{}, false, errs.Invalid("VF index", strconv.Itoa(i), "negative")
	}
	link := pciPath(pf, "virtfn"+strconv.Itoa(i))
	base, err := h.fs.LinkBase(link)
	switch {
	case err == nil:
		a, err := ParsePCIAddress(base)
		return a, err == nil, err
	case !sysfs.IsNotExist(err):
		return PCIAddress{}, false, &errs.Error{Op: "find VF", Device: pf.String(), Path: h.fs.Abs(link), Err: err}
	}
	if g, ok := h.sriovGeometry(pf, false); ok {
		rid := int(pf.RoutingID()) + g.offset + i*g.stride
		if rid >= 0 && rid <= 0xffff {
			return pf.withRoutingID(uint16(rid)), false, nil
		}
	}
	return PCIAddress{}, false, &errs.Error{Op: "find VF", Device: pf.String(), Path: h.fs.Abs(link), Err: fmt.Errorf("%w: no VF %d and no SR-IOV geometry to predict it", errs.ErrNotFound, i)}
}
