package rtnl

import (
	"encoding/binary"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nlenc"
	"golang.org/x/sys/unix"
)

// EncodeLink builds the body of an RTM_NEWLINK message for l, as the kernel
// lays it out (the VF attributes this package decodes). Fakes of the kernel
// use it; it is also the other half of the decoder's round-trip test.
func EncodeLink(l Link) ([]byte, error) {
	hdr := make([]byte, ifinfomsgLen)
	binary.NativeEndian.PutUint32(hdr[4:8], uint32(int32(l.Index)))
	binary.NativeEndian.PutUint32(hdr[8:12], l.Flags)
	ae := netlink.NewAttributeEncoder()
	ae.String(iflaIfname, l.Name)
	if l.NumVF > 0 || len(l.VFs) > 0 {
		ae.Uint32(iflaNumVF, uint32(l.NumVF))
		ae.Nested(iflaVFInfoList, func(ae *netlink.AttributeEncoder) error {
			for _, v := range l.VFs {
				vf := uint32(v.VF)
				ae.Nested(iflaVFInfo, func(ae *netlink.AttributeEncoder) error {
					mac := make([]byte, 36)
					nlenc.PutUint32(mac[0:4], vf)
					copy(mac[4:], v.MAC)
					ae.Bytes(iflaVFMAC, mac)
					vlan := make([]byte, 12)
					nlenc.PutUint32(vlan[0:4], vf)
					nlenc.PutUint32(vlan[4:8], uint32(v.VLAN))
					nlenc.PutUint32(vlan[8:12], uint32(v.QoS))
					ae.Bytes(iflaVFVLAN, vlan)
					ae.Bytes(iflaVFSpoofchk, setting(vf, v.SpoofChk))
					ae.Bytes(iflaVFTrust, setting(vf, v.Trust))
					ls := make([]byte, 8)
					nlenc.PutUint32(ls[0:4], vf)
					nlenc.PutUint32(ls[4:8], uint32(v.LinkState))
					ae.Bytes(iflaVFLinkState, ls)
					return nil
				})
			}
			return nil
		})
	}
	attrs, err := ae.Encode()
	if err != nil {
		return nil, err
	}
	return append(hdr, attrs...), nil
}

func setting(vf uint32, b *bool) []byte {
	out := make([]byte, 8)
	nlenc.PutUint32(out[0:4], vf)
	switch {
	case b == nil:
		nlenc.PutUint32(out[4:8], ^uint32(0))
	case *b:
		nlenc.PutUint32(out[4:8], 1)
	}
	return out
}

// DecodeSetVF decodes the body EncodeSetVF builds: the target ifindex and
// the VF changes. Fakes of the kernel use it.
func DecodeSetVF(b []byte) (ifindex int, cfgs []VFConfig, err error) {
	if len(b) < ifinfomsgLen {
		return 0, nil, unix.EINVAL
	}
	ifindex = int(int32(binary.NativeEndian.Uint32(b[4:8])))
	ad, err := netlink.NewAttributeDecoder(b[ifinfomsgLen:])
	if err != nil {
		return 0, nil, err
	}
	for ad.Next() {
		if ad.Type() != iflaVFInfoList {
			continue
		}
		ad.Nested(func(nad *netlink.AttributeDecoder) error {
			for nad.Next() {
				if nad.Type() != iflaVFInfo {
					continue
				}
				cfg := VFConfig{VF: -1}
				nad.Nested(func(vad *netlink.AttributeDecoder) error {
					for vad.Next() {
						d := vad.Bytes()
						if len(d) < 8 {
							return unix.EINVAL
						}
						cfg.VF = int(nlenc.Uint32(d[0:4]))
						switch vad.Type() {
						case iflaVFMAC:
							if len(d) >= 10 {
								cfg.MAC = append([]byte(nil), d[4:10]...)
							}
						case iflaVFVLAN:
							if len(d) >= 12 {
								v := int(nlenc.Uint32(d[4:8]))
								cfg.VLAN, cfg.QoS = &v, int(nlenc.Uint32(d[8:12]))
							}
						case iflaVFSpoofchk:
							cfg.SpoofChk = optBool(nlenc.Uint32(d[4:8]))
						case iflaVFTrust:
							cfg.Trust = optBool(nlenc.Uint32(d[4:8]))
						case iflaVFLinkState:
							s := LinkState(nlenc.Uint32(d[4:8]))
							cfg.LinkState = &s
						}
					}
					return nil
				})
				cfgs = append(cfgs, cfg)
			}
			return nil
		})
	}
	return ifindex, cfgs, ad.Err()
}

// DecodeSetFlags decodes the ifinfomsg of an RTM_SETLINK body: the target
// ifindex, ifi_flags and ifi_change (the flags the request changes; 0 when
// it changes none, as in EncodeSetVF's requests). Fakes of the kernel use it.
func DecodeSetFlags(b []byte) (ifindex int, flags, change uint32, err error) {
	if len(b) < ifinfomsgLen {
		return 0, 0, 0, unix.EINVAL
	}
	return int(int32(binary.NativeEndian.Uint32(b[4:8]))), binary.NativeEndian.Uint32(b[8:12]), binary.NativeEndian.Uint32(b[12:16]), nil
}

// DecodeGetLink decodes the body of an RTM_GETLINK request as Client.Link
// sends it and returns the interface name asked for. Fakes of the kernel
// use it.
func DecodeGetLink(b []byte) (name string, err error) {
	if len(b) < ifinfomsgLen {
		return "", unix.EINVAL
	}
	ad, err := netlink.NewAttributeDecoder(b[ifinfomsgLen:])
	if err != nil {
		return "", err
	}
	for ad.Next() {
		if ad.Type() == iflaIfname {
			name = ad.String()
		}
	}
	return name, ad.Err()
}
