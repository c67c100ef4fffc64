//go:build !linux

package main

import (
	"fmt"
	"io"

	"github.com/offloadkit/offloadkit/offload"
)

func demo(w io.Writer, tree, vfAddr, ifName, containerID, mac string) error {
	return fmt.Errorf("-tree: %w: needs Linux network namespaces", offload.ErrNotSupported)
}
