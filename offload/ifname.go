package offload

import (
	"github.com/offloadkit/offloadkit/internal/errs"
)

// IFNAMSIZ is the kernel's interface name buffer, including the NUL.
const IFNAMSIZ = 16

// ValidateIfName checks that name is a valid Linux interface name by the
// kernel's own rule (dev_valid_name): 1 to 15 bytes, not "." or "..", no
// '/', ':', white space or NUL. Names arrive from CNI requests and are joined
// into /sys/class/net paths, so everything else is ErrInvalidArgument.
func ValidateIfName(name string) error {
	if name == "" {
		return errs.Invalid("interface name", name, "empty")
	}
	if len(name) >= IFNAMSIZ {
		return errs.Invalid("interface name", name, "longer than 15 bytes")
	}
	if name == "." || name == ".." {
		return errs.Invalid("interface name", name, "reserved")
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '/' || c == ':' || c == 0:
			return errs.Invalid("interface name", name, "contains '/', ':' or NUL")
		case c == ' ' || (c >= '\t' && c <= '\r'):
			return errs.Invalid("interface name", name, "contains white space")
		}
	}
	return nil
}
