package offload

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// Filter selects PFs in Discover. Zero fields match anything.
type Filter struct {
	Vendor VendorID
	Device DeviceID
	Driver string
}

func (f Filter) match(pf *PF) bool {
	return (f.Vendor == 0 || f.Vendor == pf.ID.Vendor) &&
		(f.Device == 0 || f.Device == pf.ID.Device) &&
		(f.Driver == "" || f.Driver == pf.Driver)
}

// Discover lists the SR-IOV capable PFs of the host (those with
// sriov_totalvfs), with their netdevs, representors, bond and VFs: what
// `lspci | grep 15b3` and `ls -l /sys/class/net | grep 84:00.0` do by hand.
// With filters, a PF is listed when it matches any of them. A host without
// SR-IOV gives an empty list and no error.
func (h *Host) Discover(ctx context.Context, filters ...Filter) ([]PF, error) {
	names, err := h.fs.ReadDir(pciDevicesDir)
	if err != nil {
		if sysfs.IsNotExist(err) {
			return nil, nil
		}
		return nil, &errs.Error{Op: "list PCI devices", Path: h.fs.Abs(pciDevicesDir), Err: err}
	}
	var pfs []PF
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		addr, err := ParsePCIAddress(name)
		if err != nil {
			h.log.Debug("skipping odd PCI device name", "name", name)
			continue
		}
		if !h.fs.Exists(pciPath(addr, "sriov_totalvfs")) {
			continue
		}
		pf, err := h.PF(ctx, addr)
		if err != nil {
			return nil, err
		}
		if len(filters) > 0 {
			ok := false
			for _, f := range filters {
				ok = ok || f.match(pf)
			}
			if !ok {
				continue
			}
		}
		pfs = append(pfs, *pf)
	}
	return pfs, nil
}

// PF describes the physical function at addr, which must be SR-IOV capable.
func (h *Host) PF(ctx context.Context, addr PCIAddress) (*PF, error) {
	id, err := h.pciID(addr)
	if err != nil {
		return nil, err
	}
	pf := &PF{Address: addr, ID: id, NUMANode: -1}
	if pf.TotalVFs, err = h.fs.ReadInt(pciPath(addr, "sriov_totalvfs")); err != nil {
		if sysfs.IsNotExist(err) {
			return nil, &errs.Error{Op: "read PF", Device: addr.String(), Err: fmt.Errorf("%w: not an SR-IOV physical function (no sriov_totalvfs)", errs.ErrNotSupported)}
		}
		return nil, &errs.Error{Op: "read sriov_totalvfs", Device: addr.String(), Path: h.fs.Abs(pciPath(addr, "sriov_totalvfs")), Err: err}
	}
	if pf.NumVFs, err = h.fs.ReadInt(pciPath(addr, "sriov_numvfs")); err != nil {
		return nil, &errs.Error{Op: "read sriov_numvfs", Device: addr.String(), Path: h.fs.Abs(pciPath(addr, "sriov_numvfs")), Err: err}
	}
	pf.Driver, err = h.driverOf(addr)
	if err != nil {
		return nil, err
	}
	if n, err := h.fs.ReadInt(pciPath(addr, "numa_node")); err == nil {
		pf.NUMANode = n
	}
	netdevs, err := h.netdevsOfDir(pciPath(addr))
	if err != nil {
		return nil, &errs.Error{Op: "list netdevs", Device: addr.String(), Err: err}
	}
	for _, nd := range netdevs {
		switch nd.PortName.Flavour {
		case PortFlavourPCIVF, PortFlavourPCISF, PortFlavourPCIPF:
			pf.Representors = append(pf.Representors, newRepresentor(addr, nd))
		default:
			pf.Netdevs = append(pf.Netdevs, nd)
		}
		if pf.SwitchID == "" && nd.SwitchID != "" {
			pf.SwitchID = nd.SwitchID
		}
	}
	sortRepresentors(pf.Representors)
	if up, ok := pf.Uplink(); ok {
		if pf.Bond, err = h.BondOf(ctx, up.Name); err != nil {
			return nil, err
		}
		pf.ESwitchMode = h.eswitchModeFromSysfs(up.Name)
	}
	if m, ok := h.eswitchModeFromDevlink(ctx, addr); ok {
		pf.ESwitchMode = m
	}
	if pf.VFs, err = h.VFs(ctx, addr); err != nil {
		return nil, err
	}
	if up, ok := pf.Uplink(); ok && len(pf.VFs) > 0 {
		// VF settings are asked through the uplink read above (a PF
		// without a kernel netdev, YUSUR-style, has none to ask), so
		// the PF's netdevs are read from sysfs once per listing.
		// VF settings are extra detail: a PF netdev moved to another
		// network namespace, or a bind-mounted /sys whose netdevs this
		// process's rtnetlink cannot see, must not hide the PF. Only a
		// cancelled context stops the listing.
		states, err := h.vfStates(ctx, up.Name)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			h.log.Warn("VF settings unavailable", "pf", addr.String(), "err", err)
		}
		for i := range pf.VFs {
			pf.VFs[i].State = states[pf.VFs[i].Index]
		}
	}
	return pf, nil
}

// eswitchModeFromDevlink asks devlink for the mode; ok is false when the
// Host has no devlink, the PF has no devlink instance or no eswitch (the
// listing then keeps what sysfs said rather than failing).
func (h *Host) eswitchModeFromDevlink(ctx context.Context, addr PCIAddress) (ESwitchMode, bool) {
	c, err := h.kernel.devlink()
	if err != nil {
		return ESwitchModeUnknown, false
	}
	e, err := c.ESwitch(ctx, devlinkHandle(PCIDevice(addr)))
	if err != nil || !e.HasMode {
		if err != nil && !noDevlinkFor(err) {
			h.log.Debug("devlink eswitch show failed", "pf", addr.String(), "err", err)
		}
		return ESwitchModeUnknown, false
	}
	return e.Mode, true
}

// eswitchModeFromSysfs reads the MLNX_OFED compat file; upstream kernels
// have none, and devlink is the way there.
func (h *Host) eswitchModeFromSysfs(netdev string) ESwitchMode {
	s, err := h.compatDevlink(netdev, "mode")
	if err != nil {
		return ESwitchModeUnknown
	}
	m, _ := ParseESwitchMode(s)
	return m
}

func sortRepresentors(reps []Representor) {
	sort.SliceStable(reps, func(i, j int) bool {
		a, b := reps[i], reps[j]
		if a.PortName.Controller != b.PortName.Controller {
			return a.PortName.Controller < b.PortName.Controller
		}
		if a.PortName.PF != b.PortName.PF {
			return a.PortName.PF < b.PortName.PF
		}
		if a.PortName.Flavour != b.PortName.Flavour {
			return a.PortName.Flavour < b.PortName.Flavour
		}
		if a.PortName.VF != b.PortName.VF {
			return a.PortName.VF < b.PortName.VF
		}
		return a.PortName.SF < b.PortName.SF
	})
}

func (h *Host) pciID(addr PCIAddress) (PCIID, error) {
	v, err := h.fs.ReadHex16(pciPath(addr, "vendor"))
	if err != nil {
		if sysfs.IsNotExist(err) {
			return PCIID{}, &errs.Error{Op: "read PCI device", Device: addr.String(), Err: fmt.Errorf("%w: no such PCI device", errs.ErrNotFound)}
		}
		return PCIID{}, &errs.Error{Op: "read PCI vendor", Device: addr.String(), Err: err}
	}
	d, err := h.fs.ReadHex16(pciPath(addr, "device"))
	if err != nil {
		return PCIID{}, &errs.Error{Op: "read PCI device ID", Device: addr.String(), Err: err}
	}
	return PCIID{Vendor: VendorID(v), Device: DeviceID(d)}, nil
}

// driverOf returns the bound driver's name, "" when unbound.
func (h *Host) driverOf(addr PCIAddress) (string, error) {
	d, err := h.fs.LinkBase(pciPath(addr, "driver"))
	if err != nil {
		if sysfs.IsNotExist(err) {
			return "", nil
		}
		return "", &errs.Error{Op: "read driver link", Device: addr.String(), Err: err}
	}
	return d, nil
}

// NetdevNames returns the names of the netdevs of PCI device addr, the way
// sriovnet's GetNetDevicesFromPci does. On a switchdev PF this includes the
// representors.
func (h *Host) NetdevNames(ctx context.Context, addr PCIAddress) ([]string, error) {
	names, err := h.fs.ReadDir(pciPath(addr, "net"))
	if err != nil {
		if sysfs.IsNotExist(err) {
			if _, idErr := h.pciID(addr); idErr != nil {
				return nil, idErr
			}
			return nil, nil
		}
		return nil, &errs.Error{Op: "list netdevs", Device: addr.String(), Err: err}
	}
	return names, nil
}

// netdevsOfDir reads the netdevs below a device directory (relative path).
func (h *Host) netdevsOfDir(devDir string) ([]Netdev, error) {
	names, err := h.fs.ReadDir(devDir + "/net")
	if err != nil {
		if sysfs.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	out := make([]Netdev, 0, len(names))
	for _, n := range names {
		if errs.ValidateIfName(n) != nil {
			continue
		}
		nd, err := h.Netdev(n)
		if err != nil {
			if errors.Is(err, errs.ErrNotFound) {
				continue // went away while we looked
			}
			return nil, err
		}
		out = append(out, nd)
	}
	return out, nil
}

// Netdev reads what sysfs says about interface name: phys_port_name,
// phys_switch_id, MAC. Missing, EOPNOTSUPP and EINVAL reads of the switch
// attributes mean "none", not failure.
func (h *Host) Netdev(name string) (Netdev, error) {
	nd := Netdev{Name: name}
	p, err := netPath(name)
	if err != nil {
		return nd, err
	}
	if mac, err := h.fs.ReadString(p + "/address"); err == nil {
		nd.MAC = mac
	} else if sysfs.IsNotExist(err) {
		return nd, &errs.Error{Op: "read netdev", Device: name, Err: fmt.Errorf("%w: no such interface", errs.ErrNotFound)}
	}
	ppn, err := h.readOptional(p + "/phys_port_name")
	if err != nil {
		return nd, &errs.Error{Op: "read phys_port_name", Device: name, Path: h.fs.Abs(p + "/phys_port_name"), Err: err}
	}
	nd.PortName = ParsePhysPortName(ppn) // "" parses as no name: PortFlavourUnknown, numbers -1
	sw, err := h.readOptional(p + "/phys_switch_id")
	if err != nil {
		return nd, &errs.Error{Op: "read phys_switch_id", Device: name, Path: h.fs.Abs(p + "/phys_switch_id"), Err: err}
	}
	nd.SwitchID = strings.ToLower(sw)
	return nd, nil
}

// readOptional reads an attribute that a driver may not implement; absence
// (ENOENT, EOPNOTSUPP, EINVAL, ENODATA) yields "".
func (h *Host) readOptional(rel string) (string, error) {
	s, err := h.fs.ReadString(rel)
	if err != nil {
		if sysfs.IsAbsentAttribute(err) {
			return "", nil
		}
		return "", err
	}
	return s, nil
}
