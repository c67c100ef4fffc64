package errs

// IFNAMSIZ is the kernel's interface name buffer, including the NUL.
const IFNAMSIZ = 16

// ValidateIfName checks name by the kernel's own rule for netdev names
// (net/core/dev.c dev_valid_name): 1 to 15 bytes, not "." or "..", no '/',
// ':', NUL or byte the kernel's isspace accepts. The kernel's ctype table
// (lib/ctype.c) is Latin-1, so besides ' ' and '\t' to '\r' it counts
// 0xA0 (no-break space) as white space: a name holding that byte is
// refused by the kernel and here alike. Names arrive from CNI requests and
// are joined into /sys/class/net paths; every package that takes one (the
// host model, pod plumbing, tc, ethtool, OVSDB) applies this one rule
// before any path is built or request sent.
func ValidateIfName(name string) error {
	if name == "" {
		return Invalid("interface name", name, "empty")
	}
	if len(name) >= IFNAMSIZ {
		return Invalid("interface name", name, "longer than 15 bytes")
	}
	if name == "." || name == ".." {
		return Invalid("interface name", name, "reserved")
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '/' || c == ':' || c == 0:
			return Invalid("interface name", name, "contains '/', ':' or NUL")
		case kernelIsSpace(c):
			return Invalid("interface name", name, "contains white space")
		}
	}
	return nil
}

// kernelIsSpace is the kernel's isspace: the ASCII white space characters
// and 0xA0, which lib/ctype.c marks _S|_SP in its Latin-1 table.
func kernelIsSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xA0
}
