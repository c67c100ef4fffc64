package offload

import (
	"context"
	"fmt"
	"net"

	"github.com/offloadkit/offloadkit/internal/rtnl"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// VFConfig changes a VF's settings on its PF, as `ip link set <pf> vf N mac
// M vlan V trust on spoofchk off` does. Nil fields are left as they are.
type VFConfig struct {
	MAC      net.HardwareAddr
	VLAN     *int // 0 removes the VLAN; with QoS
	QoS      int
	SpoofChk *bool
	Trust    *bool
}

// pfNetdev returns the netdev through which the PF's VFs are configured.
func (h *Host) pfNetdev(ctx context.Context, pf PCIAddress) (string, error) {
	nds, err := h.netdevsOfDir(pciPath(pf))
	if err != nil {
		return "", &errs.Error{Op: "find PF netdev", Device: pf.String(), Err: err}
	}
	p := PF{Address: pf}
	for _, nd := range nds {
		switch nd.PortName.Flavour {
		case PortFlavourPCIVF, PortFlavourPCISF, PortFlavourPCIPF:
		default:
			p.Netdevs = append(p.Netdevs, nd)
		}
	}
	up, ok := p.Uplink()
	if !ok {
		if _, err := h.pciID(pf); err != nil {
			return "", err
		}
		return "", &errs.Error{Op: "find PF netdev", Device: pf.String(), Err: fmt.Errorf("%w: the PF has no netdev", errs.ErrNotFound)}
	}
	return up.Name, nil
}

// vfStates reads the VF settings a PF holds through its netdev name, keyed
// by VF index; nil, nil when the Host has no rtnetlink. The caller names
// the netdev it already found, so a listing reads the PF's netdevs from
// sysfs once, not once more here.
func (h *Host) vfStates(ctx context.Context, name string) (map[int]*VFState, error) {
	c, err := h.rtnlClient()
	if err != nil || c == nil {
		return nil, err
	}
	l, err := c.Link(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make(map[int]*VFState, len(l.VFs))
	for _, v := range l.VFs {
		out[v.VF] = &VFState{MAC: v.MAC.String(), VLAN: v.VLAN, QoS: v.QoS, SpoofChk: v.SpoofChk, Trust: v.Trust, LinkState: v.LinkState.String()}
	}
	return out, nil
}

// ConfigureVF applies cfg to VF index vf of pf through the PF netdev and
// reads the settings back; a setting the kernel accepted but did not apply
// gives errs.ErrNotApplied. It needs an rtnetlink connection (errs.ErrNotSupported
// without one) and CAP_NET_ADMIN.
func (h *Host) ConfigureVF(ctx context.Context, pf PCIAddress, vf int, cfg VFConfig) error {
	if vf < 0 {
		return errs.Invalid("VF index", fmt.Sprint(vf), "negative")
	}
	if cfg.MAC != nil && len(cfg.MAC) != 6 {
		return errs.Invalid("VF MAC", cfg.MAC.String(), "want a 6-byte Ethernet address")
	}
	if cfg.VLAN != nil && (*cfg.VLAN < 0 || *cfg.VLAN > 4094 || cfg.QoS < 0 || cfg.QoS > 7) {
		return errs.Invalid("VF VLAN", fmt.Sprintf("%d qos %d", *cfg.VLAN, cfg.QoS), "want VLAN 0..4094 and QoS 0..7")
	}
	if n, err := h.NumVFs(ctx, pf); err != nil {
		return err
	} else if vf >= n {
		return &errs.Error{Op: "configure VF", Device: pf.String(), Err: fmt.Errorf("%w: VF %d of %d", errs.ErrNotFound, vf, n)}
	}
	c, err := h.linkClient("configure VF", pf.String())
	if err != nil {
		return err
	}
	name, err := h.pfNetdev(ctx, pf)
	if err != nil {
		return err
	}
	l, err := c.Link(ctx, name)
	if err != nil {
		return err
	}
	rc := rtnl.VFConfig{VF: vf, MAC: cfg.MAC, VLAN: cfg.VLAN, QoS: cfg.QoS, SpoofChk: cfg.SpoofChk, Trust: cfg.Trust}
	if err := c.SetVF(ctx, l.Index, name, rc); err != nil {
		return err
	}
	states, err := h.vfStates(ctx, name)
	if err != nil {
		return err
	}
	got := states[vf]
	if got == nil {
		return &errs.Error{Op: "configure VF", Device: name, Err: fmt.Errorf("%w: VF %d missing from the PF's VF list", errs.ErrNotApplied, vf)}
	}
	var diff []string
	if cfg.MAC != nil && got.MAC != cfg.MAC.String() {
		diff = append(diff, "mac "+got.MAC)
	}
	if cfg.VLAN != nil && (got.VLAN != *cfg.VLAN || got.QoS != cfg.QoS) {
		diff = append(diff, fmt.Sprintf("vlan %d qos %d", got.VLAN, got.QoS))
	}
	if cfg.SpoofChk != nil && (got.SpoofChk == nil || *got.SpoofChk != *cfg.SpoofChk) {
		diff = append(diff, "spoofchk")
	}
	if cfg.Trust != nil && (got.Trust == nil || *got.Trust != *cfg.Trust) {
		diff = append(diff, "trust")
	}
	if len(diff) > 0 {
		return &errs.Error{Op: fmt.Sprintf("configure VF %d", vf), Device: name, Err: fmt.Errorf("%w: read back %v", errs.ErrNotApplied, diff)}
	}
	return nil
}
