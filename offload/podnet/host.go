package podnet

import (
	"context"

	"github.com/offloadkit/offloadkit/offload"
)

// vfHost is everything podnet asks of package offload, in one place so
// that a change of offload's API is one change here. offloadHost is the
// real one; tests whose separate processes must share a PF's VF table
// replace the VF settings part (the offloadtest kernel keeps it in memory).
type vfHost interface {
	// VF describes the VF at addr (its PF, index, driver, netdev).
	VF(ctx context.Context, addr offload.PCIAddress) (*offload.VF, error)
	// PFOf returns the PCI address of the VF's PF (its physfn link);
	// errs.ErrNotFound when addr is not a VF on this host.
	PFOf(addr offload.PCIAddress) (offload.PCIAddress, error)
	// Representor returns the VF's representor netdev.
	Representor(ctx context.Context, addr offload.PCIAddress) (*offload.Representor, error)
	// VFState reads the VF's settings from its PF; nil when the host
	// cannot (no rtnetlink, or no PF netdev).
	VFState(ctx context.Context, v offload.VF) (*offload.VFState, error)
	// ConfigureVF sets the VF's settings through its PF and reads them
	// back.
	ConfigureVF(ctx context.Context, v offload.VF, cfg offload.VFConfig) error
}

type offloadHost struct{ h *offload.Host }

func (o offloadHost) VF(ctx context.Context, addr offload.PCIAddress) (*offload.VF, error) {
	return o.h.VF(ctx, addr)
}

func (o offloadHost) PFOf(addr offload.PCIAddress) (offload.PCIAddress, error) {
	return o.h.PFOfVF(addr)
}

func (o offloadHost) Representor(ctx context.Context, addr offload.PCIAddress) (*offload.Representor, error) {
	return o.h.VFRepresentor(ctx, addr)
}

func (o offloadHost) VFState(ctx context.Context, v offload.VF) (*offload.VFState, error) {
	pf, err := o.h.PF(ctx, v.PF)
	if err != nil {
		return nil, err
	}
	for _, x := range pf.VFs {
		if x.Index == v.Index {
			return x.State, nil
		}
	}
	return nil, nil
}

func (o offloadHost) ConfigureVF(ctx context.Context, v offload.VF, cfg offload.VFConfig) error {
	return o.h.ConfigureVF(ctx, v.PF, v.Index, cfg)
}
