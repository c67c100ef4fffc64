package offload

import (
	"fmt"
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// VendorID is a PCI vendor ID.
type VendorID uint16

// DeviceID is a PCI device ID.
type DeviceID uint16

// PCI vendors whose SmartNICs the guides cover, and Intel for ice.
const (
	VendorMellanox  VendorID = 0x15b3 // Mellanox / NVIDIA: ConnectX, BlueField
	VendorNetronome VendorID = 0x19ee // Netronome Agilio (nfp)
	VendorCorigine  VendorID = 0x1da8 // Corigine Agilio (nfp)
	VendorYUSUR     VendorID = 0x1f47 // YUSUR CONFLUX
	VendorIntel     VendorID = 0x8086 // Intel E810 (ice)
)

// String returns four lower-case hex digits, as lspci -n prints them.
func (v VendorID) String() string { return fmt.Sprintf("%04x", uint16(v)) }

// String returns four lower-case hex digits, as lspci -n prints them.
func (d DeviceID) String() string { return fmt.Sprintf("%04x", uint16(d)) }

// PCIID is a vendor:device pair as lspci -nn prints it ("15b3:1017").
type PCIID struct {
	Vendor VendorID
	Device DeviceID
}

// String returns "vendor:device" ("15b3:1017").
func (id PCIID) String() string { return id.Vendor.String() + ":" + id.Device.String() }

// MarshalText renders "15b3:1017".
func (id PCIID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// ParsePCIID parses "15b3:1017".
func ParsePCIID(s string) (PCIID, error) {
	v, d, ok := strings.Cut(s, ":")
	vv, ok1 := hexN(v)
	dd, ok2 := hexN(d)
	if !ok || !ok1 || !ok2 || len(v) != 4 || len(d) != 4 {
		return PCIID{}, errs.Invalid("PCI ID", s, "want vendor:device, four hex digits each")
	}
	return PCIID{Vendor: VendorID(vv), Device: DeviceID(dd)}, nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParsePCIID.
func (id *PCIID) UnmarshalText(b []byte) error {
	v, err := ParsePCIID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
