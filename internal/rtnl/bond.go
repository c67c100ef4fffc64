package rtnl

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// NewBond creates bonding master name in mode (the kernel's BOND_MODE_*
// number: 0 balance-rr ... 4 802.3ad), as `ip link add name <name> type
// bond mode <mode>` does: one RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL, so
// an existing link of that name is EEXIST (errs.ErrExists) and is never
// changed. The mode travels in the creating message, so it is set while
// the new bond is down (the kernel creates links down, and the bonding
// driver takes a mode only on a bond that is down). Needs CAP_NET_ADMIN.
func (c *Client) NewBond(ctx context.Context, name string, mode uint8) error {
	data, err := EncodeNewBond(name, mode)
	if err != nil {
		return err
	}
	req := netlink.Message{
		Header: netlink.Header{Type: rtmNewLink, Flags: netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Excl},
		Data:   data,
	}
	_, err = c.execute(ctx, "rtnetlink create bond", name, req)
	return err
}

// SetBondMode changes the mode of the bond with index ifindex (name is only
// for errors), as `ip link set dev <bond> type bond mode <mode>` does: an
// RTM_NEWLINK without NLM_F_CREATE carrying IFLA_LINKINFO { kind "bond",
// IFLA_BOND_MODE }, which the kernel hands to the bonding driver's
// changelink. The driver applies it as it applies a write of bonding/mode:
// ENOTEMPTY (errs.ErrBusy) while the bond has slaves, EBUSY (errs.ErrBusy)
// while it is up. Needs CAP_NET_ADMIN.
func (c *Client) SetBondMode(ctx context.Context, ifindex int, name string, mode uint8) error {
	if ifindex <= 0 {
		return errs.Invalid("interface index", fmt.Sprint(ifindex), "want a positive ifindex")
	}
	data, err := encodeBond(ifindex, "", mode)
	if err != nil {
		return err
	}
	req := netlink.Message{
		Header: netlink.Header{Type: rtmNewLink, Flags: netlink.Request | netlink.Acknowledge},
		Data:   data,
	}
	_, err = c.execute(ctx, "rtnetlink set bond mode", name, req)
	return err
}

// DeleteLink deletes the link with index ifindex (RTM_DELLINK), as `ip
// link del` does; name is only for errors. Deleting by index, not by name,
// means a link renamed or replaced since the caller looked it up is never
// the one deleted. Needs CAP_NET_ADMIN.
func (c *Client) DeleteLink(ctx context.Context, ifindex int, name string) error {
	if ifindex <= 0 {
		return errs.Invalid("interface index", fmt.Sprint(ifindex), "want a positive ifindex")
	}
	req := netlink.Message{
		Header: netlink.Header{Type: rtmDelLink, Flags: netlink.Request | netlink.Acknowledge},
		Data:   EncodeDelLink(ifindex),
	}
	_, err := c.execute(ctx, "rtnetlink delete link", name, req)
	return err
}

// EncodeNewBond builds the body of the RTM_NEWLINK NewBond sends: an empty
// ifinfomsg, IFLA_IFNAME, and IFLA_LINKINFO { IFLA_INFO_KIND "bond",
// IFLA_INFO_DATA { IFLA_BOND_MODE u8 } }.
func EncodeNewBond(name string, mode uint8) ([]byte, error) { return encodeBond(0, name, mode) }

// encodeBond lays out an RTM_NEWLINK for a bond: ifindex in the ifinfomsg
// (0 to create), IFLA_IFNAME when name is set (never beside an index: on
// an existing link a name is a rename), and the kind and mode.
func encodeBond(ifindex int, name string, mode uint8) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	if name != "" {
		ae.String(iflaIfname, name)
	}
	ae.Nested(iflaLinkInfo, func(ae *netlink.AttributeEncoder) error {
		ae.String(iflaInfoKind, "bond")
		ae.Nested(iflaInfoData, func(ae *netlink.AttributeEncoder) error {
			ae.Uint8(iflaBondMode, mode)
			return nil
		})
		return nil
	})
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	hdr := make([]byte, ifinfomsgLen)
	binary.NativeEndian.PutUint32(hdr[4:8], uint32(int32(ifindex)))
	return append(hdr, attrs...), nil
}

// NewLinkRequest is what an RTM_NEWLINK asks for, as DecodeNewLink reads
// it: a link to create (Index 0, Name set) or a change of the link with
// ifindex Index. Fakes of the kernel use it.
type NewLinkRequest struct {
	Index int
	Name  string
	// Kind is IFLA_INFO_KIND ("bond").
	Kind string
	// BondMode is IFLA_BOND_MODE, nil when the request carries none (the
	// kernel then uses balance-rr, mode 0).
	BondMode *uint8
}

// DecodeNewLink decodes the body NewBond or SetBondMode sends. Fakes of
// the kernel use it.
func DecodeNewLink(b []byte) (NewLinkRequest, error) {
	var r NewLinkRequest
	if len(b) < ifinfomsgLen {
		return r, unix.EINVAL
	}
	r.Index = int(int32(binary.NativeEndian.Uint32(b[4:8])))
	ad, err := netlink.NewAttributeDecoder(b[ifinfomsgLen:])
	if err != nil {
		return r, err
	}
	for ad.Next() {
		switch ad.Type() {
		case iflaIfname:
			r.Name = ad.String()
		case iflaLinkInfo:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					switch nad.Type() {
					case iflaInfoKind:
						r.Kind = nad.String()
					case iflaInfoData:
						nad.Nested(func(dad *netlink.AttributeDecoder) error {
							for dad.Next() {
								if dad.Type() == iflaBondMode {
									m := dad.Uint8()
									r.BondMode = &m
								}
							}
							return nil
						})
					}
				}
				return nil
			})
		}
	}
	return r, ad.Err()
}

// EncodeDelLink builds the body of the RTM_DELLINK DeleteLink sends: a
// bare ifinfomsg naming ifindex.
func EncodeDelLink(ifindex int) []byte {
	b := make([]byte, ifinfomsgLen)
	binary.NativeEndian.PutUint32(b[4:8], uint32(int32(ifindex)))
	return b
}

// DecodeDelLink returns the ifindex of an RTM_DELLINK body. Fakes of the
// kernel use it.
func DecodeDelLink(b []byte) (int, error) {
	if len(b) < ifinfomsgLen {
		return 0, unix.EINVAL
	}
	return int(int32(binary.NativeEndian.Uint32(b[4:8]))), nil
}
