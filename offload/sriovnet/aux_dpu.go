package sriovnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// sriovnet's sysfs locations. The drop-in reads below its Host's root;
// these are the paths on a real host, for callers that build their own
// (ovn-kubernetes joins PciSysDir with an address and "sriov_totalvfs").
const (
	NetSysDir = "/sys/class/net"
	PciSysDir = "/sys/bus/pci/devices"
	AuxSysDir = "/sys/bus/auxiliary/devices"
)

// auxDevicesDir is AuxSysDir below the Host root.
const auxDevicesDir = "sys/bus/auxiliary/devices"

// GetNetDevicesFromAux returns the netdevs of auxiliary device auxDev
// ("mlx5_core.sf.4"): an error when it has no net/ directory, an empty
// list when the directory is empty.
func GetNetDevicesFromAux(auxDev string) ([]string, error) {
	return withHost(func(c *Client) ([]string, error) { return c.GetNetDevicesFromAux(auxDev) })
}

// GetSfIndexByAuxDev returns the SF number (sfnum) of SF auxiliary device
// auxDev; -1 with the error on failure, as in sriovnet.
func GetSfIndexByAuxDev(auxDev string) (int, error) {
	return withHost(func(c *Client) (int, error) { return c.GetSfIndexByAuxDev(auxDev) })
}

// GetPfPciFromAux returns the PCI address of the function an auxiliary
// device hangs off, through nested auxiliary devices
// (mlx5_core.sf.4/mlx5_core.eth.4 gives the PF of mlx5_core.sf.4).
func GetPfPciFromAux(auxDev string) (string, error) {
	return withHost(func(c *Client) (string, error) { return c.GetPfPciFromAux(auxDev) })
}

// GetUplinkRepresentorFromAux returns the uplink representor of the PF an
// auxiliary device (an SF) hangs off.
func GetUplinkRepresentorFromAux(auxDev string) (string, error) {
	return withHost(func(c *Client) (string, error) { return c.GetUplinkRepresentorFromAux(auxDev) })
}

// GetPfIndexByVfPciAddress returns the PCI function number of a VF's PF
// (the PF index sriovnet reports); -1 with the error on failure.
func GetPfIndexByVfPciAddress(vfPciAddress string) (int, error) {
	return withHost(func(c *Client) (int, error) { return c.GetPfIndexByVfPciAddress(vfPciAddress) })
}

// GetSfRepresentor returns the representor of local SF sfNum of the PF
// whose uplink netdev (or PCI address) is uplink.
func GetSfRepresentor(uplink string, sfNum int) (string, error) {
	return withHost(func(c *Client) (string, error) { return c.GetSfRepresentor(uplink, sfNum) })
}

// GetPfRepresentorDPU returns, on a DPU, the representor of host PF pfID
// ("0" or "1"): phys_port_name c1pf<pfID>, or on older firmware pf<pfID>.
func GetPfRepresentorDPU(pfID string) (string, error) {
	return withHost(func(c *Client) (string, error) { return c.GetPfRepresentorDPU(pfID) })
}

// GetRepresentorPeerMacAddress returns, on a DPU, the MAC address of the
// host function a PF representor stands for: the devlink port function's
// hw_addr, or where devlink cannot say, the MAC line of the uplink's
// smart_nic/pf/config (MLNX_OFED kernels).
func GetRepresentorPeerMacAddress(netdev string) (net.HardwareAddr, error) {
	return withHost(func(c *Client) (net.HardwareAddr, error) { return c.GetRepresentorPeerMacAddress(netdev) })
}

// IsVfPciVfioBound reports whether PCI device pciAddr is bound to
// vfio-pci. Anything that prevents knowing (a bad address, no such
// device, no driver) is false, as in sriovnet.
func IsVfPciVfioBound(pciAddr string) bool {
	b, _ := withHost(func(c *Client) (bool, error) { return c.IsVfPciVfioBound(pciAddr), nil })
	return b
}

// auxPath returns sys/bus/auxiliary/devices/<auxDev>/<attr...>, refusing a
// name that is not a plain sysfs name.
func auxPath(auxDev string, attr ...string) (string, error) {
	if auxDev == "" || len(auxDev) > 64 || strings.ContainsAny(auxDev, "\x00 \t\n") {
		return "", errs.Invalid("auxiliary device", auxDev, "not a plain sysfs name")
	}
	return sysfs.Join(append([]string{auxDevicesDir, auxDev}, attr...)...)
}

// GetNetDevicesFromAux is the Client form of the package function.
func (c *Client) GetNetDevicesFromAux(auxDev string) ([]string, error) {
	p, err := auxPath(auxDev, "net")
	if err != nil {
		return nil, err
	}
	return c.netDir("list netdevs", auxDev, p)
}

// GetSfIndexByAuxDev is the Client form of the package function.
func (c *Client) GetSfIndexByAuxDev(auxDev string) (int, error) {
	p, err := auxPath(auxDev, "sfnum")
	if err != nil {
		return -1, err
	}
	s, err := c.h.FS().ReadString(p)
	if err != nil {
		if sysfs.IsNotExist(err) {
			err = fmt.Errorf("%w: cannot get sfnum (not an SF): %w", ErrDeviceNotFound, err)
		}
		return -1, &errs.Error{Op: "read sfnum", Device: auxDev, Path: c.h.FS().Abs(p), Err: err}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return -1, &errs.Error{Op: "parse sfnum", Device: auxDev, Path: c.h.FS().Abs(p), Err: fmt.Errorf("%w: %w", errs.ErrInvalidArgument, err)}
	}
	return int(n), nil
}

// GetPfPciFromAux is the Client form of the package function.
func (c *Client) GetPfPciFromAux(auxDev string) (string, error) {
	p, err := auxPath(auxDev)
	if err != nil {
		return "", err
	}
	target, err := c.h.FS().Readlink(p)
	if err != nil {
		if sysfs.IsNotExist(err) {
			err = fmt.Errorf("%w: no such auxiliary device", ErrDeviceNotFound)
		}
		return "", &errs.Error{Op: "find PF of auxiliary device", Device: auxDev, Path: c.h.FS().Abs(p), Err: err}
	}
	if a, ok := pciAncestor(target); ok {
		return a, nil
	}
	// sriovnet v1.3.0 walks filepath.Dir of the relative target forever
	// here; this answers.
	return "", &errs.Error{Op: "find PF of auxiliary device", Device: auxDev,
		Err: fmt.Errorf("%w: %s is not below a PCI device", ErrDeviceNotFound, target)}
}

// GetUplinkRepresentorFromAux is the Client form of the package function.
func (c *Client) GetUplinkRepresentorFromAux(auxDev string) (string, error) {
	pf, err := c.GetPfPciFromAux(auxDev)
	if err != nil {
		return "", err
	}
	return c.GetUplinkRepresentor(pf)
}

// GetPfIndexByVfPciAddress is the Client form of the package function.
func (c *Client) GetPfIndexByVfPciAddress(vfPciAddress string) (int, error) {
	a, err := offload.ParsePCIAddress(vfPciAddress)
	if err != nil {
		return -1, err
	}
	pf, err := c.h.PFOfVF(a)
	if err != nil {
		return -1, err
	}
	return int(pf.Function), nil
}

// GetSfRepresentor is the Client form of the package function.
func (c *Client) GetSfRepresentor(uplink string, sfNum int) (string, error) {
	pf, perr := offload.ParsePCIAddress(uplink)
	if perr != nil {
		if _, err := c.switchPort("find SF representor", uplink); err != nil {
			return "", err
		}
	}
	if sfNum < 0 {
		return "", errs.Invalid("SF number", strconv.Itoa(sfNum), "negative")
	}
	if perr != nil {
		var err error
		if pf, err = c.h.PCIAddressOfNetdev(context.Background(), uplink); err != nil {
			return "", err
		}
	}
	r, err := c.h.Devlink(offload.PCIDevice(pf)).Representor(context.Background(), offload.PortQuery{Flavour: offload.PortFlavourPCISF, PF: int(pf.Function), VF: -1, SF: sfNum})
	if err != nil {
		return "", err
	}
	return r.Netdev, nil
}

// switchPorts returns the switchdev netdevs of the host (those with a
// phys_switch_id), in name order, as sriovnet's DPU lookups scan them.
func (c *Client) switchPorts() ([]offload.Netdev, error) {
	names, err := c.h.FS().ReadDir(sysfs.ClassNetDir)
	if err != nil {
		return nil, &errs.Error{Op: "list netdevs", Path: c.h.FS().Abs(sysfs.ClassNetDir), Err: err}
	}
	var out []offload.Netdev
	for _, n := range names {
		if errs.ValidateIfName(n) != nil {
			continue
		}
		nd, err := c.h.Netdev(n)
		if err != nil {
			if errors.Is(err, errs.ErrNotFound) {
				continue // went away while we looked
			}
			return nil, err
		}
		if nd.SwitchID != "" {
			out = append(out, nd)
		}
	}
	return out, nil
}

// GetPfRepresentorDPU is the Client form of the package function.
func (c *Client) GetPfRepresentorDPU(pfID string) (string, error) {
	if pfID != "0" && pfID != "1" {
		return "", errs.Invalid("PF ID", pfID, "want 0 or 1")
	}
	ports, err := c.switchPorts()
	if err != nil {
		return "", err
	}
	// The host PF is on external controller 1; older firmware names it
	// without the controller.
	for _, want := range []string{"c1pf" + pfID, "pf" + pfID} {
		for _, nd := range ports {
			if nd.PortName.Raw == want {
				return nd.Name, nil
			}
		}
	}
	return "", fmt.Errorf("find DPU representor of host PF %s: %w", pfID, ErrRepresentorNotFound)
}

// GetRepresentorPeerMacAddress is the Client form of the package function.
func (c *Client) GetRepresentorPeerMacAddress(netdev string) (net.HardwareAddr, error) {
	const op = "find peer MAC of representor"
	f, err := c.GetRepresentorPortFlavour(netdev)
	if err != nil {
		return nil, err
	}
	if f != PORT_FLAVOUR_PCI_PF {
		return nil, &errs.Error{Op: op, Device: netdev, Err: fmt.Errorf("%w: port flavour %d: only PF representors (pcipf) are supported", errs.ErrNotSupported, f)}
	}
	if mac, ok := c.portFunctionMAC(netdev); ok {
		return mac, nil
	}
	// No devlink answer: the uplink p<N> of the same device, and the MAC
	// its smart_nic/pf/config holds (MLNX_OFED).
	nd, err := c.h.Netdev(netdev)
	if err != nil {
		return nil, err
	}
	pn := nd.PortName
	if pn.Flavour != offload.PortFlavourPCIPF || pn.PF < 0 {
		return nil, &errs.Error{Op: op, Device: netdev, Err: fmt.Errorf("%w: phys_port_name %q names no PF number", ErrDeviceNotFound, pn.Raw)}
	}
	pf, err := c.h.PCIAddressOfNetdev(context.Background(), netdev)
	if err != nil {
		return nil, err
	}
	reps, err := c.h.Devlink(offload.PCIDevice(pf)).Representors(context.Background())
	if err != nil {
		return nil, err
	}
	var up *offload.Representor
	for i := range reps {
		if reps[i].SwitchID != "" && reps[i].PortName.Raw == "p"+strconv.Itoa(pn.PF) {
			up = &reps[i]
			break
		}
	}
	if up == nil {
		return nil, &errs.Error{Op: op, Device: netdev, Err: fmt.Errorf("%w: no uplink p%d next to it", ErrDeviceNotFound, pn.PF)}
	}
	cfg, err := sysfs.NetPath(up.Netdev, "smart_nic", "pf", "config")
	if err != nil {
		return nil, err
	}
	b, err := c.h.FS().ReadFile(cfg)
	if err != nil {
		if sysfs.IsNotExist(err) {
			err = fmt.Errorf("%w: %w", errs.ErrNotSupported, err)
		}
		return nil, &errs.Error{Op: op, Device: netdev, Path: c.h.FS().Abs(cfg), Err: err}
	}
	mac, err := parseDPUConfigMAC(string(b))
	if err != nil {
		return nil, &errs.Error{Op: op, Device: netdev, Path: c.h.FS().Abs(cfg), Err: err}
	}
	return mac, nil
}

// portFunctionMAC asks devlink for the function behind netdev's port: ok
// when the port is found and has function attributes (the address may be
// empty, as sriovnet returns it).
func (c *Client) portFunctionMAC(netdev string) (net.HardwareAddr, bool) {
	pf, err := c.h.PCIAddressOfNetdev(context.Background(), netdev)
	if err != nil {
		return nil, false
	}
	ports, err := c.h.Devlink(offload.PCIDevice(pf)).Ports(context.Background())
	if err != nil {
		return nil, false
	}
	for _, p := range ports {
		if p.Netdev == netdev && p.Function != nil {
			return p.Function.MAC, true
		}
	}
	return nil, false
}

// parseDPUConfigMAC reads the "MAC : xx:..." line of a smart_nic config
// file ("key : value" lines, as the MLNX_OFED driver prints them).
func parseDPUConfigMAC(s string) (net.HardwareAddr, error) {
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) != "MAC" {
			continue
		}
		v = strings.TrimSpace(v)
		mac, err := net.ParseMAC(v)
		if err != nil {
			return nil, fmt.Errorf("%w: MAC %q: %w", errs.ErrInvalidArgument, v, err)
		}
		return mac, nil
	}
	return nil, fmt.Errorf("%w: no MAC line", ErrDeviceNotFound)
}

// IsVfPciVfioBound is the Client form of the package function.
func (c *Client) IsVfPciVfioBound(pciAddr string) bool {
	a, err := offload.ParsePCIAddress(pciAddr)
	if err != nil {
		return false
	}
	d, err := c.h.FS().LinkBase(sysfs.PCIPath(a.String(), "driver"))
	return err == nil && d == "vfio-pci"
}
