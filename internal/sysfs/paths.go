package sysfs

import "github.com/offloadkit/offloadkit/offload/errs"

// Locations below a Host root. Every variable part joined to them is a
// validated PCI address (whose text cannot hold a path separator) or an
// interface name that passed errs.ValidateIfName; Join re-checks.
const (
	PCIDevicesDir = "sys/bus/pci/devices"
	PCIDriversDir = "sys/bus/pci/drivers"
	ClassNetDir   = "sys/class/net"
)

// PCIPath returns sys/bus/pci/devices/<addr>/<attr...>. addr must be the
// text of a parsed PCI address.
func PCIPath(addr string, attr ...string) string {
	p := PCIDevicesDir + "/" + addr
	for _, s := range attr {
		p += "/" + s
	}
	return p
}

// NetPath returns sys/class/net/<name>/<attr...>, validating name with the
// kernel's interface-name rule first.
func NetPath(name string, attr ...string) (string, error) {
	if err := errs.ValidateIfName(name); err != nil {
		return "", err
	}
	return Join(append([]string{ClassNetDir, name}, attr...)...)
}
