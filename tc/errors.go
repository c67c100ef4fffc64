package tc

import (
	"fmt"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// errMalformed marks kernel input the decoder could not parse. It wraps
// errs.ErrInvalidArgument so callers need only the shared sentinels.
var errMalformed = fmt.Errorf("%w: malformed netlink message", errs.ErrInvalidArgument)
