package offload

import "github.com/offloadkit/offloadkit/internal/rtnl"

// IFNAMSIZ is the kernel's interface name buffer, including the NUL.
const IFNAMSIZ = rtnl.IFNAMSIZ

// ValidateIfName checks that name is a valid Linux interface name by the
// kernel's own rule (dev_valid_name): 1 to 15 bytes, not "." or "..", no
// '/', ':', white space or NUL. Names arrive from CNI requests and are joined
// into /sys/class/net paths, so everything else is ErrInvalidArgument. The
// netlink clients below offload apply the same rule (internal/rtnl holds it)
// before any request.
func ValidateIfName(name string) error { return rtnl.ValidateIfName(name) }
