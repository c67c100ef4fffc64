package sriovnet

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// PortFlavour is a devlink port flavour, numbered as devlink (and
// sriovnet) number them: offload's PortFlavour, the one definition.
type PortFlavour = offload.PortFlavour

// Port flavours, with sriovnet's names and devlink's values.
//
//nolint:revive,stylecheck // the names are sriovnet's, for a drop-in
const (
	PORT_FLAVOUR_PHYSICAL = iota
	PORT_FLAVOUR_CPU
	PORT_FLAVOUR_DSA
	PORT_FLAVOUR_PCI_PF
	PORT_FLAVOUR_PCI_VF
	PORT_FLAVOUR_VIRTUAL
	PORT_FLAVOUR_UNUSED
	PORT_FLAVOUR_PCI_SF
	PORT_FLAVOUR_UNKNOWN = 0xffff
)

// sriovnet's sentinel errors.
var (
	// ErrDeviceNotFound is errs.ErrNotFound, which every not-found
	// error of this package wraps.
	ErrDeviceNotFound = errs.ErrNotFound
	// ErrRepresentorNotFound is errs.ErrNotFound too: a missing
	// representor matches both, as a missing device does.
	ErrRepresentorNotFound = errs.ErrNotFound
	// ErrMultipleRepresentorsFound is sriovnet's error for a VF index
	// that devlink reports on several controllers. This package never
	// returns it: lookups are by controller, and an ambiguous name is
	// not found.
	ErrMultipleRepresentorsFound = errors.New("multiple representors found")
)

// Client answers the sriovnet queries from one offload.Host.
type Client struct {
	h *offload.Host
}

// New returns a Client on h. The Client does not close h.
func New(h *offload.Host) *Client { return &Client{h: h} }

// withHost runs f on a Host opened on "/" for this one call.
func withHost[T any](f func(c *Client) (T, error)) (T, error) {
	h, err := offload.Open(offload.Config{})
	if err != nil {
		var zero T
		return zero, err
	}
	defer h.Close()
	return f(New(h))
}

// GetNetDevicesFromPci returns the netdevs of PCI device pciAddress (on a
// switchdev PF, its representors too). As in sriovnet, a device without a
// net/ directory is an error, and an empty net/ gives an empty list and no
// error: that is what the host sees of a VF whose netdev is in a pod's
// network namespace, and Antrea checks for it.
func GetNetDevicesFromPci(pciAddress string) ([]string, error) {
	return withHost(func(c *Client) ([]string, error) { return c.GetNetDevicesFromPci(pciAddress) })
}

// GetUplinkRepresentor returns the uplink representor of a VF's PF, or of
// a PF, given its PCI address.
func GetUplinkRepresentor(pciAddress string) (string, error) {
	return withHost(func(c *Client) (string, error) { return c.GetUplinkRepresentor(pciAddress) })
}

// GetVfIndexByPciAddress returns the index of a VF within its PF; -1 with
// the error on failure, as in sriovnet.
func GetVfIndexByPciAddress(vfPciAddress string) (int, error) {
	return withHost(func(c *Client) (int, error) { return c.GetVfIndexByPciAddress(vfPciAddress) })
}

// GetVfRepresentor returns the representor of VF vfIndex of the PF whose
// uplink netdev is uplink; uplink may also be the PF's PCI address, as in
// sriovnet v1.3.0, for PFs without an uplink netdev.
func GetVfRepresentor(uplink string, vfIndex int) (string, error) {
	return withHost(func(c *Client) (string, error) { return c.GetVfRepresentor(uplink, vfIndex) })
}

// GetPfPciFromVfPci returns the PCI address of a VF's PF.
func GetPfPciFromVfPci(vfPciAddress string) (string, error) {
	return withHost(func(c *Client) (string, error) { return c.GetPfPciFromVfPci(vfPciAddress) })
}

// GetPciFromNetDevice returns the PCI address of the device behind netdev
// name.
func GetPciFromNetDevice(name string) (string, error) {
	return withHost(func(c *Client) (string, error) { return c.GetPciFromNetDevice(name) })
}

// GetPortIndexFromRepresentor returns the VF or SF number of a VF or SF
// representor (pf0vf10 and pf0sf10 both give 10).
func GetPortIndexFromRepresentor(repNetDev string) (int, error) {
	return withHost(func(c *Client) (int, error) { return c.GetPortIndexFromRepresentor(repNetDev) })
}

// GetRepresentorPortFlavour returns the port flavour of a switchdev port
// netdev; PORT_FLAVOUR_UNKNOWN with no error when its phys_port_name does
// not say.
func GetRepresentorPortFlavour(netdev string) (PortFlavour, error) {
	return withHost(func(c *Client) (PortFlavour, error) { return c.GetRepresentorPortFlavour(netdev) })
}

// GetVfRepresentorDPU returns, on a DPU, the representor of VF vfIndex of
// host PF pfID ("0" or "1"): phys_port_name c1pf<pfID>vf<vfIndex>, or on
// older firmware pf<pfID>vf<vfIndex>.
func GetVfRepresentorDPU(pfID, vfIndex string) (string, error) {
	return withHost(func(c *Client) (string, error) { return c.GetVfRepresentorDPU(pfID, vfIndex) })
}

// GetNetDevicesFromPci is the Client form of the package function.
func (c *Client) GetNetDevicesFromPci(pciAddress string) ([]string, error) {
	a, err := offload.ParsePCIAddress(pciAddress)
	if err != nil {
		return nil, err
	}
	return c.netDir("list netdevs", a.String(), sysfs.PCIPath(a.String(), "net"))
}

// netDir lists the net/ directory rel of a device: an error when there is
// none, an empty (non-nil) list when it is there but empty, as sriovnet's
// getFileNamesFromPath does. An empty net/ is what the host sees of a
// VF whose netdev has moved into a pod's network namespace.
func (c *Client) netDir(op, dev, rel string) ([]string, error) {
	names, err := c.h.FS().ReadDir(rel)
	if err != nil {
		if sysfs.IsNotExist(err) {
			return nil, &errs.Error{Op: op, Device: dev, Path: c.h.FS().Abs(rel), Err: fmt.Errorf("%w: no net directory", ErrDeviceNotFound)}
		}
		return nil, &errs.Error{Op: op, Device: dev, Path: c.h.FS().Abs(rel), Err: err}
	}
	if names == nil {
		names = []string{}
	}
	return names, nil
}

// GetUplinkRepresentor is the Client form of the package function.
func (c *Client) GetUplinkRepresentor(pciAddress string) (string, error) {
	a, err := offload.ParsePCIAddress(pciAddress)
	if err != nil {
		return "", err
	}
	pf, err := c.h.PFOfVF(a)
	if err != nil {
		// Not a VF (no physfn link): the address is the PF itself, as
		// sriovnet assumes.
		if _, nerr := c.h.NetdevNames(context.Background(), a); nerr != nil {
			return "", nerr
		}
		pf = a
	}
	r, err := c.h.Devlink(offload.PCIDevice(pf)).Representor(context.Background(), offload.PortQuery{Flavour: offload.PortFlavourPhysical, PF: -1})
	if err != nil {
		return "", err
	}
	if r.SwitchID == "" {
		return "", &errs.Error{Op: "find uplink representor", Device: pf.String(),
			Err: fmt.Errorf("%w: uplink %s has no phys_switch_id (%w)", errs.ErrNotSwitchdev, r.Netdev, ErrDeviceNotFound)}
	}
	return r.Netdev, nil
}

// GetVfIndexByPciAddress is the Client form of the package function.
func (c *Client) GetVfIndexByPciAddress(vfPciAddress string) (int, error) {
	a, err := offload.ParsePCIAddress(vfPciAddress)
	if err != nil {
		return -1, err
	}
	i, err := c.h.VFIndex(context.Background(), a)
	if err != nil {
		return -1, err
	}
	return i, nil
}

// switchPort reads netdev name and insists that it is a switchdev port
// (has a phys_switch_id), as sriovnet's isSwitchdev does.
func (c *Client) switchPort(op, name string) (offload.Netdev, error) {
	if err := errs.ValidateIfName(name); err != nil {
		return offload.Netdev{}, err
	}
	nd, err := c.h.Netdev(name)
	if err != nil {
		return offload.Netdev{}, err
	}
	if nd.SwitchID == "" {
		return offload.Netdev{}, &errs.Error{Op: op, Device: name, Err: fmt.Errorf("%w: net device %s does not represent an eswitch port (no phys_switch_id)", errs.ErrNotSwitchdev, name)}
	}
	return nd, nil
}

// GetVfRepresentor is the Client form of the package function.
func (c *Client) GetVfRepresentor(uplink string, vfIndex int) (string, error) {
	pf, perr := offload.ParsePCIAddress(uplink)
	if perr != nil {
		if _, err := c.switchPort("find VF representor", uplink); err != nil {
			return "", err
		}
	}
	if vfIndex < 0 {
		return "", errs.Invalid("VF index", strconv.Itoa(vfIndex), "negative")
	}
	if perr != nil {
		var err error
		if pf, err = c.h.PCIAddressOfNetdev(context.Background(), uplink); err != nil {
			return "", err
		}
	}
	r, err := c.h.Devlink(offload.PCIDevice(pf)).Representor(context.Background(), offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: int(pf.Function), VF: vfIndex})
	if err != nil {
		return "", err
	}
	return r.Netdev, nil
}

// GetPfPciFromVfPci is the Client form of the package function.
func (c *Client) GetPfPciFromVfPci(vfPciAddress string) (string, error) {
	a, err := offload.ParsePCIAddress(vfPciAddress)
	if err != nil {
		return "", err
	}
	pf, err := c.h.PFOfVF(a)
	if err != nil {
		return "", err
	}
	return pf.String(), nil
}

// GetPciFromNetDevice is the Client form of the package function. Like
// sriovnet it takes the first PCI address among the ancestors of the
// netdev's sysfs directory, so an SF's netdev (below mlx5_core.sf.N) gives
// its parent PCI function.
func (c *Client) GetPciFromNetDevice(name string) (string, error) {
	p, err := sysfs.NetPath(name)
	if err != nil {
		return "", err
	}
	target, err := c.h.FS().Readlink(p)
	if err != nil {
		if sysfs.IsNotExist(err) {
			return "", &errs.Error{Op: "find PCI device of netdev", Device: name, Err: fmt.Errorf("%w: no such interface", ErrDeviceNotFound)}
		}
		return "", &errs.Error{Op: "find PCI device of netdev", Device: name, Path: c.h.FS().Abs(p), Err: err}
	}
	if a, ok := pciAncestor(target); ok {
		return a, nil
	}
	return "", &errs.Error{Op: "find PCI device of netdev", Device: name,
		Err: fmt.Errorf("%w: netdev %s is not a PCI device: %s", ErrDeviceNotFound, name, target)}
}

// pciAncestor returns the nearest element of the sysfs path target (the
// netdev or device directory itself excluded) that is a PCI address. It
// stops at the path's first element, relative or not.
func pciAncestor(target string) (string, bool) {
	elems := strings.Split(filepath.ToSlash(filepath.Clean(target)), "/")
	for i := len(elems) - 2; i >= 0; i-- {
		if a, err := offload.ParsePCIAddress(elems[i]); err == nil && a.String() == elems[i] {
			return elems[i], true
		}
	}
	return "", false
}

// GetPortIndexFromRepresentor is the Client form of the package function.
func (c *Client) GetPortIndexFromRepresentor(repNetDev string) (int, error) {
	if _, err := c.switchPort("find port index", repNetDev); err != nil {
		return 0, err
	}
	r, err := c.h.RepresentorOf(context.Background(), repNetDev)
	if err != nil {
		return 0, err
	}
	switch r.PortName.Flavour {
	case offload.PortFlavourPCIVF:
		return r.PortName.VF, nil
	case offload.PortFlavourPCISF:
		return r.PortName.SF, nil
	}
	return 0, &errs.Error{Op: "find port index", Device: repNetDev,
		Err: fmt.Errorf("%w: unsupported port flavor %s (phys_port_name %q): only VF and SF representors have an index", errs.ErrInvalidArgument, r.PortName.Flavour, r.PortName)}
}

// GetRepresentorPortFlavour is the Client form of the package function.
func (c *Client) GetRepresentorPortFlavour(netdev string) (PortFlavour, error) {
	nd, err := c.switchPort("find port flavour", netdev)
	if err != nil {
		return PORT_FLAVOUR_UNKNOWN, err
	}
	if nd.PortName.Raw == "" {
		return PORT_FLAVOUR_UNKNOWN, &errs.Error{Op: "find port flavour", Device: netdev, Err: fmt.Errorf("%w: no phys_port_name", ErrDeviceNotFound)}
	}
	return nd.PortName.Flavour, nil
}

// GetVfRepresentorDPU is the Client form of the package function. Like
// sriovnet it looks at every switchdev netdev of the host (those with a
// phys_switch_id), in name order.
func (c *Client) GetVfRepresentorDPU(pfID, vfIndex string) (string, error) {
	if pfID != "0" && pfID != "1" {
		return "", errs.Invalid("PF ID", pfID, "want 0 or 1")
	}
	if _, err := strconv.ParseUint(vfIndex, 10, 32); err != nil {
		return "", errs.Invalid("VF index", vfIndex, "want an unsigned decimal number")
	}
	ports, err := c.switchPorts()
	if err != nil {
		return "", err
	}
	// Host VFs are on external controller 1; older firmware names them
	// without the controller, like local VFs. The names are compared as
	// sriovnet compares them, so "02" finds no "pf0vf2".
	for _, want := range []string{"c1pf" + pfID + "vf" + vfIndex, "pf" + pfID + "vf" + vfIndex} {
		for _, nd := range ports {
			if nd.PortName.Raw == want {
				return nd.Name, nil
			}
		}
	}
	return "", fmt.Errorf("find DPU representor of host PF %s VF %s: %w", pfID, vfIndex, ErrRepresentorNotFound)
}
