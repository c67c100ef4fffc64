package offload

import (
	"context"
	"fmt"
	"strings"

	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// repKey identifies a switch port independently of its netdev name.
type repKey struct {
	flavour    PortFlavour
	controller int // -1 (absent) is stored as 0: both mean the local controller
	vf, sf     int
}

type repEntry struct {
	pfNum int
	name  string
	raw   string // phys_port_name, to re-validate a cached entry
	sw    string // phys_switch_id when the index was built
	// fromDevlink marks entries built from a devlink port dump; raw is
	// then unknown and validation compares port numbers instead.
	fromDevlink bool
}

// repIndex maps ports of one PF to their netdevs as last seen.
type repIndex struct {
	byKey map[repKey][]repEntry
}

func keyOf(p PhysPortName) repKey {
	c := p.Controller
	if c < 0 {
		c = 0
	}
	return repKey{flavour: p.Flavour, controller: c, vf: p.VF, sf: p.SF}
}

// buildRepIndex indexes the switch ports of dev. It asks devlink first:
// one port dump gives every port's flavour, controller, PF/VF/SF numbers
// and netdev name, with no sysfs scan. When the Host has no devlink, or the
// device has no devlink instance, it reads every netdev below the device
// once instead (on mlx5, netdevsim and nfp the representors hang off the
// PF's device). Either way it happens only on a cache miss.
func (h *Host) buildRepIndex(ctx context.Context, dev Device) (*repIndex, error) {
	if idx, ok := h.buildRepIndexDevlink(ctx, dev); ok {
		return idx, nil
	}
	nds, err := h.netdevsOfDir(dev.dir())
	if err != nil {
		return nil, &errs.Error{Op: "list representors", Device: dev.String(), Err: err}
	}
	idx := &repIndex{byKey: make(map[repKey][]repEntry)}
	for _, nd := range nds {
		if nd.PortName.Raw == "" || nd.PortName.Flavour == PortFlavourUnknown {
			continue
		}
		k := keyOf(nd.PortName)
		idx.byKey[k] = append(idx.byKey[k], repEntry{pfNum: nd.PortName.PF, name: nd.Name, raw: nd.PortName.Raw, sw: nd.SwitchID})
	}
	return idx, nil
}

// buildRepIndexDevlink builds the index from a devlink port dump; ok is
// false when devlink cannot answer for dev, and the caller falls back to
// sysfs.
func (h *Host) buildRepIndexDevlink(ctx context.Context, dev Device) (*repIndex, bool) {
	c, err := h.kernel.devlink()
	if err != nil {
		return nil, false
	}
	ports, err := c.Ports(ctx, devlinkHandle(dev))
	if err != nil {
		if !noDevlinkFor(err) {
			h.log.Debug("devlink port dump failed, reading sysfs", "device", dev.String(), "err", err)
		}
		return nil, false
	}
	idx := &repIndex{byKey: make(map[repKey][]repEntry)}
	for _, dp := range ports {
		p := portFromDevlink(dev, dp)
		if p.Netdev == "" || errs.ValidateIfName(p.Netdev) != nil {
			continue
		}
		k := repKey{flavour: p.PortName.Flavour, controller: max(p.PortName.Controller, 0), vf: -1, sf: -1}
		switch p.PortName.Flavour {
		case PortFlavourPCIVF:
			k.vf = p.PortName.VF
		case PortFlavourPCISF:
			k.sf = p.PortName.SF
		case PortFlavourPhysical, PortFlavourPCIPF:
		default:
			continue
		}
		pfNum := p.PortName.PF
		if p.PortName.Flavour == PortFlavourPhysical {
			pfNum = -1
		}
		// One read per port, on a miss only: drivers leave the uplink's
		// phys_switch_id empty in some states while the representors have
		// one, so it cannot be shared across the device.
		sw := ""
		if np, err := netPath(p.Netdev, "phys_switch_id"); err == nil {
			if v, err := h.readOptional(np); err == nil {
				sw = strings.ToLower(v)
			}
		}
		idx.byKey[k] = append(idx.byKey[k], repEntry{pfNum: pfNum, name: p.Netdev, sw: sw, fromDevlink: true})
	}
	return idx, true
}

// stillValid checks a cached entry against the phys_port_name just read.
// A sysfs-built entry must read the same name; a devlink-built one must
// name the same port, or not parse at all (a driver whose names devlink
// knows better than phys_port_name does).
func (e repEntry) stillValid(raw string, k repKey) bool {
	if !e.fromDevlink {
		return raw == e.raw
	}
	pn := ParsePhysPortName(raw)
	if pn.Flavour == PortFlavourUnknown {
		return true
	}
	return keyOf(pn) == k && (e.pfNum < 0 || pn.PF < 0 || pn.PF == e.pfNum)
}

// lookupRep finds the netdev for key k on pf. A cached entry costs one read
// (its phys_port_name, to confirm the name still means that port); a miss
// rebuilds the PF's index once.
func (h *Host) lookupRep(ctx context.Context, dev Device, k repKey, wantPF int) (Netdev, error) {
	for attempt := 0; attempt < 2; attempt++ {
		h.repMu.Lock()
		idx := h.reps[dev]
		h.repMu.Unlock()
		if idx == nil || attempt == 1 {
			var err error
			if idx, err = h.buildRepIndex(ctx, dev); err != nil {
				return Netdev{}, err
			}
			h.repMu.Lock()
			h.reps[dev] = idx
			h.repMu.Unlock()
		}
		entries := idx.byKey[k]
		e, ok := pickEntry(entries, wantPF)
		if !ok {
			if attempt == 0 {
				continue
			}
			break
		}
		p, err := netPath(e.name, "phys_port_name")
		if err != nil {
			return Netdev{}, err
		}
		raw, err := h.fs.ReadString(p)
		if err != nil || !e.stillValid(raw, k) {
			continue // renamed, moved or gone: rebuild
		}
		nd := Netdev{Name: e.name, PortName: ParsePhysPortName(raw), SwitchID: e.sw}
		return nd, nil
	}
	return Netdev{}, h.noRepError(dev, k)
}

func pickEntry(entries []repEntry, wantPF int) (repEntry, bool) {
	if len(entries) == 0 {
		return repEntry{}, false
	}
	if wantPF >= 0 {
		for _, e := range entries {
			if e.pfNum == wantPF {
				return e, true
			}
		}
		if len(entries) > 1 {
			return repEntry{}, false
		}
	}
	return entries[0], true
}

// noRepError explains a failed lookup: a PF with no representors at all is
// most likely not in switchdev mode.
func (h *Host) noRepError(dev Device, k repKey) error {
	what := describeKey(k)
	h.repMu.Lock()
	idx := h.reps[dev]
	h.repMu.Unlock()
	hasReps := false
	if idx != nil {
		for key := range idx.byKey {
			if key.flavour == PortFlavourPCIVF || key.flavour == PortFlavourPCISF {
				hasReps = true
			}
		}
	}
	if !h.fs.Exists(dev.dir()) {
		return &errs.Error{Op: "find representor of " + what, Device: dev.String(), Err: fmt.Errorf("%w: no such device", errs.ErrNotFound)}
	}
	if !hasReps && (k.flavour == PortFlavourPCIVF || k.flavour == PortFlavourPCISF) {
		return &errs.Error{Op: "find representor of " + what, Device: dev.String(),
			Err: fmt.Errorf("%w: the device has no VF representors (%w)", errs.ErrNotSwitchdev, errs.ErrNotFound)}
	}
	return &errs.Error{Op: "find representor of " + what, Device: dev.String(), Err: errs.ErrNotFound}
}

func describeKey(k repKey) string {
	switch k.flavour {
	case PortFlavourPCIVF:
		if k.controller > 0 {
			return fmt.Sprintf("VF %d of controller %d", k.vf, k.controller)
		}
		return fmt.Sprintf("VF %d", k.vf)
	case PortFlavourPCISF:
		return fmt.Sprintf("SF %d", k.sf)
	case PortFlavourPCIPF:
		return fmt.Sprintf("PF of controller %d", k.controller)
	case PortFlavourPhysical:
		return "uplink"
	}
	return k.flavour.String()
}

func (h *Host) representor(ctx context.Context, pf PCIAddress, k repKey, wantPF int) (*Representor, error) {
	nd, err := h.lookupRep(ctx, PCIDevice(pf), k, wantPF)
	if err != nil {
		return nil, err
	}
	r := newRepresentor(pf, nd)
	return &r, nil
}

// VFRepresentor returns the representor netdev of the VF at vf (sriovnet's
// GetVfRepresentor). In steady state it costs three sysfs reads whatever
// the number of VFs: the physfn link, one virtfn link (to confirm the index
// computed from the PF's cached SR-IOV offset and stride) and the cached
// representor's phys_port_name.
func (h *Host) VFRepresentor(ctx context.Context, vf PCIAddress) (*Representor, error) {
	pf, err := h.PFOfVF(vf)
	if err != nil {
		return nil, err
	}
	i, err := h.vfIndex(ctx, pf, vf)
	if err != nil {
		return nil, err
	}
	return h.representor(ctx, pf, repKey{flavour: PortFlavourPCIVF, vf: i, sf: -1}, int(pf.Function))
}

// RepresentorOf describes the representor netdev name: its PF (the device
// it hangs off), flavour and numbers (sriovnet's GetPortIndexFromRepresentor
// and GetRepresentorPortFlavour in one call).
func (h *Host) RepresentorOf(ctx context.Context, name string) (*Representor, error) {
	nd, err := h.Netdev(name)
	if err != nil {
		return nil, err
	}
	if nd.PortName.Raw == "" {
		return nil, &errs.Error{Op: "describe representor", Device: name, Err: fmt.Errorf("%w: no phys_port_name, not a switchdev port", errs.ErrNotFound)}
	}
	p, _ := netPath(name, "device")
	var pf PCIAddress
	if base, err := h.fs.LinkBase(p); err == nil {
		if a, err := ParsePCIAddress(base); err == nil {
			pf = a
		}
	} else if !sysfs.IsNotExist(err) {
		return nil, &errs.Error{Op: "describe representor", Device: name, Err: err}
	}
	r := newRepresentor(pf, nd)
	return &r, nil
}

// PCIAddressOfNetdev returns the PCI device behind a netdev (sriovnet's
// GetPciFromNetDevice).
func (h *Host) PCIAddressOfNetdev(ctx context.Context, name string) (PCIAddress, error) {
	p, err := netPath(name, "device")
	if err != nil {
		return PCIAddress{}, err
	}
	base, err := h.fs.LinkBase(p)
	if err != nil {
		if sysfs.IsNotExist(err) {
			if _, nerr := h.Netdev(name); nerr != nil {
				return PCIAddress{}, nerr
			}
			return PCIAddress{}, &errs.Error{Op: "find PCI device of netdev", Device: name, Err: fmt.Errorf("%w: not backed by a device", errs.ErrNotFound)}
		}
		return PCIAddress{}, &errs.Error{Op: "find PCI device of netdev", Device: name, Err: err}
	}
	a, err := ParsePCIAddress(base)
	if err != nil {
		return PCIAddress{}, &errs.Error{Op: "find PCI device of netdev", Device: name, Err: fmt.Errorf("%w: device %q is not a PCI device", errs.ErrNotFound, base)}
	}
	return a, nil
}
