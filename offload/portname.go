package offload

import (
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/internal/devlink"
)

// PortFlavour says what a switch port stands for: devlink's port flavour
// (the devlink client's type, numbered as the kernel numbers it), derived
// from devlink or from phys_port_name. PortFlavourUnknown (no kernel value)
// means the name or attribute did not say.
type PortFlavour = devlink.PortFlavour

// Port flavours.
const (
	PortFlavourUnknown  = devlink.PortFlavourUnknown
	PortFlavourPhysical = devlink.PortFlavourPhysical // an uplink: "p0", split "p1s2"
	PortFlavourPCIPF    = devlink.PortFlavourPCIPF    // a PF representor: "pf0", "c1pf0"
	PortFlavourPCIVF    = devlink.PortFlavourPCIVF    // a VF representor: "pf0vf3", "c1pf0vf3"
	PortFlavourPCISF    = devlink.PortFlavourPCISF    // an SF representor: "pf0sf88"
	PortFlavourVirtual  = devlink.PortFlavourVirtual
	PortFlavourCPU      = devlink.PortFlavourCPU
	PortFlavourDSA      = devlink.PortFlavourDSA
	PortFlavourUnused   = devlink.PortFlavourUnused
)

// PhysPortName is a parsed phys_port_name. Fields that the format does not
// carry are -1, so "pf0" (PF 0) and "pf0vf0" (VF 0 of PF 0) stay distinct.
type PhysPortName struct {
	Raw        string      `json:"name"`
	Flavour    PortFlavour `json:"flavour"`
	Controller int         `json:"controller"` // "c1pf0vf3": 1; -1 when absent (the local controller)
	PF         int         `json:"pf"`         // "pf0...": 0
	VF         int         `json:"vf"`         // "...vf3": 3
	SF         int         `json:"sf"`         // "...sf88": 88
	Port       int         `json:"port"`       // physical port: "p1s2": 1
	Split      int         `json:"split"`      // split subport: "p1s2": 2; nfp "pf0s1": 1
}

// ParsePhysPortName parses every phys_port_name format the kernel's switchdev
// drivers print: p0, p1s2, pf0, c1pf0, pf0vf3, c1pf0vf3, pf0sf88, c1pf0sf88
// and nfp's pf0s1. Anything else (legacy representor names such as "0",
// empty strings) comes back with PortFlavourUnknown; it never fails.
func ParsePhysPortName(s string) PhysPortName {
	p := PhysPortName{Raw: s, Flavour: PortFlavourUnknown, Controller: -1, PF: -1, VF: -1, SF: -1, Port: -1, Split: -1}
	unknown := p
	rest := s
	num := func(prefix string) (int, bool) {
		if !strings.HasPrefix(rest, prefix) {
			return 0, false
		}
		r := rest[len(prefix):]
		i := 0
		for i < len(r) && i < 9 && r[i] >= '0' && r[i] <= '9' {
			i++
		}
		if i == 0 || (i > 1 && r[0] == '0') {
			return 0, false
		}
		n, _ := strconv.Atoi(r[:i])
		rest = r[i:]
		return n, true
	}
	if strings.HasPrefix(rest, "pf") || strings.HasPrefix(rest, "c") {
		if c, ok := num("c"); ok {
			p.Controller = c
		}
		pf, ok := num("pf")
		if !ok {
			return unknown
		}
		p.PF = pf
		p.Flavour = PortFlavourPCIPF
		if rest == "" {
			return p
		}
		if vf, ok := num("vf"); ok && rest == "" {
			p.VF, p.Flavour = vf, PortFlavourPCIVF
			return p
		}
		if sf, ok := num("sf"); ok && rest == "" {
			p.SF, p.Flavour = sf, PortFlavourPCISF
			return p
		}
		if split, ok := num("s"); ok && rest == "" && p.Controller < 0 {
			p.Split = split // nfp: PF vNIC split
			return p
		}
		return unknown
	}
	if port, ok := num("p"); ok {
		p.Port, p.Flavour = port, PortFlavourPhysical
		if rest == "" {
			return p
		}
		if split, ok := num("s"); ok && rest == "" {
			p.Split = split
			return p
		}
	}
	return unknown
}

// String returns the name as the kernel printed it.
func (p PhysPortName) String() string { return p.Raw }

// IsExternal reports whether the port belongs to an external controller: on a
// BlueField DPU, "c1pf0vf3" stands for VF 3 of the host, not of the DPU.
func (p PhysPortName) IsExternal() bool { return p.Controller > 0 }

// format renders the name the kernel derives from a devlink port's
// attributes (net/devlink/port.c, __devlink_port_phys_port_name_get):
// "p0", "p1s2", "pf0", "pf0vf3", "pf0sf88", with a "c<N>" prefix for the
// functions of an external controller. Flavours that have no such name
// (virtual, cpu, dsa, unused) give "".
func (p PhysPortName) format(external bool) string {
	prefix := ""
	if external && p.Controller >= 0 {
		prefix = "c" + strconv.Itoa(p.Controller)
	}
	switch {
	case p.Flavour == PortFlavourPhysical && p.Port >= 0 && p.Split >= 0:
		return "p" + strconv.Itoa(p.Port) + "s" + strconv.Itoa(p.Split)
	case p.Flavour == PortFlavourPhysical && p.Port >= 0:
		return "p" + strconv.Itoa(p.Port)
	case p.PF < 0:
		return ""
	case p.Flavour == PortFlavourPCIPF:
		return prefix + "pf" + strconv.Itoa(p.PF)
	case p.Flavour == PortFlavourPCIVF && p.VF >= 0:
		return prefix + "pf" + strconv.Itoa(p.PF) + "vf" + strconv.Itoa(p.VF)
	case p.Flavour == PortFlavourPCISF && p.SF >= 0:
		return prefix + "pf" + strconv.Itoa(p.PF) + "sf" + strconv.Itoa(p.SF)
	}
	return ""
}
