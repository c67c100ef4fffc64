//go:build !linux

package tc

import (
	"fmt"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Dial returns an error matching errs.ErrNotSupported: tc is Linux-only.
func Dial(cfg Config) (*Client, error) {
	return nil, &errs.Error{Op: "dial rtnetlink", Err: fmt.Errorf("%w: tc needs Linux", errs.ErrNotSupported)}
}
