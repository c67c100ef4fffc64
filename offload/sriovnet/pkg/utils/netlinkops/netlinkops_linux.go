package netlinkops

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/vishvananda/netlink"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// NetlinkOps is the devlink part of sriovnet's netlinkops.NetlinkOps.
type NetlinkOps interface {
	// DevLinkGetAllPortList lists the ports of every devlink instance.
	DevLinkGetAllPortList() ([]*netlink.DevlinkPort, error)
	// DevLinkGetPortByNetdevName returns the port whose netdev is netdev.
	DevLinkGetPortByNetdevName(netdev string) (*netlink.DevlinkPort, error)
	// DevLinkGetDevicePortList lists the ports of instance busName/deviceName.
	DevLinkGetDevicePortList(busName string, deviceName string) ([]*netlink.DevlinkPort, error)
}

// swapped holds what SetNetlinkOps set; see the package doc for why this
// one package variable exists.
//
//nolint:gochecknoglobals // sriovnet's SetNetlinkOps/ResetNetlinkOps API
var swapped atomic.Pointer[NetlinkOps]

// GetNetlinkOps returns the NetlinkOps set by SetNetlinkOps, or the
// default one, which asks the kernel's devlink through an offload.Host on
// "/" opened for each call.
func GetNetlinkOps() NetlinkOps {
	if p := swapped.Load(); p != nil {
		return *p
	}
	return hostOps{}
}

// SetNetlinkOps makes GetNetlinkOps return nlops (for tests, as in
// sriovnet); nil restores the default.
func SetNetlinkOps(nlops NetlinkOps) {
	if nlops == nil {
		swapped.Store(nil)
		return
	}
	swapped.Store(&nlops)
}

// ResetNetlinkOps restores the default NetlinkOps.
func ResetNetlinkOps() { swapped.Store(nil) }

// New returns a NetlinkOps that answers from h's devlink client. It does
// not close h.
func New(h *offload.Host) NetlinkOps { return hostOps{h: h} }

// hostOps answers from h, or from a Host on "/" opened per call when h is
// nil.
type hostOps struct{ h *offload.Host }

// DEVLINK_PORT_TYPE_NOTSET and _ETH.
const (
	portTypeNotSet = 0
	portTypeEth    = 2
)

func (o hostOps) with(f func(h *offload.Host) error) error {
	if o.h != nil {
		return f(o.h)
	}
	h, err := offload.Open(offload.Config{})
	if err != nil {
		return err
	}
	defer h.Close()
	return f(h)
}

func (o hostOps) DevLinkGetAllPortList() ([]*netlink.DevlinkPort, error) {
	var out []*netlink.DevlinkPort
	err := o.with(func(h *offload.Host) error {
		var err error
		out, err = allPorts(h)
		return err
	})
	return out, err
}

func allPorts(h *offload.Host) ([]*netlink.DevlinkPort, error) {
	ctx := context.Background()
	devs, err := h.DevlinkDevices(ctx)
	if err != nil {
		return nil, err
	}
	var out []*netlink.DevlinkPort
	for _, d := range devs {
		ports, err := h.Devlink(d).Ports(ctx)
		if err != nil {
			if errors.Is(err, errs.ErrNotFound) {
				continue // the instance went away between the two dumps
			}
			return nil, err
		}
		for _, p := range ports {
			out = append(out, toNetlink(p))
		}
	}
	return out, nil
}

func (o hostOps) DevLinkGetPortByNetdevName(netdev string) (*netlink.DevlinkPort, error) {
	if err := errs.ValidateIfName(netdev); err != nil {
		return nil, err
	}
	var out *netlink.DevlinkPort
	err := o.with(func(h *offload.Host) error {
		ports, err := allPorts(h)
		if err != nil {
			return err
		}
		for _, p := range ports {
			if p.NetdeviceName == netdev {
				out = p
				return nil
			}
		}
		return &errs.Error{Op: "find devlink port", Device: netdev,
			Err: fmt.Errorf("%w: failed to get devlink port for netdev %s", errs.ErrNotFound, netdev)}
	})
	return out, err
}

func (o hostOps) DevLinkGetDevicePortList(busName string, deviceName string) ([]*netlink.DevlinkPort, error) {
	d := offload.Device{Bus: busName, Name: deviceName}
	out := make([]*netlink.DevlinkPort, 0)
	err := o.with(func(h *offload.Host) error {
		ports, err := h.Devlink(d).Ports(context.Background())
		if err != nil {
			return err
		}
		for _, p := range ports {
			out = append(out, toNetlink(p))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// toNetlink converts a port to vishvananda/netlink's form (see the
// package doc for the fields it leaves unset).
func toNetlink(p offload.Port) *netlink.DevlinkPort {
	out := &netlink.DevlinkPort{
		BusName: p.Device.Bus, DeviceName: p.Device.Name, PortIndex: p.Index,
		PortType: portTypeNotSet, NetdeviceName: p.Netdev, NetdevIfIndex: uint32(p.Ifindex),
		PortFlavour: uint16(p.PortName.Flavour), // devlink numbering: offload.PortFlavour is devlink's
	}
	if p.Netdev != "" {
		out.PortType = portTypeEth
	}
	if f := p.Function; f != nil {
		fn := &netlink.DevlinkPortFn{HwAddr: f.MAC}
		if f.State != nil && *f.State == offload.PortFunctionActive {
			fn.State = 1 // DEVLINK_PORT_FN_STATE_ACTIVE
		}
		if f.Attached != nil && *f.Attached {
			fn.OpState = 1 // DEVLINK_PORT_FN_OPSTATE_ATTACHED
		}
		out.Fn = fn
	}
	return out
}
