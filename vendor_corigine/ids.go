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

// models are the Agilio functions, the same IDs under the Netronome (19ee)
// and Corigine (1da8) vendor IDs.
var models = []Model{
	{Device: 0x3800, Name: "NFP-3800"},
	{Device: 0x4000, Name: "NFP-4000"},
	{Device: 0x5000, Name: "NFP-5000"},
	{Device: 0x6000, Name: "NFP-6000"},
	{Device: 0x3803, Name: "NFP-3800 Virtual Function", VF: true},
	{Device: 0x6003, Name: "NFP-6000 Virtual Function", VF: true},
}

// vendors are the PCI vendor IDs of Agilio cards.
var vendors = []offload.VendorID{offload.VendorNetronome, offload.VendorCorigine}

// Lookup returns the model of id, ok false when unknown.
func Lookup(id offload.PCIID) (Model, bool) {
	if id.Vendor != offload.VendorNetronome && id.Vendor != offload.VendorCorigine {
		return Model{}, false
	}
	for _, m := range models {
		if m.Device == id.Device {
			return m, true
		}
	}
	return Model{}, false
}

// Models returns the Agilio functions the backend knows (a copy).
func Models() []Model { return append([]Model(nil), models...) }

// Vendors returns the PCI vendor IDs of Agilio cards: Netronome and
// Corigine (a copy).
func Vendors() []offload.VendorID { return append([]offload.VendorID(nil), vendors...) }
