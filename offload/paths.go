package offload

import (
	"github.com/offloadkit/offloadkit/internal/sysfs"
)

// Locations below the Host root (internal/sysfs holds them, so the
// switchdev engine and the vendor backends build the same paths).
const (
	pciDevicesDir = sysfs.PCIDevicesDir
	pciDriversDir = sysfs.PCIDriversDir
)

// pciPath returns sys/bus/pci/devices/<addr>/<attr...>.
func pciPath(a PCIAddress, attr ...string) string { return sysfs.PCIPath(a.String(), attr...) }

// netPath returns sys/class/net/<name>/<attr...>, validating name.
func netPath(name string, attr ...string) (string, error) { return sysfs.NetPath(name, attr...) }

// driverPath returns sys/bus/pci/drivers/<driver>/<attr>, validating driver.
func driverPath(driver string, attr string) (string, error) {
	if err := validateDriverName(driver); err != nil {
		return "", err
	}
	return sysfs.Join(pciDriversDir, driver, attr)
}
