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

// Models are the Agilio functions, the same IDs under the Netronome (19ee)
// and Corigine (1da8) vendor IDs.
var Models = []Model{
	{Device: 0x3800, Name: "NFP-3800"},
	{Device: 0x4000, Name: "NFP-4000"},
	{Device: 0x5000, Name: "NFP-5000"},
	{Device: 0x6000, Name: "NFP-6000"},
	{Device: 0x3803, Name: "NFP-3800 Virtual Function", VF: true},
	{Device: 0x6003, Name: "NFP-6000 Virtual Function", VF: true},
}

// Vendors are the PCI vendor IDs of Agilio cards.
var Vendors = []offload.VendorID{offload.VendorNetronome, offload.VendorCorigine}

// Lookup returns the model of id, ok false when unknown.
func Lookup(id offload.PCIID) (Model, bool) {
	if id.Vendor != offload.VendorNetronome && id.Vendor != offload.VendorCorigine {
		return Model{}, false
	}
	for _, m := range Models {
		if m.Device == id.Device {
			return m, true
		}
	}
	return Model{}, false
}
