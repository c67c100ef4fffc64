package rtnl

import "github.com/offloadkit/offloadkit/internal/errs"

// IFNAMSIZ is the kernel's interface name buffer, including the NUL.
const IFNAMSIZ = 16

// ValidateIfName checks name by the kernel's own rule for netdev names
// (dev_valid_name): 1 to 15 bytes, not "." or "..", no '/', ':', white
// space or NUL. It lives here, below offload, so the tc and ethtool
// clients refuse a bad name before any request with the same rule
// offload.ValidateIfName applies to CNI input, rather than each keeping a
// looser copy.
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
