package rtnl

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync"

	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/genl"
	"github.com/offloadkit/offloadkit/internal/nlerr"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// rtextFilterVF asks RTM_GETLINK for IFLA_VFINFO_LIST (RTEXT_FILTER_VF).
const rtextFilterVF = 1

// ifinfomsgLen is sizeof(struct ifinfomsg).
const ifinfomsgLen = 16

// LinkState is a VF's administrative link state.
type LinkState uint32

// VF link states (IFLA_VF_LINK_STATE_*).
const (
	LinkStateAuto    LinkState = 0
	LinkStateEnable  LinkState = 1
	LinkStateDisable LinkState = 2
)

// String returns the state as ip-link prints it.
func (s LinkState) String() string {
	switch s {
	case LinkStateAuto:
		return "auto"
	case LinkStateEnable:
		return "enable"
	case LinkStateDisable:
		return "disable"
	}
	return fmt.Sprintf("linkstate(%d)", uint32(s))
}

// VFInfo is what a PF reports about one of its VFs. SpoofChk and Trust are
// nil when the driver does not report them (the kernel sends -1).
type VFInfo struct {
	VF        int
	MAC       net.HardwareAddr
	VLAN      int
	QoS       int
	SpoofChk  *bool
	Trust     *bool
	LinkState LinkState
}

// Link is the part of an RTM_NEWLINK message offloadkit uses.
type Link struct {
	Index int
	Name  string
	// Flags is the ifinfomsg's ifi_flags (IFF_*); Up reads FlagUp of it.
	Flags uint32
	// Master is the ifindex of the link's master (IFLA_MASTER: the bond
	// a slave is enslaved to), 0 when it has none.
	Master int
	// Kind is the link's rtnl_link_ops kind (IFLA_LINKINFO/IFLA_INFO_KIND:
	// "bond", "veth", "dummy"), "" for a link without one (a physical
	// netdev such as a PF uplink).
	Kind  string
	NumVF int
	VFs   []VFInfo
}

// Up reports whether the link is administratively up (IFF_UP), what
// `ip link set <dev> up` sets; it says nothing about carrier.
func (l Link) Up() bool { return l.Flags&iffUp != 0 }

// VFConfig changes a VF's settings on its PF; nil fields stay as they are.
type VFConfig struct {
	VF        int
	MAC       net.HardwareAddr
	VLAN      *int // with QoS; 0 removes the VLAN
	QoS       int
	SpoofChk  *bool
	Trust     *bool
	LinkState *LinkState
}

// Client sends rtnetlink requests over one netlink.Conn; it is safe for
// concurrent use. Requests are serialised on mu, not only inside
// netlink.Conn, because each one sets the socket deadline from its own
// context: unserialised, one request's cleanup would clear another's
// deadline while it waits.
type Client struct {
	mu sync.Mutex
	c  *netlink.Conn
}

// New wraps an existing connection (nltest fakes use it).
func New(c *netlink.Conn) *Client { return &Client{c: c} }

// Close closes the socket.
func (c *Client) Close() error { return c.c.Close() }

func (c *Client) execute(ctx context.Context, op, dev string, m netlink.Message) ([]netlink.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, nlerr.Netlink(ctx, op, dev, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer genl.BindContext(ctx, c.c)()
	msgs, err := c.c.Execute(m)
	if err != nil {
		return nil, nlerr.Netlink(ctx, op, dev, err)
	}
	return msgs, nil
}

// Link reads link name with its VF list.
func (c *Client) Link(ctx context.Context, name string) (Link, error) {
	ae := netlink.NewAttributeEncoder()
	ae.String(iflaIfname, name)
	ae.Uint32(iflaExtMask, rtextFilterVF)
	attrs, err := ae.Encode()
	if err != nil {
		return Link{}, err
	}
	req := netlink.Message{
		Header: netlink.Header{Type: rtmGetLink, Flags: netlink.Request},
		Data:   append(make([]byte, ifinfomsgLen), attrs...),
	}
	msgs, err := c.execute(ctx, "rtnetlink get link", name, req)
	if err != nil {
		return Link{}, err
	}
	for _, m := range msgs {
		if m.Header.Type == rtmNewLink {
			l, err := DecodeLink(m.Data)
			if err != nil {
				return Link{}, &errs.Error{Op: "decode RTM_NEWLINK", Device: name, Err: err}
			}
			return l, nil
		}
	}
	return Link{}, &errs.Error{Op: "rtnetlink get link", Device: name, Err: fmt.Errorf("%w: no RTM_NEWLINK in the reply", errs.ErrNotFound)}
}

// SetVF applies cfg to a VF of the PF link with index ifindex.
func (c *Client) SetVF(ctx context.Context, ifindex int, name string, cfg VFConfig) error {
	data, err := EncodeSetVF(ifindex, cfg)
	if err != nil {
		return err
	}
	req := netlink.Message{
		Header: netlink.Header{Type: rtmSetLink, Flags: netlink.Request | netlink.Acknowledge},
		Data:   data,
	}
	_, err = c.execute(ctx, fmt.Sprintf("rtnetlink set vf %d", cfg.VF), name, req)
	return err
}

// SetUp sets or clears the administrative up flag (IFF_UP) of the link
// with index ifindex, as `ip link set <dev> up|down` does; name is only for
// errors. Only IFF_UP changes: ifi_change masks every other flag.
func (c *Client) SetUp(ctx context.Context, ifindex int, name string, up bool) error {
	if ifindex <= 0 {
		return errs.Invalid("interface index", fmt.Sprint(ifindex), "want a positive ifindex")
	}
	req := netlink.Message{
		Header: netlink.Header{Type: rtmSetLink, Flags: netlink.Request | netlink.Acknowledge},
		Data:   EncodeSetUp(ifindex, up),
	}
	op := "rtnetlink set link down"
	if up {
		op = "rtnetlink set link up"
	}
	_, err := c.execute(ctx, op, name, req)
	return err
}

// EncodeSetUp builds the body of the RTM_SETLINK SetUp sends: a bare
// ifinfomsg for ifindex with ifi_change = IFF_UP and ifi_flags = IFF_UP or
// 0. No IFLA_IFNAME: on RTM_SETLINK a name next to an index is a rename.
func EncodeSetUp(ifindex int, up bool) []byte {
	b := make([]byte, ifinfomsgLen)
	binary.NativeEndian.PutUint32(b[4:8], uint32(int32(ifindex)))
	if up {
		binary.NativeEndian.PutUint32(b[8:12], iffUp)
	}
	binary.NativeEndian.PutUint32(b[12:16], iffUp)
	return b
}

// EncodeSetVF builds the body of an RTM_SETLINK that applies cfg: an
// ifinfomsg for ifindex and IFLA_VFINFO_LIST { IFLA_VF_INFO { ... } }.
func EncodeSetVF(ifindex int, cfg VFConfig) ([]byte, error) {
	if cfg.VF < 0 {
		return nil, errs.Invalid("VF number", fmt.Sprint(cfg.VF), "negative")
	}
	vf := uint32(cfg.VF)
	hdr := make([]byte, ifinfomsgLen)
	binary.NativeEndian.PutUint32(hdr[4:8], uint32(int32(ifindex)))
	ae := netlink.NewAttributeEncoder()
	ae.Nested(iflaVFInfoList, func(ae *netlink.AttributeEncoder) error {
		ae.Nested(iflaVFInfo, func(ae *netlink.AttributeEncoder) error {
			if cfg.MAC != nil {
				ae.Bytes(iflaVFMAC, vfMAC(vf, cfg.MAC))
			}
			if cfg.VLAN != nil {
				ae.Bytes(iflaVFVLAN, vfVLAN(vf, *cfg.VLAN, cfg.QoS))
			}
			if cfg.SpoofChk != nil {
				ae.Bytes(iflaVFSpoofchk, vfValue(vf, setting(cfg.SpoofChk)))
			}
			if cfg.Trust != nil {
				ae.Bytes(iflaVFTrust, vfValue(vf, setting(cfg.Trust)))
			}
			if cfg.LinkState != nil {
				ae.Bytes(iflaVFLinkState, vfValue(vf, uint32(*cfg.LinkState)))
			}
			return nil
		})
		return nil
	})
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return append(hdr, attrs...), nil
}

// DecodeLink decodes the body of an RTM_NEWLINK message. Attributes it does
// not use are skipped; short or malformed ones are errors, never panics.
func DecodeLink(b []byte) (Link, error) {
	if len(b) < ifinfomsgLen {
		return Link{}, fmt.Errorf("%w: ifinfomsg of %d bytes", errs.ErrInvalidArgument, len(b))
	}
	l := Link{Index: int(int32(binary.NativeEndian.Uint32(b[4:8]))), Flags: binary.NativeEndian.Uint32(b[8:12])}
	ad, err := netlink.NewAttributeDecoder(b[ifinfomsgLen:])
	if err != nil {
		return Link{}, err
	}
	for ad.Next() {
		switch ad.Type() {
		case iflaIfname:
			l.Name = ad.String()
		case iflaNumVF:
			l.NumVF = int(ad.Uint32())
		case iflaMaster:
			l.Master = int(ad.Uint32())
		case iflaLinkInfo:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					if nad.Type() == iflaInfoKind {
						l.Kind = nad.String()
					}
				}
				return nil
			})
		case iflaVFInfoList:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					if nad.Type() != iflaVFInfo {
						continue
					}
					var vi VFInfo
					var derr error
					nad.Nested(func(vad *netlink.AttributeDecoder) error {
						vi, derr = decodeVFInfo(vad)
						return derr
					})
					if derr == nil {
						l.VFs = append(l.VFs, vi)
					}
				}
				return nil
			})
		}
	}
	if err := ad.Err(); err != nil {
		return Link{}, err
	}
	return l, nil
}

func decodeVFInfo(ad *netlink.AttributeDecoder) (VFInfo, error) {
	vi := VFInfo{VF: -1}
	short := func(what string, n, want int) error {
		return fmt.Errorf("%w: %s of %d bytes, want %d", errs.ErrInvalidArgument, what, n, want)
	}
	for ad.Next() {
		data := ad.Bytes()
		switch ad.Type() {
		case iflaVFMAC:
			if len(data) < 4+6 {
				return vi, short("IFLA_VF_MAC", len(data), 36)
			}
			vi.VF = int(binary.NativeEndian.Uint32(data[0:4]))
			vi.MAC = net.HardwareAddr(append([]byte(nil), data[4:10]...))
		case iflaVFVLAN:
			if len(data) < 12 {
				return vi, short("IFLA_VF_VLAN", len(data), 12)
			}
			vi.VLAN = int(binary.NativeEndian.Uint32(data[4:8]))
			vi.QoS = int(binary.NativeEndian.Uint32(data[8:12]))
		case iflaVFSpoofchk:
			if len(data) < 8 {
				return vi, short("IFLA_VF_SPOOFCHK", len(data), 8)
			}
			vi.SpoofChk = optBool(binary.NativeEndian.Uint32(data[4:8]))
		case iflaVFTrust:
			if len(data) < 8 {
				return vi, short("IFLA_VF_TRUST", len(data), 8)
			}
			vi.Trust = optBool(binary.NativeEndian.Uint32(data[4:8]))
		case iflaVFLinkState:
			if len(data) < 8 {
				return vi, short("IFLA_VF_LINK_STATE", len(data), 8)
			}
			vi.LinkState = LinkState(binary.NativeEndian.Uint32(data[4:8]))
		}
	}
	return vi, ad.Err()
}

// optBool maps the kernel's u32 setting, where (u32)-1 means "not
// reported by the driver", to a *bool.
func optBool(v uint32) *bool {
	if v == ^uint32(0) {
		return nil
	}
	b := v != 0
	return &b
}
