package kube

import (
	"fmt"
	"slices"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// UnderlayNICs names the two node interfaces of a Kube-OVN underlay
// offload (guide 003).
type UnderlayNICs struct {
	// Cluster is Kube-OVN's IFACE, the NIC of cluster traffic. "" lets
	// Kube-OVN take the NIC of the node's default route, which this check
	// cannot see (the guide's default): the caller must make sure that NIC
	// is not a PF either.
	Cluster string
	// Provider is the ProviderNetwork's defaultInterface (bond1 in the
	// guide), the NIC Kube-OVN puts in the underlay bridge.
	Provider string
}

// CheckUnderlayNICs checks the two interfaces of an underlay offload
// against the PFs Host.Discover found. Both names are validated first
// (errs.ValidateIfName; Cluster may be "").
//
// The provider interface must be what the VFs' eswitch forwards to: the
// uplink netdev of a PF in switchdev mode, or a bond over such uplinks in
// a mode mlx5 VF LAG offloads (active-backup, balance-xor, 802.3ad).
// Guide 003 uses bond1, its two PFs in 802.3ad, for exactly that reason:
// with VF LAG the bond is the uplink of the one eswitch both ports share,
// so a flow from a VF representor to bond1 is offloaded. Any other NIC
// would carry the VFs' traffic, but through the kernel, unoffloaded.
//
// The cluster interface must not be a PF netdev (the guide: "IFACE must
// be a NIC other than the PF"), nor a bond over PFs, nor the provider
// interface: in underlay mode those NICs belong to the provider bridge and
// the eswitch, and the node's cluster address would go with them.
//
// Errors: errs.ErrInvalidArgument for a bad name or a cluster NIC that is
// a PF, its bond or the provider NIC; errs.ErrNotSwitchdev when the
// provider is a PF (or a bond over PFs) not in switchdev mode;
// errs.ErrNotSupported for a bond in a mode VF LAG does not offload;
// errs.ErrNotFound when the provider is neither a PF uplink nor a bond
// over PFs on this host (also the answer for a VF LAG bond not created
// yet). Every error is an *errs.Error naming the interface, except those
// of name validation.
func CheckUnderlayNICs(pfs []offload.PF, n UnderlayNICs) error {
	if err := errs.ValidateIfName(n.Provider); err != nil {
		return fmt.Errorf("provider interface: %w", err)
	}
	if n.Cluster != "" {
		if err := errs.ValidateIfName(n.Cluster); err != nil {
			return fmt.Errorf("cluster interface: %w", err)
		}
	}
	// The cluster NIC first: a provider bond not created yet (ErrNotFound,
	// which callers may take as a warning) must not hide a PF as IFACE.
	if err := checkClusterNIC(pfs, n); err != nil {
		return err
	}
	return checkProviderNIC(pfs, n.Provider)
}

// checkClusterNIC: see CheckUnderlayNICs.
func checkClusterNIC(pfs []offload.PF, n UnderlayNICs) error {
	if n.Cluster == "" {
		return nil
	}
	const op = "check Kube-OVN cluster interface (IFACE)"
	if n.Cluster == n.Provider {
		return nicErr(op, n.Cluster, errs.ErrInvalidArgument, "it is also the ProviderNetwork's interface, which Kube-OVN moves into the underlay bridge")
	}
	for i := range pfs {
		pf := &pfs[i]
		for _, nd := range pf.Netdevs {
			if nd.Name == n.Cluster {
				return nicErr(op, n.Cluster, errs.ErrInvalidArgument, fmt.Sprintf("it is the netdev of PF %s: guide 003 says the cluster NIC must not be a PF; leave IFACE empty or name another NIC", pf.Address))
			}
		}
		if pf.Bond != nil && pf.Bond.Name == n.Cluster {
			return nicErr(op, n.Cluster, errs.ErrInvalidArgument, fmt.Sprintf("it is a bond over PF %s: the PFs' bond is the underlay uplink, not the cluster NIC", pf.Address))
		}
	}
	return nil
}

// checkProviderNIC: see CheckUnderlayNICs.
func checkProviderNIC(pfs []offload.PF, name string) error {
	const op = "check ProviderNetwork interface"
	var bondPFs []*offload.PF
	var bond *offload.Bond
	for i := range pfs {
		pf := &pfs[i]
		for _, nd := range pf.Netdevs {
			if nd.Name != name {
				continue
			}
			if pf.Bond != nil {
				return nicErr(op, name, errs.ErrInvalidArgument, fmt.Sprintf("it is enslaved to %s: name the bond, the interface that carries the traffic", pf.Bond.Name))
			}
			if !switchdevPF(pf) {
				return nicErr(op, name, errs.ErrNotSwitchdev, fmt.Sprintf("PF %s's eswitch is %s: its VFs' traffic would not be offloaded", pf.Address, modeEvidence(pf)))
			}
			return nil
		}
		if pf.Bond != nil && pf.Bond.Name == name {
			bondPFs = append(bondPFs, pf)
			bond = pf.Bond
		}
	}
	if bond == nil {
		return nicErr(op, name, errs.ErrNotFound, "neither a PF uplink nor a bond over PFs on this host: VF traffic through it would not be offloaded (a VF LAG bond not created yet looks the same)")
	}
	if !bond.Mode.VFLAGCapable() {
		return nicErr(op, name, errs.ErrNotSupported, fmt.Sprintf("bond mode %s: VF LAG offloads active-backup, balance-xor and 802.3ad only", bond.Mode))
	}
	for _, pf := range bondPFs {
		if !switchdevPF(pf) {
			return nicErr(op, name, errs.ErrNotSwitchdev, fmt.Sprintf("slave PF %s's eswitch is %s: its VFs' traffic would not be offloaded", pf.Address, modeEvidence(pf)))
		}
	}
	// A bond with a slave that is not a PF of this host (a plain NIC)
	// would send part of the VFs' traffic around the eswitch.
	for _, s := range bond.Slaves {
		if !slices.ContainsFunc(bondPFs, func(pf *offload.PF) bool {
			return slices.ContainsFunc(pf.Netdevs, func(nd offload.Netdev) bool { return nd.Name == s })
		}) {
			return nicErr(op, name, errs.ErrNotSupported, fmt.Sprintf("slave %s is not an offload PF's netdev: VF LAG needs every slave to be a port of the one card", s))
		}
	}
	return nil
}

// nicErr is the *errs.Error of a refused interface: why goes into the
// cause (Message is for the kernel's words, and no kernel spoke here).
func nicErr(op, dev string, sentinel error, why string) error {
	return &errs.Error{Op: op, Device: dev, Err: fmt.Errorf("%w: %s", sentinel, why)}
}

// switchdevPF reports whether the PF is shown to be in switchdev mode:
// devlink says so, or devlink could not be asked (mode unknown, as on a
// copied sysfs tree) and the PF has VF representors, which exist only in
// switchdev mode. Without either there is no evidence, and no "ok".
func switchdevPF(pf *offload.PF) bool {
	if pf.ESwitchMode == offload.ESwitchModeSwitchdev {
		return true
	}
	if pf.ESwitchMode != offload.ESwitchModeUnknown {
		return false
	}
	return slices.ContainsFunc(pf.Representors, func(r offload.Representor) bool {
		return r.PortName.Flavour == offload.PortFlavourPCIVF
	})
}

// modeEvidence words the eswitch mode switchdevPF refused.
func modeEvidence(pf *offload.PF) string {
	if pf.ESwitchMode == offload.ESwitchModeUnknown {
		return "not shown to be in switchdev mode (mode unknown: no devlink answer, and no VF representors)"
	}
	return pf.ESwitchMode.String()
}
