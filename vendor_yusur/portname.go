package yusur

import (
	"context"
	"strconv"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/switchdev"
)

// PortName returns the name Kube-OVN gives the OVS port (type dpdk,
// options:dpdk-devargs=DevArgs(pf, vf)) of VF index vf of PF pf on a
// YUSUR card: "pf<N>vf<M>rep". Kube-OVN's CNI daemon adds the port under
// that name and deletes it by that name on CNI DEL, so a port another
// agent adds for Kube-OVN must use it.
//
// The rule is GetYusurNicVfRepresentor in Kube-OVN's
// pkg/net/yusur/yusur_sriovnet.go (github.com/kubeovn/kube-ovn), called
// from setupSriovInterface and deleteNic in pkg/daemon/ovs_linux.go. N is
// what GetYusurNicPfIndexByPciAddress reads: the last character of the
// PF's PCI address, its function number (0 to 7), so M is the VF's index
// on that PF (its virtfn link). The YUSUR kernel driver names its own
// representor netdevs with the same pattern from the PF number it keeps
// (pf%dvf%drep, k2u_ndev_get_name in YUSUR's driver), which matches the
// function number on cards whose PFs are functions of one device. Two
// PFs that are each function 0 of different devices, as the Kube-OVN
// guide's 00:0a.0 and 00:0b.0 are, both give N = 0: VF M of either gets
// the same name, in Kube-OVN as here, so one host should not attach VFs
// of both to one bridge under this naming.
//
// A negative vf is errs.ErrInvalidArgument; a zero pf is too.
func PortName(pf offload.PCIAddress, vf int) (string, error) {
	if pf.IsZero() {
		return "", errs.Invalid("PF PCI address", pf.String(), "zero")
	}
	if vf < 0 {
		return "", errs.Invalid("VF index", strconv.Itoa(vf), "negative")
	}
	name := "pf" + strconv.Itoa(int(pf.Function)) + "vf" + strconv.Itoa(vf) + "rep"
	// At most "pf7vf65535rep" for the 16-bit VF counts SR-IOV allows,
	// but a caller's index is not bounded by the kernel's: check.
	if err := errs.ValidateIfName(name); err != nil {
		return "", err
	}
	return name, nil
}

// PortName returns Kube-OVN's OVS port name for the YUSUR VF at PCI
// address vf: its PF (physfn link) and index (the PF's virtfn link that
// points back at it) read through h, then the package function PortName.
// A function that is not a VF is errs.ErrNotFound.
func (*Backend) PortName(ctx context.Context, h switchdev.HostView, vf offload.PCIAddress) (string, error) {
	pf, err := h.PFOfVF(vf)
	if err != nil {
		return "", err
	}
	idx, err := h.VFIndex(ctx, vf)
	if err != nil {
		return "", err
	}
	return PortName(pf, idx)
}
