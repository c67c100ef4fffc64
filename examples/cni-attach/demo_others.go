//go:build !linux

package main

import (
	"fmt"
	"io"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func demo(w io.Writer, tree, vfAddr, ifName, containerID, mac string) error {
	return fmt.Errorf("-tree: %w: needs Linux network namespaces", errs.ErrNotSupported)
}
