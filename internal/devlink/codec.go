package devlink

import (
	"encoding/binary"
	"fmt"
	"net"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nlenc"

	"github.com/offloadkit/offloadkit/internal/genl"
)

// The requests below are what the devlink tool sends; each Decode*Request
// exists for fakes of the kernel and for tests that check the exact
// attributes the client sent.

// ESwitchRequest is a decoded ESWITCH_GET or ESWITCH_SET request.
type ESwitchRequest struct {
	Handle Handle
	Config ESwitchConfig
}

// ParamRequest is a decoded PARAM_GET or PARAM_SET request. Type, Value and
// HasValue are only set by PARAM_SET.
type ParamRequest struct {
	Handle   Handle
	Name     string
	Type     ParamType
	CMode    CMode
	HasCMode bool
	Value    ParamValue
	HasValue bool
}

// PortRequest is a decoded PORT_GET or PORT_SET request. A dump carries no
// index (HasIndex false) and may carry a handle to filter on.
type PortRequest struct {
	Handle   Handle
	Index    uint32
	HasIndex bool
	Function *PortFunctionConfig
}

// ReloadRequest is a decoded RELOAD request.
type ReloadRequest struct {
	Handle Handle
	Action ReloadAction
}

func putHandle(ae *netlink.AttributeEncoder, h Handle) {
	ae.String(attrBusName, h.Bus)
	ae.String(attrDevName, h.Device)
}

// --- devices ---------------------------------------------------------------

// EncodeInstance builds a DEVLINK_CMD_NEW reply (one entry of `devlink dev
// show`).
func EncodeInstance(in Instance) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	putHandle(ae, in.Handle)
	ae.Uint8(attrReloadFailed, boolU8(in.ReloadFailed))
	return ae.Encode()
}

// DecodeInstance decodes a DEVLINK_CMD_NEW reply.
func DecodeInstance(b []byte) (Instance, error) {
	var in Instance
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return in, err
	}
	for ad.Next() {
		switch ad.Type() {
		case attrBusName:
			in.Bus = ad.String()
		case attrDevName:
			in.Device = ad.String()
		case attrReloadFailed:
			in.ReloadFailed = genl.Uint(ad.Bytes()) != 0
		}
	}
	return in, ad.Err()
}

// DecodeHandle reads the bus and device name of any devlink message; ok is
// false when either is missing (a dump request for every instance).
func DecodeHandle(b []byte) (h Handle, ok bool, err error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return h, false, err
	}
	var bus, dev bool
	for ad.Next() {
		switch ad.Type() {
		case attrBusName:
			h.Bus, bus = ad.String(), true
		case attrDevName:
			h.Device, dev = ad.String(), true
		}
	}
	return h, bus && dev, ad.Err()
}

// --- eswitch ---------------------------------------------------------------

// EncodeESwitch builds an ESWITCH_GET reply, with the optional modes the
// driver reports.
func EncodeESwitch(h Handle, e ESwitch) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	putHandle(ae, h)
	if e.HasMode {
		ae.Uint16(attrESwitchMode, e.Mode.Wire())
	}
	if e.HasInlineMode {
		ae.Uint8(attrESwitchInlineMode, uint8(e.InlineMode))
	}
	if e.HasEncapMode {
		ae.Uint8(attrESwitchEncapMode, uint8(e.EncapMode))
	}
	return ae.Encode()
}

// DecodeESwitch decodes an ESWITCH_GET reply.
func DecodeESwitch(b []byte) (Handle, ESwitch, error) {
	var e ESwitch
	var h Handle
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return h, e, err
	}
	for ad.Next() {
		switch ad.Type() {
		case attrBusName:
			h.Bus = ad.String()
		case attrDevName:
			h.Device = ad.String()
		case attrESwitchMode:
			e.Mode, e.HasMode = modeFromWire(uint16(genl.Uint(ad.Bytes()))), true
		case attrESwitchInlineMode:
			e.InlineMode, e.HasInlineMode = InlineMode(genl.Uint(ad.Bytes())), true
		case attrESwitchEncapMode:
			e.EncapMode, e.HasEncapMode = EncapMode(genl.Uint(ad.Bytes())), true
		}
	}
	return h, e, ad.Err()
}

func encodeESwitchSet(h Handle, c ESwitchConfig) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	putHandle(ae, h)
	if c.Mode != nil {
		ae.Uint16(attrESwitchMode, c.Mode.Wire())
	}
	if c.InlineMode != nil {
		ae.Uint8(attrESwitchInlineMode, uint8(*c.InlineMode))
	}
	if c.EncapMode != nil {
		ae.Uint8(attrESwitchEncapMode, uint8(*c.EncapMode))
	}
	return ae.Encode()
}

// DecodeESwitchRequest decodes an ESWITCH_GET or ESWITCH_SET request.
func DecodeESwitchRequest(b []byte) (ESwitchRequest, error) {
	var r ESwitchRequest
	h, e, err := DecodeESwitch(b)
	r.Handle = h
	if e.HasMode {
		r.Config.Mode = &e.Mode
	}
	if e.HasInlineMode {
		r.Config.InlineMode = &e.InlineMode
	}
	if e.HasEncapMode {
		r.Config.EncapMode = &e.EncapMode
	}
	return r, err
}

// --- params ----------------------------------------------------------------

// EncodeParam builds a PARAM_GET reply for p.
func EncodeParam(p Param) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	putHandle(ae, p.Handle)
	ae.Nested(attrParam, func(ae *netlink.AttributeEncoder) error {
		ae.String(attrParamName, p.Name)
		if p.Generic {
			ae.Flag(attrParamGeneric, true)
		}
		ae.Uint8(attrParamType, uint8(p.Type))
		ae.Nested(attrParamValuesList, func(ae *netlink.AttributeEncoder) error {
			for _, v := range p.Values {
				ae.Nested(attrParamValue, func(ae *netlink.AttributeEncoder) error {
					ae.Uint8(attrParamValueCMode, uint8(v.CMode))
					return putParamData(ae, p.Type, v)
				})
			}
			return nil
		})
		return nil
	})
	return ae.Encode()
}

// putParamData writes DEVLINK_ATTR_PARAM_VALUE_DATA in the width of typ; a
// false flag is the attribute's absence.
func putParamData(ae *netlink.AttributeEncoder, typ ParamType, v ParamValue) error {
	switch typ {
	case ParamTypeU8:
		ae.Uint8(attrParamValueData, uint8(v.Uint))
	case ParamTypeU16:
		ae.Uint16(attrParamValueData, uint16(v.Uint))
	case ParamTypeU32:
		ae.Uint32(attrParamValueData, uint32(v.Uint))
	case ParamTypeU64:
		ae.Uint64(attrParamValueData, v.Uint)
	case ParamTypeString:
		ae.String(attrParamValueData, v.String)
	case ParamTypeBool:
		if v.Bool {
			ae.Flag(attrParamValueData, true)
		}
	default:
		return fmt.Errorf("devlink parameter type %d is not supported", uint8(typ))
	}
	return nil
}

// paramData is a value as received, interpreted once the type is known
// (the kernel sends the type first, but nothing promises it).
type paramData struct {
	cmode   CMode
	data    []byte
	present bool
}

func (d paramData) value(typ ParamType) ParamValue {
	v := ParamValue{CMode: d.cmode}
	switch typ {
	case ParamTypeString:
		v.String = nlenc.String(d.data)
	case ParamTypeBool:
		v.Bool = d.present
	default:
		v.Uint = genl.Uint(d.data)
	}
	return v
}

// DecodeParam decodes a PARAM_GET reply.
func DecodeParam(b []byte) (Param, error) {
	var p Param
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return p, err
	}
	var raw []paramData
	for ad.Next() {
		switch ad.Type() {
		case attrBusName:
			p.Handle.Bus = ad.String()
		case attrDevName:
			p.Handle.Device = ad.String()
		case attrParam:
			ad.Nested(func(ad *netlink.AttributeDecoder) error {
				for ad.Next() {
					switch ad.Type() {
					case attrParamName:
						p.Name = ad.String()
					case attrParamGeneric:
						p.Generic = true
					case attrParamType:
						p.Type = ParamType(genl.Uint(ad.Bytes()))
					case attrParamValuesList:
						ad.Nested(func(ad *netlink.AttributeDecoder) error {
							for ad.Next() {
								if ad.Type() != attrParamValue {
									continue
								}
								ad.Nested(func(ad *netlink.AttributeDecoder) error {
									var d paramData
									for ad.Next() {
										switch ad.Type() {
										case attrParamValueCMode:
											d.cmode = CMode(genl.Uint(ad.Bytes()))
										case attrParamValueData:
											d.data, d.present = ad.Bytes(), true
										}
									}
									raw = append(raw, d)
									return nil
								})
							}
							return nil
						})
					}
				}
				return nil
			})
		}
	}
	if err := ad.Err(); err != nil {
		return p, err
	}
	for _, d := range raw {
		p.Values = append(p.Values, d.value(p.Type))
	}
	return p, nil
}

func encodeParamRequest(h Handle, name string, set bool, typ ParamType, v ParamValue) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	putHandle(ae, h)
	ae.String(attrParamName, name)
	if set {
		ae.Uint8(attrParamType, uint8(typ))
		if err := putParamData(ae, typ, v); err != nil {
			return nil, err
		}
		ae.Uint8(attrParamValueCMode, uint8(v.CMode))
	}
	return ae.Encode()
}

// DecodeParamRequest decodes a PARAM_GET or PARAM_SET request.
func DecodeParamRequest(b []byte) (ParamRequest, error) {
	var r ParamRequest
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return r, err
	}
	var d paramData
	var hasType bool
	for ad.Next() {
		switch ad.Type() {
		case attrBusName:
			r.Handle.Bus = ad.String()
		case attrDevName:
			r.Handle.Device = ad.String()
		case attrParamName:
			r.Name = ad.String()
		case attrParamType:
			r.Type, hasType = ParamType(genl.Uint(ad.Bytes())), true
		case attrParamValueCMode:
			d.cmode = CMode(genl.Uint(ad.Bytes()))
			r.CMode, r.HasCMode = d.cmode, true
		case attrParamValueData:
			d.data, d.present = ad.Bytes(), true
		}
	}
	if hasType {
		r.Value, r.HasValue = d.value(r.Type), true
	}
	return r, ad.Err()
}

// --- reload ----------------------------------------------------------------

func encodeReload(h Handle, a ReloadAction) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	putHandle(ae, h)
	ae.Uint8(attrReloadAction, uint8(a))
	return ae.Encode()
}

// DecodeReloadRequest decodes a RELOAD request.
func DecodeReloadRequest(b []byte) (ReloadRequest, error) {
	var r ReloadRequest
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return r, err
	}
	for ad.Next() {
		switch ad.Type() {
		case attrBusName:
			r.Handle.Bus = ad.String()
		case attrDevName:
			r.Handle.Device = ad.String()
		case attrReloadAction:
			r.Action = ReloadAction(genl.Uint(ad.Bytes()))
		}
	}
	return r, ad.Err()
}

// EncodeReloadReply builds the RELOAD reply: the handle and the
// DEVLINK_ATTR_RELOAD_ACTIONS_PERFORMED bitfield32 (value, selector).
func EncodeReloadReply(h Handle, performed []ReloadAction) ([]byte, error) {
	var v uint32
	for _, a := range performed {
		v |= 1 << a
	}
	bf := make([]byte, 8)
	binary.NativeEndian.PutUint32(bf[0:4], v)
	binary.NativeEndian.PutUint32(bf[4:8], v)
	ae := netlink.NewAttributeEncoder()
	putHandle(ae, h)
	ae.Bytes(attrReloadActionsPerformed, bf)
	return ae.Encode()
}

// DecodeReloadReply returns the actions a RELOAD reply says were performed.
func DecodeReloadReply(b []byte) ([]ReloadAction, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return nil, err
	}
	var out []ReloadAction
	for ad.Next() {
		if ad.Type() != attrReloadActionsPerformed {
			continue
		}
		bf := ad.Bytes()
		if len(bf) < 4 {
			return nil, fmt.Errorf("devlink: reload actions performed: %d bytes, want 8", len(bf))
		}
		v := binary.NativeEndian.Uint32(bf[0:4])
		for a := 1; a < 32; a++ {
			if v&(1<<a) != 0 {
				out = append(out, ReloadAction(a))
			}
		}
	}
	return out, ad.Err()
}

// --- ports -----------------------------------------------------------------

// EncodePort builds a PORT_GET reply (DEVLINK_CMD_PORT_NEW) for p, with the
// attributes its Has flags say the driver reports.
func EncodePort(p Port) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	putHandle(ae, p.Handle)
	ae.Uint32(attrPortIndex, p.Index)
	ae.Uint16(attrPortType, uint16(p.Type))
	if p.NetdevIfindex != 0 {
		ae.Uint32(attrPortNetdevIfindex, p.NetdevIfindex)
	}
	if p.Netdev != "" {
		ae.String(attrPortNetdevName, p.Netdev)
	}
	if p.HasFlavour {
		ae.Uint16(attrPortFlavour, uint16(p.Flavour))
	}
	if p.HasNumber {
		ae.Uint32(attrPortNumber, p.Number)
	}
	if p.HasController {
		ae.Uint32(attrPortControllerNumber, p.Controller)
	}
	if p.HasPF {
		ae.Uint16(attrPortPCIPFNumber, p.PF)
	}
	if p.HasVF {
		ae.Uint16(attrPortPCIVFNumber, p.VF)
	}
	if p.HasSF {
		ae.Uint32(attrPortPCISFNumber, p.SF)
	}
	if p.HasController || p.External {
		ae.Uint8(attrPortExternal, boolU8(p.External))
	}
	if p.HasFlavour && p.Flavour == PortFlavourPhysical {
		ae.Uint8(attrPortSplittable, boolU8(p.Splittable))
	}
	if f := p.Function; f != nil {
		ae.Nested(attrPortFunction, func(ae *netlink.AttributeEncoder) error {
			if f.HWAddr != nil {
				ae.Bytes(attrPortFunctionHWAddr, f.HWAddr)
			}
			if f.HasState {
				ae.Uint8(attrPortFnState, uint8(f.State))
			}
			if f.HasOpState {
				ae.Uint8(attrPortFnOpState, uint8(f.OpState))
			}
			return nil
		})
	}
	return ae.Encode()
}

// DecodePort decodes a PORT_GET reply.
func DecodePort(b []byte) (Port, error) {
	var p Port
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return p, err
	}
	for ad.Next() {
		switch ad.Type() {
		case attrBusName:
			p.Handle.Bus = ad.String()
		case attrDevName:
			p.Handle.Device = ad.String()
		case attrPortIndex:
			p.Index = uint32(genl.Uint(ad.Bytes()))
		case attrPortType:
			p.Type = PortType(genl.Uint(ad.Bytes()))
		case attrPortNetdevIfindex:
			p.NetdevIfindex = uint32(genl.Uint(ad.Bytes()))
		case attrPortNetdevName:
			p.Netdev = ad.String()
		case attrPortFlavour:
			p.Flavour, p.HasFlavour = PortFlavour(genl.Uint(ad.Bytes())), true
		case attrPortNumber:
			p.Number, p.HasNumber = uint32(genl.Uint(ad.Bytes())), true
		case attrPortControllerNumber:
			p.Controller, p.HasController = uint32(genl.Uint(ad.Bytes())), true
		case attrPortPCIPFNumber:
			p.PF, p.HasPF = uint16(genl.Uint(ad.Bytes())), true
		case attrPortPCIVFNumber:
			p.VF, p.HasVF = uint16(genl.Uint(ad.Bytes())), true
		case attrPortPCISFNumber:
			p.SF, p.HasSF = uint32(genl.Uint(ad.Bytes())), true
		case attrPortExternal:
			p.External = genl.Uint(ad.Bytes()) != 0
		case attrPortSplittable:
			p.Splittable = genl.Uint(ad.Bytes()) != 0
		case attrPortFunction:
			f := &PortFunction{}
			ad.Nested(func(ad *netlink.AttributeDecoder) error {
				decodeFunction(ad, f)
				return nil
			})
			p.Function = f
		}
	}
	return p, ad.Err()
}

func decodeFunction(ad *netlink.AttributeDecoder, f *PortFunction) {
	for ad.Next() {
		switch ad.Type() {
		case attrPortFunctionHWAddr:
			f.HWAddr = net.HardwareAddr(ad.Bytes())
		case attrPortFnState:
			f.State, f.HasState = PortFnState(genl.Uint(ad.Bytes())), true
		case attrPortFnOpState:
			f.OpState, f.HasOpState = PortFnOpState(genl.Uint(ad.Bytes())), true
		}
	}
}

func encodePortRequest(h *Handle, index *uint32, fn *PortFunctionConfig) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	if h != nil {
		putHandle(ae, *h)
	}
	if index != nil {
		ae.Uint32(attrPortIndex, *index)
	}
	if fn != nil {
		ae.Nested(attrPortFunction, func(ae *netlink.AttributeEncoder) error {
			if fn.HWAddr != nil {
				ae.Bytes(attrPortFunctionHWAddr, fn.HWAddr)
			}
			if fn.State != nil {
				ae.Uint8(attrPortFnState, uint8(*fn.State))
			}
			return nil
		})
	}
	return ae.Encode()
}

// DecodePortRequest decodes a PORT_GET (dump or single) or PORT_SET request.
func DecodePortRequest(b []byte) (PortRequest, error) {
	var r PortRequest
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return r, err
	}
	for ad.Next() {
		switch ad.Type() {
		case attrBusName:
			r.Handle.Bus = ad.String()
		case attrDevName:
			r.Handle.Device = ad.String()
		case attrPortIndex:
			r.Index, r.HasIndex = uint32(genl.Uint(ad.Bytes())), true
		case attrPortFunction:
			var f PortFunction
			ad.Nested(func(ad *netlink.AttributeDecoder) error {
				decodeFunction(ad, &f)
				return nil
			})
			cfg := &PortFunctionConfig{HWAddr: f.HWAddr}
			if f.HasState {
				s := f.State
				cfg.State = &s
			}
			r.Function = cfg
		}
	}
	return r, ad.Err()
}

// --- helpers ---------------------------------------------------------------

func boolU8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// --- info --------------------------------------------------------------------

// EncodeInfo builds an INFO_GET reply.
func EncodeInfo(in Info) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	putHandle(ae, in.Handle)
	if in.Driver != "" {
		ae.String(attrInfoDriverName, in.Driver)
	}
	if in.Serial != "" {
		ae.String(attrInfoSerialNumber, in.Serial)
	}
	for _, kind := range []struct {
		attr uint16
		vs   []InfoVersion
	}{{attrInfoVersionFixed, in.Fixed}, {attrInfoVersionRunning, in.Running}, {attrInfoVersionStored, in.Stored}} {
		for _, v := range kind.vs {
			ae.Nested(kind.attr, func(ne *netlink.AttributeEncoder) error {
				ne.String(attrInfoVersionName, v.Name)
				ne.String(attrInfoVersionValue, v.Value)
				return nil
			})
		}
	}
	return ae.Encode()
}

// DecodeInfo decodes an INFO_GET reply. Attributes it does not know are
// skipped, so a newer kernel's additions do not break it.
func DecodeInfo(b []byte) (Info, error) {
	var in Info
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return in, err
	}
	for ad.Next() {
		switch t := ad.Type(); t {
		case attrBusName:
			in.Handle.Bus = ad.String()
		case attrDevName:
			in.Handle.Device = ad.String()
		case attrInfoDriverName:
			in.Driver = ad.String()
		case attrInfoSerialNumber:
			in.Serial = ad.String()
		case attrInfoVersionFixed, attrInfoVersionRunning, attrInfoVersionStored:
			var v InfoVersion
			ad.Nested(func(nd *netlink.AttributeDecoder) error {
				for nd.Next() {
					switch nd.Type() {
					case attrInfoVersionName:
						v.Name = nd.String()
					case attrInfoVersionValue:
						v.Value = nd.String()
					}
				}
				return nd.Err()
			})
			switch t {
			case attrInfoVersionFixed:
				in.Fixed = append(in.Fixed, v)
			case attrInfoVersionRunning:
				in.Running = append(in.Running, v)
			default:
				in.Stored = append(in.Stored, v)
			}
		}
	}
	return in, ad.Err()
}
