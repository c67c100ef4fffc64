//go:build !linux

package podnet

import (
	"context"
	"fmt"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

func (p *Plumber) attachVF(context.Context, offload.PCIAddress, Container, string, AttachOptions) (*Attachment, error) {
	return nil, fmt.Errorf("podnet: %w: needs Linux network namespaces", errs.ErrNotSupported)
}

func (p *Plumber) detachVF(context.Context, offload.PCIAddress, Container, string) error {
	return fmt.Errorf("podnet: %w: needs Linux network namespaces", errs.ErrNotSupported)
}

func (p *Plumber) checkVF(context.Context, offload.PCIAddress, Container, string) error {
	return fmt.Errorf("podnet: %w: needs Linux network namespaces", errs.ErrNotSupported)
}
