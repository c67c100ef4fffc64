package rtnl

import (
	"encoding/binary"
	"net"

	"github.com/mdlayher/netlink"
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
	if l.Master != 0 {
		ae.Uint32(iflaMaster, uint32(l.Master))
	}
	if l.Kind != "" {
		ae.Nested(iflaLinkInfo, func(ae *netlink.AttributeEncoder) error {
			ae.String(iflaInfoKind, l.Kind)
			return nil
		})
	}
	if l.NumVF > 0 || len(l.VFs) > 0 {
		ae.Uint32(iflaNumVF, uint32(l.NumVF))
		ae.Nested(iflaVFInfoList, func(ae *netlink.AttributeEncoder) error {
			for _, v := range l.VFs {
				vf := uint32(v.VF)
				ae.Nested(iflaVFInfo, func(ae *netlink.AttributeEncoder) error {
					ae.Bytes(iflaVFMAC, vfMAC(vf, v.MAC))
					ae.Bytes(iflaVFVLAN, vfVLAN(vf, v.VLAN, v.QoS))
					ae.Bytes(iflaVFSpoofchk, vfValue(vf, setting(v.SpoofChk)))
					ae.Bytes(iflaVFTrust, vfValue(vf, setting(v.Trust)))
					ae.Bytes(iflaVFLinkState, vfValue(vf, uint32(v.LinkState)))
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

// setting is the kernel's u32 for an on/off VF setting, (u32)-1 for one
// the driver does not report (nil); optBool is its inverse.
func setting(b *bool) uint32 {
	switch {
	case b == nil:
		return ^uint32(0)
	case *b:
		return 1
	}
	return 0
}

// vfValue lays out the kernel's structs of a VF number and one u32 value
// (ifla_vf_spoofchk, ifla_vf_trust, ifla_vf_link_state).
func vfValue(vf, v uint32) []byte {
	b := make([]byte, 8)
	binary.NativeEndian.PutUint32(b[0:4], vf)
	binary.NativeEndian.PutUint32(b[4:8], v)
	return b
}

// vfMAC lays out struct ifla_vf_mac: the VF number and a 32-byte address
// field of which Ethernet uses the first 6.
func vfMAC(vf uint32, mac net.HardwareAddr) []byte {
	b := make([]byte, 4+32)
	binary.NativeEndian.PutUint32(b[0:4], vf)
	copy(b[4:], mac)
	return b
}

// vfVLAN lays out struct ifla_vf_vlan: VF number, VLAN ID and QoS.
func vfVLAN(vf uint32, vlan, qos int) []byte {
	b := make([]byte, 12)
	binary.NativeEndian.PutUint32(b[0:4], vf)
	binary.NativeEndian.PutUint32(b[4:8], uint32(vlan))
	binary.NativeEndian.PutUint32(b[8:12], uint32(qos))
	return b
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
						cfg.VF = int(binary.NativeEndian.Uint32(d[0:4]))
						switch vad.Type() {
						case iflaVFMAC:
							if len(d) >= 10 {
								cfg.MAC = append([]byte(nil), d[4:10]...)
							}
						case iflaVFVLAN:
							if len(d) >= 12 {
								v := int(binary.NativeEndian.Uint32(d[4:8]))
								cfg.VLAN, cfg.QoS = &v, int(binary.NativeEndian.Uint32(d[8:12]))
							}
						case iflaVFSpoofchk:
							cfg.SpoofChk = optBool(binary.NativeEndian.Uint32(d[4:8]))
						case iflaVFTrust:
							cfg.Trust = optBool(binary.NativeEndian.Uint32(d[4:8]))
						case iflaVFLinkState:
							s := LinkState(binary.NativeEndian.Uint32(d[4:8]))
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
