package offload

import (
	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// sysfs locations, relative to the Host root. Every variable part is a
// validated PCIAddress (whose String cannot contain a path separator) or an
// interface name that passed errs.ValidateIfName; sysfs.Join re-checks.
const (
	pciDevicesDir = "sys/bus/pci/devices"
	pciDriversDir = "sys/bus/pci/drivers"
	classNetDir   = "sys/class/net"
)

func pciPath(a PCIAddress, attr ...string) string {
	p := pciDevicesDir + "/" + a.String()
	for _, s := range attr {
		p += "/" + s
	}
	return p
}

// netPath returns sys/class/net/<name>/<attr...>, validating name.
func netPath(name string, attr ...string) (string, error) {
	if err := errs.ValidateIfName(name); err != nil {
		return "", err
	}
	return sysfs.Join(append([]string{classNetDir, name}, attr...)...)
}

// driverPath returns sys/bus/pci/drivers/<driver>/<attr>, validating driver.
func driverPath(driver string, attr string) (string, error) {
	if err := validateDriverName(driver); err != nil {
		return "", err
	}
	return sysfs.Join(pciDriversDir, driver, attr)
}
