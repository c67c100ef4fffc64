package offload

import (
	"strconv"

	"github.com/offloadkit/offloadkit/internal/devlink"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// ESwitchMode is the mode of a PF's embedded switch: the devlink client's
// type, defined once. Its zero value is ESwitchModeUnknown.
type ESwitchMode = devlink.ESwitchMode

// Eswitch modes. ESwitchModeUnknown means the mode could not be read: no
// devlink on this host or root, and no MLNX_OFED compat file.
const (
	ESwitchModeUnknown           = devlink.ESwitchModeUnknown
	ESwitchModeLegacy            = devlink.ESwitchModeLegacy
	ESwitchModeSwitchdev         = devlink.ESwitchModeSwitchdev
	ESwitchModeSwitchdevInactive = devlink.ESwitchModeSwitchdevInactive
)

// ParseESwitchMode parses "legacy", "switchdev" or "switchdev_inactive".
func ParseESwitchMode(s string) (ESwitchMode, bool) {
	switch s {
	case "legacy":
		return ESwitchModeLegacy, true
	case "switchdev":
		return ESwitchModeSwitchdev, true
	case "switchdev_inactive":
		return ESwitchModeSwitchdevInactive, true
	}
	return ESwitchModeUnknown, false
}

// Netdev is a network interface as sysfs describes it.
type Netdev struct {
	Name string `json:"name"`
	// PortName is the parsed phys_port_name; PortName.Raw is "" when the
	// driver has none (an nfp PF vNIC, a legacy-mode VF).
	PortName PhysPortName `json:"phys_port_name"`
	// SwitchID is phys_switch_id in hex, whole (8 bytes on mlx5, 32 on
	// netdevsim); "" when the netdev is not a switch port.
	SwitchID string `json:"phys_switch_id,omitempty"`
	MAC      string `json:"mac,omitempty"`
}

// Bond describes the bonding master a PF netdev is enslaved to.
type Bond struct {
	Name   string   `json:"name"`
	Mode   BondMode `json:"mode"`
	Slaves []string `json:"slaves"`
}

// BondMode is a Linux bonding mode.
type BondMode uint8

// Bonding modes, numbered as the kernel numbers them (+1, so the zero value
// is unknown).
const (
	BondModeUnknown BondMode = iota
	BondModeBalanceRR
	BondModeActiveBackup
	BondModeBalanceXOR
	BondModeBroadcast
	BondMode8023AD
	BondModeBalanceTLB
	BondModeBalanceALB
)

var bondModeNames = [...]string{"unknown", "balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"}

// String returns the mode as bonding/mode names it.
func (m BondMode) String() string {
	if int(m) < len(bondModeNames) {
		return bondModeNames[m]
	}
	return "bondmode(" + strconv.Itoa(int(m)) + ")"
}

// MarshalText renders the mode name.
func (m BondMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// VFLAGCapable reports whether mlx5 VF LAG can use this mode (active-backup,
// XOR or 802.3ad, per the Kube-OVN Mellanox guide).
func (m BondMode) VFLAGCapable() bool {
	return m == BondModeActiveBackup || m == BondModeBalanceXOR || m == BondMode8023AD
}

// PF is an SR-IOV capable physical function.
type PF struct {
	Address  PCIAddress `json:"pci_address"`
	ID       PCIID      `json:"id"`
	Driver   string     `json:"driver,omitempty"`
	NUMANode int        `json:"numa_node"`
	TotalVFs int        `json:"sriov_totalvfs"`
	NumVFs   int        `json:"sriov_numvfs"`
	// Netdevs are the PF's own interfaces (uplink or PF netdev); the
	// representors that also hang off the PF device are in Representors.
	Netdevs      []Netdev       `json:"netdevs"`
	SwitchID     string         `json:"phys_switch_id,omitempty"`
	ESwitchMode  ESwitchMode    `json:"eswitch_mode"`
	Bond         *Bond          `json:"bond,omitempty"`
	Representors []Representor  `json:"representors,omitempty"`
	VFs          []VF           `json:"vfs,omitempty"`
	Extra        map[string]any `json:"extra,omitempty"`
}

// Uplink returns the PF netdev whose phys_port_name is a physical port
// ("p0"), or else the first PF netdev; ok is false when the PF has none.
func (pf *PF) Uplink() (Netdev, bool) {
	for _, n := range pf.Netdevs {
		if n.PortName.Flavour == PortFlavourPhysical {
			return n, true
		}
	}
	if len(pf.Netdevs) > 0 {
		return pf.Netdevs[0], true
	}
	return Netdev{}, false
}

// VF is a virtual function of a PF.
type VF struct {
	Address PCIAddress `json:"pci_address"`
	PF      PCIAddress `json:"pf"`
	Index   int        `json:"index"`
	ID      PCIID      `json:"id"`
	Driver  string     `json:"driver,omitempty"` // "" when unbound
	Netdev  string     `json:"netdev,omitempty"` // "" when unbound or not a netdev driver
	// State is what the PF reports for this VF over rtnetlink (`ip link
	// show <pf>`); nil when the Host has no rtnetlink connection or the PF
	// has no netdev.
	State *VFState `json:"state,omitempty"`
}

// VFState is a VF's settings as its PF holds them. SpoofChk and Trust are
// nil when the driver does not report them.
type VFState struct {
	MAC       string `json:"mac"`
	VLAN      int    `json:"vlan"`
	QoS       int    `json:"qos"`
	SpoofChk  *bool  `json:"spoofchk,omitempty"`
	Trust     *bool  `json:"trust,omitempty"`
	LinkState string `json:"link_state"`
}

// Representor is the switchdev port that stands for a VF, SF, PF or uplink
// on the eswitch. Traffic sent to it reaches the function it represents.
type Representor struct {
	Netdev string     `json:"netdev"`
	PF     PCIAddress `json:"pf"`
	// PortName is the representor's phys_port_name: its flavour and
	// numbers (-1 where the name does not carry them).
	PortName PhysPortName `json:"phys_port_name"`
	SwitchID string       `json:"phys_switch_id,omitempty"`
}

func newRepresentor(pf PCIAddress, nd Netdev) Representor {
	return Representor{Netdev: nd.Name, PF: pf, PortName: nd.PortName, SwitchID: nd.SwitchID}
}

// UnmarshalText parses the names MarshalText writes.
func (m *BondMode) UnmarshalText(b []byte) error {
	*m = ParseBondMode(string(b))
	if *m == BondModeUnknown && string(b) != "unknown" {
		return errs.Invalid("bond mode", string(b), "unknown mode")
	}
	return nil
}
