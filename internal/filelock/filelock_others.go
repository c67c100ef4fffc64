//go:build !linux

package filelock

import (
	"context"
	"fmt"
	"os"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Lock is a held lock.
type Lock struct {
	Path string
	Mode Mode
}

// Acquire needs flock(2) as Linux has it.
func Acquire(ctx context.Context, path string, mode Mode) (*Lock, error) {
	return nil, fmt.Errorf("%w: file locks need Linux", errs.ErrNotSupported)
}

// File is nil: there is no lock.
func (l *Lock) File() *os.File { return nil }

// Release does nothing.
func (l *Lock) Release() error { return nil }
