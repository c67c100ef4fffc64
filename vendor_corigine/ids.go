package corigine

import "github.com/offloadkit/offloadkit/offload"

// Drivers of Agilio PFs and VFs.
const (
	PFDriver = "nfp"
	VFDriver = "nfp_netvf"
)

// Model is one Agilio PCI function.
type Model struct {
	Device offload.DeviceID
	Name   string
	VF     bool
}

// Models returns the Agilio functions the backend knows, the same IDs
// under the Netronome (19ee) and Corigine (1da8) vendor IDs. Each call
// builds a fresh slice: no package-level table a caller could change.
func Models() []Model {
	return []Model{
		{Device: 0x3800, Name: "NFP-3800"},
		{Device: 0x4000, Name: "NFP-4000"},
		{Device: 0x5000, Name: "NFP-5000"},
		{Device: 0x6000, Name: "NFP-6000"},
		{Device: 0x3803, Name: "NFP-3800 Virtual Function", VF: true},
		{Device: 0x6003, Name: "NFP-6000 Virtual Function", VF: true},
	}
}

// Lookup returns the model of id, ok false when unknown.
func Lookup(id offload.PCIID) (Model, bool) {
	if id.Vendor != offload.VendorNetronome && id.Vendor != offload.VendorCorigine {
		return Model{}, false
	}
	for _, m := range Models() {
		if m.Device == id.Device {
			return m, true
		}
	}
	return Model{}, false
}

// Vendors returns the PCI vendor IDs of Agilio cards: Netronome and
// Corigine (a fresh slice each call).
func Vendors() []offload.VendorID {
	return []offload.VendorID{offload.VendorNetronome, offload.VendorCorigine}
}
