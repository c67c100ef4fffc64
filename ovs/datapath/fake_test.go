package datapath_test

import (
	"encoding/binary"
	"errors"
	"iter"
	"syscall"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"

	"github.com/offloadkit/offloadkit/ovs/datapath"
)

// The generic netlink controller's numbers (linux/genetlink.h), spelled
// out so the tests build on every OS.
const (
	genlIDCtrl         = 0x10 // GENL_ID_CTRL
	ctrlCmdNewFamily   = 1    // CTRL_CMD_NEWFAMILY
	ctrlAttrFamilyID   = 1    // CTRL_ATTR_FAMILY_ID
	ctrlAttrFamilyName = 2    // CTRL_ATTR_FAMILY_NAME
	ctrlAttrFamilyVers = 3    // CTRL_ATTR_VERSION
)

// Family ids the fake kernel hands out (real kernels assign them at module
// load; any value above GENL_ID_CTRL works).
const (
	famDP    = 0x20
	famVport = 0x21
	famFlow  = 0x22
)

// fakeKernel answers like the openvswitch module: families resolved through
// the generic netlink controller, dumps as multi-part replies of the
// payloads it holds (recorded from a real kernel, or built by the tests),
// ENODEV for an unknown datapath ifindex.
type fakeKernel struct {
	noOVS bool // the module is not loaded: the families do not exist
	dps   [][]byte
	// vports and flows by datapath ifindex.
	vports, flows map[int][][]byte
	// interrupt marks the next n flow dumps NLM_F_DUMP_INTR (on their
	// last message, as nl_dump_check_consistent would).
	interrupt int
	dumps     int    // flow dumps answered
	lastFlow  []byte // attributes of the last flow dump request
}

// client is a Client reading k's replies from a socket (conn).
func (k *fakeKernel) client(tb testing.TB) (*datapath.Client, error) { return datapath.New(k.conn(tb)) }

// nltestClient is a Client on an nltest connection, which has no socket:
// its dumps go through the netlink package's receive.
func (k *fakeKernel) nltestClient(testing.TB) (*datapath.Client, error) {
	return datapath.New(nltest.Dial(k.serve))
}

func (k *fakeKernel) serve(reqs []netlink.Message) ([]netlink.Message, error) {
	if len(reqs) == 0 {
		return nil, errors.New("fake kernel: no request")
	}
	req := reqs[0]
	if len(req.Data) < 4 {
		return nil, syscall.EINVAL
	}
	cmd := req.Data[0]
	if req.Header.Type == genlIDCtrl {
		return k.family(req)
	}
	if len(req.Data) < 8 {
		return nil, syscall.EINVAL
	}
	dp := int(int32(binary.NativeEndian.Uint32(req.Data[4:])))
	if cmd != 3 || req.Header.Flags&netlink.Dump == 0 {
		return nil, syscall.EOPNOTSUPP
	}
	var payloads [][]byte
	switch req.Header.Type {
	case famDP:
		payloads = k.dps
	case famVport, famFlow:
		src := k.vports
		if req.Header.Type == famFlow {
			src = k.flows
			k.dumps++
			k.lastFlow = append([]byte(nil), req.Data[8:]...)
		}
		p, ok := src[dp]
		if !ok {
			return nil, syscall.ENODEV
		}
		payloads = p
	default:
		return nil, syscall.ENOENT
	}
	msgs := make([]netlink.Message, 0, len(payloads)+1)
	for _, p := range payloads {
		msgs = append(msgs, netlink.Message{
			Header: netlink.Header{Type: req.Header.Type, Flags: netlink.Multi, Sequence: req.Header.Sequence, PID: nltest.PID},
			Data:   p,
		})
	}
	if req.Header.Type == famFlow && k.interrupt > 0 && len(msgs) > 0 {
		k.interrupt--
		msgs[len(msgs)-1].Header.Flags |= netlink.DumpInterrupted
	}
	msgs = append(msgs, netlink.Message{
		Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi, Sequence: req.Header.Sequence, PID: nltest.PID},
		Data:   make([]byte, 4),
	})
	return msgs, nil
}

// family answers CTRL_CMD_GETFAMILY for the three OVS families.
func (k *fakeKernel) family(req netlink.Message) ([]netlink.Message, error) {
	ad, err := netlink.NewAttributeDecoder(req.Data[4:])
	if err != nil {
		return nil, err
	}
	var name string
	for ad.Next() {
		if ad.Type() == ctrlAttrFamilyName {
			name = ad.String()
		}
	}
	ids := map[string]uint16{"ovs_datapath": famDP, "ovs_vport": famVport, "ovs_flow": famFlow}
	vers := map[string]uint32{"ovs_datapath": 2, "ovs_vport": 1, "ovs_flow": 1}
	id, ok := ids[name]
	if !ok || k.noOVS {
		return nil, syscall.ENOENT
	}
	ae := netlink.NewAttributeEncoder()
	ae.Uint16(ctrlAttrFamilyID, id)
	ae.String(ctrlAttrFamilyName, name)
	ae.Uint32(ctrlAttrFamilyVers, vers[name])
	b, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return []netlink.Message{{
		Header: netlink.Header{Type: genlIDCtrl, Sequence: req.Header.Sequence, PID: nltest.PID},
		Data:   append([]byte{ctrlCmdNewFamily, 2, 0, 0}, b...),
	}}, nil
}

// genl prefixes an OVS payload (ovs_header + attributes) with a generic
// netlink header for command cmd.
func genl(cmd uint8, payload []byte) []byte {
	return append([]byte{cmd, 1, 0, 0}, payload...)
}

// msg builds an OVS payload: struct ovs_header then attributes.
func msg(dp int, attrs ...netlink.Attribute) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, uint32(int32(dp)))
	if len(attrs) > 0 {
		ab, err := netlink.MarshalAttributes(attrs)
		if err != nil {
			panic(err)
		}
		b = append(b, ab...)
	}
	return b
}

func nest(t uint16, attrs ...netlink.Attribute) netlink.Attribute {
	b, err := netlink.MarshalAttributes(attrs)
	if err != nil {
		panic(err)
	}
	return netlink.Attribute{Type: t | netlink.Nested, Data: b}
}

func a(t uint16, data []byte) netlink.Attribute { return netlink.Attribute{Type: t, Data: data} }

func u32(v uint32) []byte  { return binary.NativeEndian.AppendUint32(nil, v) }
func u16(v uint16) []byte  { return binary.NativeEndian.AppendUint16(nil, v) }
func u64(v uint64) []byte  { return binary.NativeEndian.AppendUint64(nil, v) }
func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

func collectSeq[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
