package ovstest

import (
	"fmt"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// errNotLinux is what the non-Linux stubs return.
var errNotLinux = fmt.Errorf("%w: ovstest needs Linux", errs.ErrNotSupported)
