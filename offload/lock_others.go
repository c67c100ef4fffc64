//go:build !linux

package offload

import (
	"fmt"
	"os"
)

func tryLock(*os.File) (bool, error) {
	return false, fmt.Errorf("%w: PF locks need Linux flock", ErrNotSupported)
}

func unlockFile(*os.File) error { return nil }
