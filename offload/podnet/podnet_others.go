//go:build !linux

package podnet

import (
	"context"
	"fmt"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/offloadkit/offloadkit/offload"
)

// AttachVF needs Linux network namespaces.
func (p *Plumber) AttachVF(ctx context.Context, vf offload.PCIAddress, podNetNS, ifName string, opts AttachOptions) (*Attachment, error) {
	return nil, fmt.Errorf("podnet: attach VF %s: %w: needs Linux", vf, errs.ErrNotSupported)
}

// DetachVF needs Linux network namespaces.
func (p *Plumber) DetachVF(ctx context.Context, vf offload.PCIAddress, podNetNS, ifName string) error {
	return fmt.Errorf("podnet: detach VF %s: %w: needs Linux", vf, errs.ErrNotSupported)
}
