package devlink

import (
	"context"
	"fmt"
	"strconv"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/genl"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// Client sends devlink requests over one generic netlink connection. It is
// safe for concurrent use; requests are serialised.
type Client struct {
	conn *genl.Conn
}

// New resolves the devlink family on c and returns a Client that owns c.
// genltest connections work here, which is how the package is tested. A
// kernel without devlink gives an error matching errs.ErrNotSupported.
func New(c *genetlink.Conn) (*Client, error) {
	conn, err := genl.Open(c, GenlName)
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Family returns the resolved generic netlink family (its ID and version).
func (c *Client) Family() genetlink.Family { return c.conn.Family() }

func checkHandle(h Handle) error {
	if h.Bus == "" || h.Device == "" {
		return errs.Invalid("devlink handle", h.String(), "want bus/device")
	}
	return nil
}

// Instances lists the devlink instances (`devlink dev show`).
func (c *Client) Instances(ctx context.Context) ([]Instance, error) {
	msgs, err := c.conn.Do(ctx, "devlink dev show", "", CmdGet, netlink.Request|netlink.Dump, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Instance, 0, len(msgs))
	for _, m := range msgs {
		// Replies are matched by content, not by command: kernels have
		// answered some dumps with DEVLINK_CMD_NEW instead of the
		// object's own NEW command (6.1 does it for port dumps).
		in, err := DecodeInstance(m.Data)
		if err != nil {
			return nil, &errs.Error{Op: "decode devlink dev show", Err: err}
		}
		if in.Bus != "" {
			out = append(out, in)
		}
	}
	return out, nil
}

// ESwitch reads the eswitch modes of h (`devlink dev eswitch show`).
func (c *Client) ESwitch(ctx context.Context, h Handle) (ESwitch, error) {
	const op = "devlink dev eswitch show"
	if err := checkHandle(h); err != nil {
		return ESwitch{}, err
	}
	body, err := encodeESwitchSet(h, ESwitchConfig{})
	if err != nil {
		return ESwitch{}, err
	}
	msgs, err := c.conn.Do(ctx, op, h.String(), CmdESwitchGet, netlink.Request, body)
	if err != nil {
		return ESwitch{}, err
	}
	for _, m := range msgs {
		rh, e, err := DecodeESwitch(m.Data)
		if err != nil {
			return ESwitch{}, &errs.Error{Op: "decode " + op, Device: h.String(), Err: err}
		}
		if rh.Bus != "" {
			return e, nil
		}
	}
	return ESwitch{}, &errs.Error{Op: op, Device: h.String(), Err: fmt.Errorf("%w: no eswitch reply", errs.ErrNotSupported)}
}

// SetESwitch changes the eswitch modes of h that cfg sets (`devlink dev
// eswitch set`). The kernel only acknowledges; read the modes back with
// ESwitch to see what the driver did.
func (c *Client) SetESwitch(ctx context.Context, h Handle, cfg ESwitchConfig) error {
	const op = "devlink dev eswitch set"
	if err := checkHandle(h); err != nil {
		return err
	}
	if cfg.Mode == nil && cfg.InlineMode == nil && cfg.EncapMode == nil {
		return errs.Invalid("eswitch config", h.String(), "sets nothing")
	}
	body, err := encodeESwitchSet(h, cfg)
	if err != nil {
		return err
	}
	_, err = c.conn.Do(ctx, op, h.String(), CmdESwitchSet, netlink.Request|netlink.Acknowledge, body)
	return err
}

// Param reads parameter name of h (`devlink dev param show <h> name <name>`).
func (c *Client) Param(ctx context.Context, h Handle, name string) (Param, error) {
	op := "devlink dev param show " + name
	if err := checkHandle(h); err != nil {
		return Param{}, err
	}
	if name == "" {
		return Param{}, errs.Invalid("devlink parameter name", name, "empty")
	}
	body, err := encodeParamRequest(h, name, false, 0, ParamValue{})
	if err != nil {
		return Param{}, err
	}
	msgs, err := c.conn.Do(ctx, op, h.String(), CmdParamGet, netlink.Request, body)
	if err != nil {
		return Param{}, err
	}
	for _, m := range msgs {
		p, err := DecodeParam(m.Data)
		if err != nil {
			return Param{}, &errs.Error{Op: "decode " + op, Device: h.String(), Err: err}
		}
		if p.Name == name {
			return p, nil
		}
	}
	return Param{}, &errs.Error{Op: op, Device: h.String(), Err: fmt.Errorf("%w: no such parameter", errs.ErrNotFound)}
}

// Params lists the parameters of h, or of every instance when h is the zero
// Handle (`devlink dev param show`).
func (c *Client) Params(ctx context.Context, h Handle) ([]Param, error) {
	const op = "devlink dev param show"
	var body []byte
	if h != (Handle{}) {
		if err := checkHandle(h); err != nil {
			return nil, err
		}
		var err error
		if body, err = encodeHandle(h); err != nil {
			return nil, err
		}
	}
	msgs, err := c.conn.Do(ctx, op, h.String(), CmdParamGet, netlink.Request|netlink.Dump, body)
	if err != nil {
		return nil, err
	}
	var out []Param
	for _, m := range msgs {
		p, err := DecodeParam(m.Data)
		if err != nil {
			return nil, &errs.Error{Op: "decode " + op, Device: h.String(), Err: err}
		}
		// Kernels before 6.x dump every instance whatever the request
		// says; filter here.
		if p.Name != "" && (h == Handle{} || p.Handle == h) {
			out = append(out, p)
		}
	}
	return out, nil
}

// SetParam sets parameter name of h to v in v.CMode (`devlink dev param set
// <h> name <name> value <v> cmode <cmode>`). typ must be the parameter's
// type, as Param reports it.
func (c *Client) SetParam(ctx context.Context, h Handle, name string, typ ParamType, v ParamValue) error {
	op := "devlink dev param set " + name
	if err := checkHandle(h); err != nil {
		return err
	}
	if name == "" {
		return errs.Invalid("devlink parameter name", name, "empty")
	}
	if v.CMode > CModePermanent {
		return errs.Invalid("devlink parameter cmode", v.CMode.String(), "want runtime, driverinit or permanent")
	}
	body, err := encodeParamRequest(h, name, true, typ, v)
	if err != nil {
		return errs.Invalid("devlink parameter type", typ.String(), err.Error())
	}
	_, err = c.conn.Do(ctx, op, h.String(), CmdParamSet, netlink.Request|netlink.Acknowledge, body)
	return err
}

// Reload reloads h with action (`devlink dev reload <h> action
// driver_reinit`) and returns the actions the kernel says it performed.
// Driverinit parameters take effect here. The kernel answers a reload that
// names an action with a reply instead of a bare acknowledgement.
func (c *Client) Reload(ctx context.Context, h Handle, action ReloadAction) ([]ReloadAction, error) {
	op := "devlink dev reload action " + action.String()
	if err := checkHandle(h); err != nil {
		return nil, err
	}
	if action != ReloadDriverReinit && action != ReloadFWActivate {
		return nil, errs.Invalid("devlink reload action", action.String(), "want driver_reinit or fw_activate")
	}
	body, err := encodeReload(h, action)
	if err != nil {
		return nil, err
	}
	msgs, err := c.conn.Do(ctx, op, h.String(), CmdReload, netlink.Request, body)
	if err != nil {
		return nil, err
	}
	var out []ReloadAction
	for _, m := range msgs {
		a, err := DecodeReloadReply(m.Data)
		if err != nil {
			return nil, &errs.Error{Op: "decode " + op, Device: h.String(), Err: err}
		}
		out = append(out, a...)
	}
	return out, nil
}

// Ports lists the ports of h, or of every instance when h is the zero
// Handle (`devlink port show`).
func (c *Client) Ports(ctx context.Context, h Handle) ([]Port, error) {
	const op = "devlink port show"
	var hp *Handle
	if h != (Handle{}) {
		if err := checkHandle(h); err != nil {
			return nil, err
		}
		hp = &h
	}
	body, err := encodePortRequest(hp, nil, nil)
	if err != nil {
		return nil, err
	}
	msgs, err := c.conn.Do(ctx, op, h.String(), CmdPortGet, netlink.Request|netlink.Dump, body)
	if err != nil {
		return nil, err
	}
	out := make([]Port, 0, len(msgs))
	for _, m := range msgs {
		p, err := DecodePort(m.Data)
		if err != nil {
			return nil, &errs.Error{Op: "decode " + op, Device: h.String(), Err: err}
		}
		if p.Handle.Bus == "" {
			continue // not a port (an acknowledgement)
		}
		// Kernels before 6.4 ignore the handle in a dump request.
		if hp == nil || p.Handle == h {
			out = append(out, p)
		}
	}
	return out, nil
}

// Port reads port index of h (`devlink port show <h>/<index>`).
func (c *Client) Port(ctx context.Context, h Handle, index uint32) (Port, error) {
	const op = "devlink port show"
	dev := h.String() + "/" + strconv.FormatUint(uint64(index), 10)
	if err := checkHandle(h); err != nil {
		return Port{}, err
	}
	body, err := encodePortRequest(&h, &index, nil)
	if err != nil {
		return Port{}, err
	}
	msgs, err := c.conn.Do(ctx, op, dev, CmdPortGet, netlink.Request, body)
	if err != nil {
		return Port{}, err
	}
	for _, m := range msgs {
		p, err := DecodePort(m.Data)
		if err != nil {
			return Port{}, &errs.Error{Op: "decode " + op, Device: dev, Err: err}
		}
		if p.Handle.Bus != "" {
			return p, nil
		}
	}
	return Port{}, &errs.Error{Op: op, Device: dev, Err: fmt.Errorf("%w: no port reply", errs.ErrNotFound)}
}

// SetPortFunction changes the function behind port index of h (`devlink
// port function set <h>/<index> hw_addr <mac> state active`). Setting a
// VF's MAC this way works from the eswitch manager, including on a DPU for
// host VFs.
func (c *Client) SetPortFunction(ctx context.Context, h Handle, index uint32, cfg PortFunctionConfig) error {
	const op = "devlink port function set"
	dev := h.String() + "/" + strconv.FormatUint(uint64(index), 10)
	if err := checkHandle(h); err != nil {
		return err
	}
	if cfg.HWAddr == nil && cfg.State == nil {
		return errs.Invalid("port function config", dev, "sets nothing")
	}
	if cfg.HWAddr != nil && len(cfg.HWAddr) != 6 && len(cfg.HWAddr) != 20 {
		return errs.Invalid("hardware address", cfg.HWAddr.String(), "want 6 (Ethernet) or 20 (InfiniBand) bytes")
	}
	body, err := encodePortRequest(&h, &index, &cfg)
	if err != nil {
		return err
	}
	_, err = c.conn.Do(ctx, op, dev, CmdPortSet, netlink.Request|netlink.Acknowledge, body)
	return err
}

func encodeHandle(h Handle) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	putHandle(ae, h)
	return ae.Encode()
}

// Info reads the device information of h (`devlink dev info`): driver,
// serial number, fixed (board), running and stored (firmware) versions.
func (c *Client) Info(ctx context.Context, h Handle) (Info, error) {
	const op = "devlink dev info"
	if err := checkHandle(h); err != nil {
		return Info{}, err
	}
	ae := netlink.NewAttributeEncoder()
	putHandle(ae, h)
	body, err := ae.Encode()
	if err != nil {
		return Info{}, err
	}
	msgs, err := c.conn.Do(ctx, op, h.String(), CmdInfoGet, netlink.Request, body)
	if err != nil {
		return Info{}, err
	}
	for _, m := range msgs {
		in, err := DecodeInfo(m.Data)
		if err != nil {
			return Info{}, &errs.Error{Op: "decode " + op, Device: h.String(), Err: err}
		}
		if in.Handle.Bus != "" {
			return in, nil
		}
	}
	return Info{}, &errs.Error{Op: op, Device: h.String(), Err: fmt.Errorf("%w: no info reply", errs.ErrNotSupported)}
}
