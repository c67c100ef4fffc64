package dpflow

import (
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// DumpType is the type= filter a dump was taken with
// (`ovs-appctl dpctl/dump-flows type=offloaded`): the set of flow kinds
// it can hold. The zero value means not known (a file of unknown origin)
// and says nothing; TypeAll is a dump taken without a filter.
//
// A dump without -m prints neither offloaded: nor dp:, so its lines
// alone cannot say where a flow runs; the filter can (Placement).
type DumpType uint8

// The type= values of dpctl/dump-flows (lib/dpctl.c, OVS 2.13 and
// later). Their meaning there: ovs, tc and dpdk select by the flow's
// datapath layer; offloaded selects flows in hardware whose layer is not
// ovs (TC flows in hardware, DPDK full offload); partially-offloaded the
// offloaded flows of layer ovs (DPDK partial offload); non-offloaded the
// flows not in hardware.
const (
	TypeOVS DumpType = 1 << iota
	TypeTC
	TypeDPDK
	TypeOffloaded
	TypeNonOffloaded
	TypePartiallyOffloaded
	// TypeAll is every kind: type=all, or no type= at all.
	TypeAll DumpType = 1<<iota - 1
)

// dumpTypeNames are the OVS spellings in bit order.
func dumpTypeNames() [6]string {
	return [6]string{"ovs", "tc", "dpdk", "offloaded", "non-offloaded", "partially-offloaded"}
}

// ParseDumpType parses a type= value as dpctl/dump-flows does: a comma
// separated list of ovs, tc, dpdk, offloaded, non-offloaded,
// partially-offloaded and all. The empty string is TypeAll, as OVS
// dumps everything without a filter. An unknown name is
// errs.ErrInvalidArgument (OVS refuses it too).
func ParseDumpType(s string) (DumpType, error) {
	if s == "" {
		return TypeAll, nil
	}
	var t DumpType
	for _, name := range strings.Split(s, ",") {
		if name == "all" {
			t |= TypeAll
			continue
		}
		bit := DumpType(0)
		for i, n := range dumpTypeNames() {
			if n == name {
				bit = 1 << i
			}
		}
		if bit == 0 {
			return 0, errs.Invalid("dump type", s, "want offloaded, non-offloaded, partially-offloaded, ovs, tc, dpdk or all, comma separated")
		}
		t |= bit
	}
	return t, nil
}

// String returns the type= value ("offloaded", "ovs,tc", "all"), or ""
// for the zero DumpType (not known).
func (t DumpType) String() string {
	if t&TypeAll == TypeAll {
		return "all"
	}
	var b strings.Builder
	for i, n := range dumpTypeNames() {
		if t&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(n)
		}
	}
	return b.String()
}

// MarshalText returns String, so a type reads well in JSON.
func (t DumpType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Known reports whether t says anything (is not the zero value).
func (t DumpType) Known() bool { return t != 0 }

// Placement returns where every flow of a dump of this type runs, when
// the filter alone decides it, or PlacementUnknown:
//
//   - offloaded: PlacementHardware (in hardware; TC or DPDK full offload);
//   - partially-offloaded: PlacementDPDKPartial;
//   - dpdk: PlacementDPDKFull;
//   - ovs: PlacementOVS (on the userspace datapath a partially offloaded
//     flow is dp:ovs too, and only -m shows it: counted as not in
//     hardware, which never claims an offload that is not shown);
//   - non-offloaded: PlacementSoftware;
//   - tc, all, mixes of different placements, and unknown: PlacementUnknown.
func (t DumpType) Placement() Placement {
	if t == 0 {
		return PlacementUnknown
	}
	p := PlacementUnknown
	for bit := TypeOVS; bit <= TypePartiallyOffloaded; bit <<= 1 {
		if t&bit == 0 {
			continue
		}
		var q Placement
		switch bit {
		case TypeOffloaded:
			q = PlacementHardware
		case TypePartiallyOffloaded:
			q = PlacementDPDKPartial
		case TypeDPDK:
			q = PlacementDPDKFull
		case TypeOVS:
			q = PlacementOVS
		case TypeNonOffloaded:
			q = PlacementSoftware
		default: // tc: in hardware or not
			return PlacementUnknown
		}
		if p != PlacementUnknown && p != q {
			return PlacementUnknown
		}
		p = q
	}
	return p
}

// canHoldOffloaded reports whether a dump of this type can hold TC or
// DPDK flows in hardware (the zero type: maybe). A type=ovs dump holds
// DPDK partially offloaded flows at most.
func (t DumpType) canHoldOffloaded() bool {
	return t == 0 || t&(TypeTC|TypeDPDK|TypeOffloaded|TypePartiallyOffloaded) != 0
}
