//go:build !linux

package switchdev

import (
	"fmt"
	"os"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func tryLock(*os.File) (bool, error) {
	return false, fmt.Errorf("%w: PF locks need Linux flock", errs.ErrNotSupported)
}

func unlockFile(*os.File) error { return nil }
