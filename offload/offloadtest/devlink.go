package offloadtest

import (
	"encoding/binary"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"

	"github.com/offloadkit/offloadkit/internal/devlink"
	"github.com/offloadkit/offloadkit/offload"
)

// Generic netlink family IDs of the fake kernel. The kernel assigns them
// dynamically; clients resolve them by name, so any free number works.
const (
	fakeDevlinkFamilyID = 0x1a
	fakeEthtoolFamilyID = 0x1b
)

// Generic netlink controller numbers (include/uapi/linux/genetlink.h).
const (
	genlIDCtrl         = 0x10 // GENL_ID_CTRL
	ctrlCmdNewFamily   = 1    // CTRL_CMD_NEWFAMILY
	ctrlCmdGetFamily   = 3    // CTRL_CMD_GETFAMILY
	ctrlAttrFamilyID   = 1    // CTRL_ATTR_FAMILY_ID
	ctrlAttrFamilyName = 2    // CTRL_ATTR_FAMILY_NAME
	ctrlAttrVersion    = 3    // CTRL_ATTR_VERSION
	nlmsgerrAttrMsg    = 1    // NLMSGERR_ATTR_MSG
	genlHeaderLen      = 4    // struct genlmsghdr
	nlmsgHeaderLen     = 16   // struct nlmsghdr
	fakeDevlinkVersion = 1    // DEVLINK_GENL_VERSION
	fakeEthtoolVersion = 1    // ETHTOOL_GENL_VERSION
)

// kernelError is a refusal with the extended ack message the kernel would
// send along.
type kernelError struct {
	errno syscall.Errno
	msg   string
	// sock, when set, is not a kernel answer but a socket error the
	// caller gets instead of the answer (a read deadline that passed).
	sock error
}

func kerr(errno syscall.Errno, msg string) *kernelError { return &kernelError{errno: errno, msg: msg} }

// genlReply is one reply message: its command and attributes.
type genlReply struct {
	cmd  uint8
	data []byte
}

// genlHandler answers one request of a family. A nil reply slice for a
// non-dump request means "acknowledge only".
type genlHandler func(cmd uint8, attrs []byte, dump bool) ([]genlReply, *kernelError)

// serveGenl is an nltest.Func that behaves like the kernel's generic
// netlink for one family: it resolves the family by name, answers dumps as
// multi-part messages ending in NLMSG_DONE, acknowledges ACK-only commands
// with an NLMSG_ERROR of 0 (a fake must answer with at least one message),
// and refuses with an NLMSG_ERROR carrying the errno and the extended ack.
func serveGenl(id uint16, name string, version uint8, h genlHandler) nltest.Func {
	return func(reqs []netlink.Message) ([]netlink.Message, error) {
		if len(reqs) == 0 {
			return nil, nil
		}
		req := reqs[0]
		var gm genetlink.Message
		if err := gm.UnmarshalBinary(req.Data); err != nil {
			return errorReply(req, kerr(syscall.EINVAL, "short generic netlink header")), nil
		}
		switch req.Header.Type {
		case genlIDCtrl:
			if gm.Header.Command != ctrlCmdGetFamily {
				return errorReply(req, kerr(syscall.EOPNOTSUPP, "")), nil
			}
			ad, err := netlink.NewAttributeDecoder(gm.Data)
			if err != nil {
				return errorReply(req, kerr(syscall.EINVAL, "")), nil
			}
			var asked string
			for ad.Next() {
				if ad.Type() == ctrlAttrFamilyName {
					asked = ad.String()
				}
			}
			if asked != name {
				return errorReply(req, kerr(syscall.ENOENT, "")), nil
			}
			ae := netlink.NewAttributeEncoder()
			ae.Uint16(ctrlAttrFamilyID, id)
			ae.String(ctrlAttrFamilyName, name)
			ae.Uint32(ctrlAttrVersion, uint32(version))
			b, err := ae.Encode()
			if err != nil {
				return nil, err
			}
			return []netlink.Message{genlMessage(req, ctrlCmdNewFamily, 2, b, 0)}, nil
		case netlink.HeaderType(id):
		default:
			return errorReply(req, kerr(syscall.ENOENT, "")), nil
		}
		dump := req.Header.Flags&netlink.Dump == netlink.Dump
		replies, ke := h(gm.Header.Command, gm.Data, dump)
		if ke != nil && ke.sock != nil {
			return nil, ke.sock
		}
		if ke != nil {
			return errorReply(req, ke), nil
		}
		if dump {
			out := make([]netlink.Message, 0, len(replies)+1)
			for _, r := range replies {
				out = append(out, genlMessage(req, r.cmd, version, r.data, netlink.Multi))
			}
			done := netlink.Message{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi, Sequence: req.Header.Sequence, PID: req.Header.PID}, Data: make([]byte, 4)}
			return append(out, done), nil
		}
		if len(replies) == 0 {
			return []netlink.Message{ackReply(req)}, nil
		}
		out := make([]netlink.Message, 0, len(replies))
		for _, r := range replies {
			out = append(out, genlMessage(req, r.cmd, version, r.data, 0))
		}
		return out, nil
	}
}

func genlMessage(req netlink.Message, cmd, version uint8, data []byte, flags netlink.HeaderFlags) netlink.Message {
	b := make([]byte, genlHeaderLen, genlHeaderLen+len(data))
	b[0], b[1] = cmd, version
	return netlink.Message{Header: netlink.Header{Type: req.Header.Type, Flags: flags, Sequence: req.Header.Sequence, PID: req.Header.PID}, Data: append(b, data...)}
}

// requestHeader is the request's nlmsghdr as the kernel echoes it in an
// error or acknowledgement.
func requestHeader(req netlink.Message, withData bool) []byte {
	n := nlmsgHeaderLen
	if withData {
		n += len(req.Data)
	}
	b := make([]byte, nlmsgHeaderLen, n)
	binary.NativeEndian.PutUint32(b[0:4], uint32(nlmsgHeaderLen+len(req.Data)))
	binary.NativeEndian.PutUint16(b[4:6], uint16(req.Header.Type))
	binary.NativeEndian.PutUint16(b[6:8], uint16(req.Header.Flags))
	binary.NativeEndian.PutUint32(b[8:12], req.Header.Sequence)
	binary.NativeEndian.PutUint32(b[12:16], req.Header.PID)
	if withData {
		b = append(b, req.Data...)
	}
	return b
}

func ackReply(req netlink.Message) netlink.Message {
	data := append(make([]byte, 4), requestHeader(req, false)...)
	return netlink.Message{Header: netlink.Header{Type: netlink.Error, Flags: netlink.Capped, Sequence: req.Header.Sequence, PID: req.Header.PID}, Data: data}
}

// errorReply is an NLMSG_ERROR with the whole request echoed and, when
// there is a message, the NLMSGERR_ATTR_MSG extended ack.
func errorReply(req netlink.Message, ke *kernelError) []netlink.Message {
	data := make([]byte, 4)
	binary.NativeEndian.PutUint32(data, uint32(-int32(ke.errno)))
	data = append(data, requestHeader(req, true)...)
	flags := netlink.HeaderFlags(0)
	if ke.msg != "" {
		ae := netlink.NewAttributeEncoder()
		ae.String(nlmsgerrAttrMsg, ke.msg)
		if tlv, err := ae.Encode(); err == nil {
			data = append(data, tlv...)
			flags |= netlink.AcknowledgeTLVs
		}
	}
	return []netlink.Message{{Header: netlink.Header{Type: netlink.Error, Flags: flags, Sequence: req.Header.Sequence, PID: req.Header.PID}, Data: data}}
}

// --- devlink ---------------------------------------------------------------

// devlinkState is what the fake devlink keeps besides the tree: eswitch
// inline/encap modes, parameters and port functions, per PF.
type devlinkState struct {
	inline map[string]devlink.InlineMode
	encap  map[string]devlink.EncapMode
	params map[string][]devlink.Param // by PF address, sorted by name
	// fnMAC and fnState hold port-function values for ports whose function
	// is not one of the tree's VFs (host VFs behind a DPU, SFs).
	fnMAC   map[string]net.HardwareAddr // by "pf/index"
	fnState map[string]devlink.PortFnState
	reloads map[string]int
	// fail holds injected refusals by "pf|op".
	fail map[string]*kernelError
}

// DevlinkOp names a devlink request for FailDevlink.
type DevlinkOp string

// Devlink requests whose refusal can be injected.
const (
	DevlinkESwitchGet DevlinkOp = "eswitch-get"
	DevlinkESwitchSet DevlinkOp = "eswitch-set"
	DevlinkParamGet   DevlinkOp = "param-get"
	DevlinkParamSet   DevlinkOp = "param-set"
	DevlinkReload     DevlinkOp = "reload"
	DevlinkPortGet    DevlinkOp = "port-get"
	DevlinkPortSet    DevlinkOp = "port-set"
)

// FailDevlink makes the fake devlink refuse op on PF addr with errno and,
// when msg is not empty, msg as the extended ack, until cleared with errno
// 0. mlx5 refusing switchdev while VFs are bound is
// FailDevlink(pf, DevlinkESwitchSet, syscall.EBUSY, "...").
func (tr *Tree) FailDevlink(addr string, op DevlinkOp, errno syscall.Errno, msg string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	st := tr.devlinkState()
	if errno == 0 {
		delete(st.fail, addr+"|"+string(op))
		return
	}
	st.fail[addr+"|"+string(op)] = kerr(errno, msg)
}

// injected returns the refusal injected for op on the handle in attrs,
// or, for a fault that lets the request through, the error to answer with
// after serving it (after).
func (tr *Tree) injected(op DevlinkOp, attrs []byte) (refuse, after *kernelError) {
	h, ok, _ := devlink.DecodeHandle(attrs)
	if !ok {
		return nil, nil
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	f, due := tr.once.hit(devlinkFaultKey(h.Device, op))
	if ke := tr.devlinkState().fail[h.Device+"|"+string(op)]; ke != nil {
		return ke, nil
	}
	if !due {
		return nil, nil
	}
	return f.outcome()
}

// outcome splits a due one-shot fault into a refusal (nothing served) or
// an error to answer with after serving the request.
func (f oneShot) outcome() (refuse, after *kernelError) {
	switch f.kind {
	case FaultLate:
		return nil, &kernelError{sock: lateSocketError()}
	case FaultAppliedThenError:
		return nil, kerr(f.errno, f.msg)
	}
	return kerr(f.errno, f.msg), nil
}

func (tr *Tree) devlinkState() *devlinkState {
	if tr.dl == nil {
		tr.dl = &devlinkState{inline: map[string]devlink.InlineMode{}, encap: map[string]devlink.EncapMode{},
			params: map[string][]devlink.Param{}, fnMAC: map[string]net.HardwareAddr{}, fnState: map[string]devlink.PortFnState{}, reloads: map[string]int{},
			fail: map[string]*kernelError{}}
	}
	return tr.dl
}

// DevlinkConn returns a fake devlink generic netlink connection that
// answers from the tree's state, the way the kernel does:
//
//   - DEVLINK_CMD_GET lists a pci/<addr> instance per PF (YUSUR PFs have
//     none: their driver is out of tree and registers no devlink).
//   - ESWITCH_GET reports the tree's eswitch mode; ESWITCH_SET calls
//     SetESwitchMode, which creates or removes representor netdevs in the
//     sysfs tree; inline and encap modes are stored per PF.
//   - PORT_GET lists, per PF, every netdev below it that has a
//     phys_port_name, with the flavour, controller, PF, VF and SF numbers
//     that name encodes, the netdev's name and ifindex, and for VF ports
//     the function's MAC as the PF reports it over rtnetlink; PORT_SET of
//     the function's hw_addr changes that same MAC.
//   - PARAM_GET/SET store parameters per PF (mlx5: flow_steering_mode
//     dmfs|smfs|hmfs, esw_port_metadata, enable_roce, max_macs), with the
//     kernel's type and value checks; RELOAD answers driver_reinit.
//
// Tree.Open passes one to the Host. Each call returns a new connection.
func (tr *Tree) DevlinkConn() *genetlink.Conn {
	return genetlink.NewConn(nltest.Dial(serveGenl(fakeDevlinkFamilyID, devlink.GenlName, fakeDevlinkVersion, tr.serveDevlink)))
}

// hasDevlink says whether the PF's driver registers a devlink instance.
func hasDevlink(p *pfState) bool { return p.spec.Vendor != offload.VendorYUSUR }

func (tr *Tree) devlinkPF(h devlink.Handle) (*pfState, *kernelError) {
	if h.Bus != "pci" {
		return nil, kerr(syscall.ENODEV, "")
	}
	p := tr.pfs[h.Device]
	if p == nil || !hasDevlink(p) {
		return nil, kerr(syscall.ENODEV, "")
	}
	return p, nil
}

// devlinkOpOf maps a command to the name FailDevlink takes.
func devlinkOpOf(cmd uint8) DevlinkOp {
	switch cmd {
	case devlink.CmdESwitchGet:
		return DevlinkESwitchGet
	case devlink.CmdESwitchSet:
		return DevlinkESwitchSet
	case devlink.CmdParamGet:
		return DevlinkParamGet
	case devlink.CmdParamSet:
		return DevlinkParamSet
	case devlink.CmdReload:
		return DevlinkReload
	case devlink.CmdPortGet:
		return DevlinkPortGet
	case devlink.CmdPortSet:
		return DevlinkPortSet
	}
	return ""
}

func (tr *Tree) serveDevlink(cmd uint8, attrs []byte, dump bool) ([]genlReply, *kernelError) {
	if op := devlinkOpOf(cmd); op != "" {
		refuse, after := tr.injected(op, attrs)
		if refuse != nil {
			return nil, refuse
		}
		if after != nil {
			if _, ke := tr.devlinkRequest(cmd, attrs, dump); ke != nil {
				return nil, ke
			}
			return nil, after
		}
	}
	return tr.devlinkRequest(cmd, attrs, dump)
}

func (tr *Tree) devlinkRequest(cmd uint8, attrs []byte, dump bool) ([]genlReply, *kernelError) {
	switch cmd {
	case devlink.CmdGet:
		return tr.devlinkInstances(attrs, dump)
	case devlink.CmdESwitchGet:
		return tr.devlinkESwitchGet(attrs)
	case devlink.CmdESwitchSet:
		return nil, tr.devlinkESwitchSet(attrs)
	case devlink.CmdParamGet:
		return tr.devlinkParamGet(attrs, dump)
	case devlink.CmdParamSet:
		return nil, tr.devlinkParamSet(attrs)
	case devlink.CmdReload:
		return tr.devlinkReload(attrs)
	case devlink.CmdPortGet:
		return tr.devlinkPortGet(attrs, dump)
	case devlink.CmdPortSet:
		return nil, tr.devlinkPortSet(attrs)
	case devlink.CmdInfoGet:
		return tr.devlinkInfoGet(attrs)
	}
	return nil, kerr(syscall.EOPNOTSUPP, "")
}

func (tr *Tree) sortedPFs() []*pfState {
	out := make([]*pfState, 0, len(tr.pfs))
	for _, p := range tr.pfs {
		if hasDevlink(p) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].spec.Address < out[j].spec.Address })
	return out
}

func (tr *Tree) devlinkInstances(attrs []byte, dump bool) ([]genlReply, *kernelError) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []genlReply
	h, ok, _ := devlink.DecodeHandle(attrs)
	for _, p := range tr.sortedPFs() {
		if !dump && (!ok || h.Device != p.spec.Address) {
			continue
		}
		b, err := devlink.EncodeInstance(devlink.Instance{Handle: devlink.Handle{Bus: "pci", Device: p.spec.Address}})
		if err != nil {
			return nil, kerr(syscall.EINVAL, err.Error())
		}
		out = append(out, genlReply{cmd: devlink.CmdNew, data: b})
	}
	if !dump && len(out) == 0 {
		return nil, kerr(syscall.ENODEV, "")
	}
	return out, nil
}

func (tr *Tree) devlinkESwitchGet(attrs []byte) ([]genlReply, *kernelError) {
	r, err := devlink.DecodeESwitchRequest(attrs)
	if err != nil {
		return nil, kerr(syscall.EINVAL, err.Error())
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	p, ke := tr.devlinkPF(r.Handle)
	if ke != nil {
		return nil, ke
	}
	e := devlink.ESwitch{HasMode: true}
	switch p.mode {
	case offload.ESwitchModeLegacy:
		e.Mode = devlink.ESwitchModeLegacy
	case offload.ESwitchModeSwitchdev:
		e.Mode = devlink.ESwitchModeSwitchdev
	default:
		return nil, kerr(syscall.EOPNOTSUPP, "")
	}
	st := tr.devlinkState()
	if p.spec.Driver == "mlx5_core" {
		// mlx5 reports inline and encap modes; nfp and ice report neither.
		e.InlineMode, e.HasInlineMode = st.inline[p.spec.Address], true
		enc, ok := st.encap[p.spec.Address]
		if !ok {
			enc = devlink.EncapModeBasic
		}
		e.EncapMode, e.HasEncapMode = enc, true
	}
	b, err := devlink.EncodeESwitch(r.Handle, e)
	if err != nil {
		return nil, kerr(syscall.EINVAL, err.Error())
	}
	return []genlReply{{cmd: devlink.CmdESwitchGet, data: b}}, nil
}

func (tr *Tree) devlinkESwitchSet(attrs []byte) *kernelError {
	r, err := devlink.DecodeESwitchRequest(attrs)
	if err != nil {
		return kerr(syscall.EINVAL, err.Error())
	}
	tr.mu.Lock()
	p, ke := tr.devlinkPF(r.Handle)
	var driver string
	if p != nil {
		driver = p.spec.Driver
	}
	tr.mu.Unlock()
	if ke != nil {
		return ke
	}
	if (r.Config.InlineMode != nil || r.Config.EncapMode != nil) && driver != "mlx5_core" {
		return kerr(syscall.EOPNOTSUPP, "")
	}
	if m := r.Config.Mode; m != nil {
		var mode offload.ESwitchMode
		switch *m {
		case devlink.ESwitchModeLegacy:
			mode = offload.ESwitchModeLegacy
		case devlink.ESwitchModeSwitchdev:
			mode = offload.ESwitchModeSwitchdev
		default:
			return kerr(syscall.EINVAL, "Unsupported eswitch mode")
		}
		// SetESwitchMode takes the tree's lock itself.
		if err := tr.SetESwitchMode(r.Handle.Device, mode); err != nil {
			if errno, ok := err.(syscall.Errno); ok {
				return kerr(errno, "")
			}
			return kerr(syscall.EIO, err.Error())
		}
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	st := tr.devlinkState()
	if r.Config.InlineMode != nil {
		if *r.Config.InlineMode > devlink.InlineModeTransport {
			return kerr(syscall.EINVAL, "Invalid inline mode")
		}
		st.inline[r.Handle.Device] = *r.Config.InlineMode
	}
	if r.Config.EncapMode != nil {
		if *r.Config.EncapMode > devlink.EncapModeBasic {
			return kerr(syscall.EINVAL, "Invalid encap mode")
		}
		st.encap[r.Handle.Device] = *r.Config.EncapMode
	}
	return nil
}

// defaultParams are the parameters a driver registers, with their values
// after probe.
func defaultParams(p *pfState) []devlink.Param {
	h := devlink.Handle{Bus: "pci", Device: p.spec.Address}
	switch p.spec.Driver {
	case "mlx5_core":
		return []devlink.Param{
			{Handle: h, Name: "enable_roce", Generic: true, Type: devlink.ParamTypeBool, Values: []devlink.ParamValue{{CMode: devlink.CModeDriverInit, Bool: true}}},
			{Handle: h, Name: "esw_port_metadata", Type: devlink.ParamTypeBool, Values: []devlink.ParamValue{{CMode: devlink.CModeRuntime, Bool: true}}},
			{Handle: h, Name: "flow_steering_mode", Type: devlink.ParamTypeString, Values: []devlink.ParamValue{{CMode: devlink.CModeRuntime, String: "dmfs"}}},
			{Handle: h, Name: "max_macs", Generic: true, Type: devlink.ParamTypeU32, Values: []devlink.ParamValue{{CMode: devlink.CModeDriverInit, Uint: 128}}},
		}
	case "ice":
		return []devlink.Param{
			{Handle: h, Name: "enable_roce", Generic: true, Type: devlink.ParamTypeBool, Values: []devlink.ParamValue{{CMode: devlink.CModeRuntime, Bool: false}}},
		}
	}
	return nil
}

func (tr *Tree) paramsOf(p *pfState) []devlink.Param {
	st := tr.devlinkState()
	ps, ok := st.params[p.spec.Address]
	if !ok {
		ps = defaultParams(p)
		st.params[p.spec.Address] = ps
	}
	return ps
}

func (tr *Tree) devlinkParamGet(attrs []byte, dump bool) ([]genlReply, *kernelError) {
	r, err := devlink.DecodeParamRequest(attrs)
	if err != nil {
		return nil, kerr(syscall.EINVAL, err.Error())
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var pfs []*pfState
	if dump {
		pfs = tr.sortedPFs()
	} else {
		p, ke := tr.devlinkPF(r.Handle)
		if ke != nil {
			return nil, ke
		}
		pfs = []*pfState{p}
	}
	var out []genlReply
	for _, p := range pfs {
		for _, prm := range tr.paramsOf(p) {
			if !dump && prm.Name != r.Name {
				continue
			}
			b, err := devlink.EncodeParam(prm)
			if err != nil {
				return nil, kerr(syscall.EINVAL, err.Error())
			}
			out = append(out, genlReply{cmd: devlink.CmdParamGet, data: b})
		}
	}
	if !dump && len(out) == 0 {
		return nil, kerr(syscall.EINVAL, "Failed to find parameter")
	}
	return out, nil
}

func (tr *Tree) devlinkParamSet(attrs []byte) *kernelError {
	r, err := devlink.DecodeParamRequest(attrs)
	if err != nil {
		return kerr(syscall.EINVAL, err.Error())
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	p, ke := tr.devlinkPF(r.Handle)
	if ke != nil {
		return ke
	}
	ps := tr.paramsOf(p)
	for i := range ps {
		prm := &ps[i]
		if prm.Name != r.Name {
			continue
		}
		if !r.HasValue || r.Type != prm.Type {
			return kerr(syscall.EINVAL, "Parameter type mismatch")
		}
		if !r.HasCMode {
			return kerr(syscall.EINVAL, "")
		}
		if prm.Name == "flow_steering_mode" {
			switch r.Value.String {
			case "smfs", "dmfs", "hmfs":
			default:
				return kerr(syscall.EINVAL, "Unsupported flow steering mode")
			}
		}
		for j := range prm.Values {
			if prm.Values[j].CMode == r.CMode {
				prm.Values[j] = r.Value
				return nil
			}
		}
		return kerr(syscall.EOPNOTSUPP, "")
	}
	return kerr(syscall.EINVAL, "Failed to find parameter")
}

func (tr *Tree) devlinkReload(attrs []byte) ([]genlReply, *kernelError) {
	r, err := devlink.DecodeReloadRequest(attrs)
	if err != nil {
		return nil, kerr(syscall.EINVAL, err.Error())
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if _, ke := tr.devlinkPF(r.Handle); ke != nil {
		return nil, ke
	}
	if r.Action != devlink.ReloadDriverReinit {
		return nil, kerr(syscall.EOPNOTSUPP, "Requested reload action is not supported by the driver")
	}
	tr.devlinkState().reloads[r.Handle.Device]++
	b, err := devlink.EncodeReloadReply(r.Handle, []devlink.ReloadAction{devlink.ReloadDriverReinit})
	if err != nil {
		return nil, kerr(syscall.EINVAL, err.Error())
	}
	return []genlReply{{cmd: devlink.CmdReload, data: b}}, nil
}

// Reloads returns how many driver_reinit reloads the fake devlink has done
// on PF addr.
func (tr *Tree) Reloads(addr string) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.devlinkState().reloads[addr]
}

// devlinkPorts builds the port list of p from its netdevs in sysfs, so the
// two views cannot disagree. Port indices are the netdevs' ifindexes:
// stable and unique, as the kernel's are.
func (tr *Tree) devlinkPorts(p *pfState) []devlink.Port {
	h := devlink.Handle{Bus: "pci", Device: p.spec.Address}
	ents, err := os.ReadDir(tr.abs(p.devDir + "/net"))
	if err != nil {
		return nil
	}
	var out []devlink.Port
	for _, e := range ents {
		name := e.Name()
		dir := p.devDir + "/net/" + name
		raw, err := os.ReadFile(tr.abs(dir + "/phys_port_name"))
		if err != nil {
			continue // a PF vNIC (nfp) or a plain netdev: not a devlink port
		}
		pn := offload.ParsePhysPortName(strings.TrimSpace(string(raw)))
		idx, _ := tr.ifindexOf(name)
		port := devlink.Port{Handle: h, Index: uint32(idx), Type: devlink.PortTypeEth, Netdev: name, NetdevIfindex: uint32(idx), HasFlavour: true}
		ctrl := pn.Controller
		if ctrl < 0 {
			ctrl = 0
		}
		switch pn.Flavour {
		case offload.PortFlavourPhysical:
			port.Flavour = devlink.PortFlavourPhysical
			port.Number, port.HasNumber = uint32(max(pn.Port, 0)), true
			port.Splittable = false
		case offload.PortFlavourPCIPF:
			port.Flavour = devlink.PortFlavourPCIPF
			port.PF, port.HasPF = uint16(max(pn.PF, 0)), true
			port.Controller, port.HasController, port.External = uint32(ctrl), true, ctrl > 0
			port.Function = tr.portFunction(p, port, -1)
		case offload.PortFlavourPCIVF:
			port.Flavour = devlink.PortFlavourPCIVF
			port.PF, port.HasPF = uint16(max(pn.PF, 0)), true
			port.VF, port.HasVF = uint16(max(pn.VF, 0)), true
			port.Controller, port.HasController, port.External = uint32(ctrl), true, ctrl > 0
			vf := -1
			if ctrl == 0 {
				vf = pn.VF
			}
			port.Function = tr.portFunction(p, port, vf)
		case offload.PortFlavourPCISF:
			port.Flavour = devlink.PortFlavourPCISF
			port.PF, port.HasPF = uint16(max(pn.PF, 0)), true
			port.SF, port.HasSF = uint32(max(pn.SF, 0)), true
			port.Controller, port.HasController, port.External = uint32(ctrl), true, ctrl > 0
			port.Function = tr.portFunction(p, port, -1)
		default:
			continue
		}
		out = append(out, port)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

func portKey(p *pfState, index uint32) string {
	return p.spec.Address + "/" + strconv.FormatUint(uint64(index), 10)
}

// portFunction describes the function behind a port: a local VF's MAC is
// the one the PF holds for it (what `ip link show <pf>` prints), so devlink
// and rtnetlink agree; other functions keep their own.
func (tr *Tree) portFunction(p *pfState, port devlink.Port, vf int) *devlink.PortFunction {
	st := tr.devlinkState()
	key := portKey(p, port.Index)
	f := &devlink.PortFunction{HWAddr: net.HardwareAddr{0, 0, 0, 0, 0, 0}, HasState: true, State: devlink.PortFnStateActive, HasOpState: true, OpState: devlink.PortFnOpStateAttached}
	if vf >= 0 && vf < len(p.vfInfo) {
		f.HWAddr = append(net.HardwareAddr(nil), p.vfInfo[vf].MAC...)
	} else if mac, ok := st.fnMAC[key]; ok {
		f.HWAddr = append(net.HardwareAddr(nil), mac...)
	}
	if s, ok := st.fnState[key]; ok {
		f.State = s
		if s == devlink.PortFnStateInactive {
			f.OpState = devlink.PortFnOpStateDetached
		}
	}
	return f
}

func (tr *Tree) devlinkPortGet(attrs []byte, dump bool) ([]genlReply, *kernelError) {
	r, err := devlink.DecodePortRequest(attrs)
	if err != nil {
		return nil, kerr(syscall.EINVAL, err.Error())
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var pfs []*pfState
	if dump && r.Handle == (devlink.Handle{}) {
		pfs = tr.sortedPFs()
	} else {
		p, ke := tr.devlinkPF(r.Handle)
		if ke != nil {
			return nil, ke
		}
		pfs = []*pfState{p}
	}
	var out []genlReply
	for _, p := range pfs {
		for _, port := range tr.devlinkPorts(p) {
			if !dump && (!r.HasIndex || port.Index != r.Index) {
				continue
			}
			b, err := devlink.EncodePort(port)
			if err != nil {
				return nil, kerr(syscall.EINVAL, err.Error())
			}
			out = append(out, genlReply{cmd: devlink.CmdPortNew, data: b})
		}
	}
	if !dump && len(out) == 0 {
		return nil, kerr(syscall.ENODEV, "Port with specified index does not exist")
	}
	return out, nil
}

func (tr *Tree) devlinkPortSet(attrs []byte) *kernelError {
	r, err := devlink.DecodePortRequest(attrs)
	if err != nil {
		return kerr(syscall.EINVAL, err.Error())
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	p, ke := tr.devlinkPF(r.Handle)
	if ke != nil {
		return ke
	}
	if !r.HasIndex {
		return kerr(syscall.EINVAL, "Port index is missing")
	}
	var port *devlink.Port
	for _, pt := range tr.devlinkPorts(p) {
		if pt.Index == r.Index {
			pt := pt
			port = &pt
		}
	}
	if port == nil {
		return kerr(syscall.ENODEV, "Port with specified index does not exist")
	}
	if r.Function == nil {
		return nil
	}
	if port.Flavour == devlink.PortFlavourPhysical {
		return kerr(syscall.EOPNOTSUPP, "Port doesn't support function attributes")
	}
	st := tr.devlinkState()
	key := portKey(p, port.Index)
	if mac := r.Function.HWAddr; mac != nil {
		if len(mac) != 6 {
			return kerr(syscall.EINVAL, "Invalid hardware address")
		}
		if port.Flavour == devlink.PortFlavourPCIVF && !port.External && int(port.VF) < len(p.vfInfo) {
			p.vfInfo[port.VF].MAC = append(net.HardwareAddr(nil), mac...)
		} else {
			st.fnMAC[key] = append(net.HardwareAddr(nil), mac...)
		}
	}
	if s := r.Function.State; s != nil {
		if port.Flavour != devlink.PortFlavourPCISF {
			return kerr(syscall.EOPNOTSUPP, "Function does not support state setting")
		}
		st.fnState[key] = *s
	}
	return nil
}

// devlinkInfoGet answers `devlink dev info`: the driver and, when the spec
// has one, board.id among the fixed versions.
func (tr *Tree) devlinkInfoGet(attrs []byte) ([]genlReply, *kernelError) {
	h, ok, err := devlink.DecodeHandle(attrs)
	if err != nil || !ok {
		return nil, kerr(syscall.EINVAL, "")
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	p, ke := tr.devlinkPF(h)
	if ke != nil {
		return nil, ke
	}
	in := devlink.Info{Handle: h, Driver: p.spec.Driver}
	if p.spec.BoardID != "" {
		in.Fixed = []devlink.InfoVersion{{Name: "board.id", Value: p.spec.BoardID}}
	}
	b, err := devlink.EncodeInfo(in)
	if err != nil {
		return nil, kerr(syscall.EINVAL, err.Error())
	}
	return []genlReply{{cmd: devlink.CmdInfoGet, data: b}}, nil
}

// NoFamilyConn returns a generic netlink connection to a kernel that has
// no generic netlink family at all: resolving devlink or ethtool fails
// with ENOENT, as on a kernel built without them (or an old one with
// MLNX_OFED's sysfs files instead). Pass it as Config.Devlink or Config.Ethtool
// to model that kernel; a Host given no connection at all is a Host that
// was not told which kernel to ask (offload.MissingCapabilityError).
func NoFamilyConn() *genetlink.Conn {
	return genetlink.NewConn(nltest.Dial(serveGenl(0, "", 0, func(uint8, []byte, bool) ([]genlReply, *kernelError) {
		return nil, kerr(syscall.EOPNOTSUPP, "")
	})))
}
