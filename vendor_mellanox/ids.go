package mellanox

import "github.com/offloadkit/offloadkit/offload"

// Model is one Mellanox/NVIDIA PCI function the backend knows.
type Model struct {
	Device offload.DeviceID
	Name   string
	// VF is true for virtual functions.
	VF bool
	// VFDevice is the device ID of the PF's VFs (PFs only).
	VFDevice offload.DeviceID
	// ASAP2 is true for the models the guides list for OVS offload
	// (ConnectX-5 and later, BlueField): ConnectX-4 has switchdev but not
	// the full ASAP² offload.
	ASAP2 bool
}

// genericVF is the mlx5 "ConnectX Family mlx5Gen Virtual Function" that
// ConnectX-6 Dx and later (and BlueField-2/3) use.
const genericVF offload.DeviceID = 0x101e

// Models returns the PCI functions of vendor 15b3 the backend knows, from
// pci.ids; unknown 15b3 functions bound to mlx5_core are driven too. Each
// call builds a fresh slice, so there is no package-level table a caller
// could change (house rule: no package-level mutable state).
func Models() []Model {
	return []Model{
		{Device: 0x1013, Name: "ConnectX-4", VFDevice: 0x1014},
		{Device: 0x1014, Name: "ConnectX-4 Virtual Function", VF: true},
		{Device: 0x1015, Name: "ConnectX-4 Lx", VFDevice: 0x1016},
		{Device: 0x1016, Name: "ConnectX-4 Lx Virtual Function", VF: true},
		{Device: 0x1017, Name: "ConnectX-5", VFDevice: 0x1018, ASAP2: true},
		{Device: 0x1018, Name: "ConnectX-5 Virtual Function", VF: true, ASAP2: true},
		{Device: 0x1019, Name: "ConnectX-5 Ex", VFDevice: 0x101a, ASAP2: true},
		{Device: 0x101a, Name: "ConnectX-5 Ex Virtual Function", VF: true, ASAP2: true},
		{Device: 0x101b, Name: "ConnectX-6", VFDevice: 0x101c, ASAP2: true},
		{Device: 0x101c, Name: "ConnectX-6 Virtual Function", VF: true, ASAP2: true},
		{Device: 0x101d, Name: "ConnectX-6 Dx", VFDevice: genericVF, ASAP2: true},
		{Device: 0x101e, Name: "ConnectX Family mlx5Gen Virtual Function", VF: true, ASAP2: true},
		{Device: 0x101f, Name: "ConnectX-6 Lx", VFDevice: genericVF, ASAP2: true},
		{Device: 0x1021, Name: "ConnectX-7", VFDevice: genericVF, ASAP2: true},
		{Device: 0x1023, Name: "ConnectX-8", VFDevice: genericVF, ASAP2: true},
		{Device: 0xa2d2, Name: "BlueField integrated ConnectX-5", VFDevice: genericVF, ASAP2: true},
		{Device: 0xa2d6, Name: "BlueField-2 integrated ConnectX-6 Dx", VFDevice: genericVF, ASAP2: true},
		{Device: 0xa2dc, Name: "BlueField-3 integrated ConnectX-7", VFDevice: genericVF, ASAP2: true},
	}
}

// Lookup returns the model of device, ok false when unknown.
func Lookup(device offload.DeviceID) (Model, bool) {
	for _, m := range Models() {
		if m.Device == device {
			return m, true
		}
	}
	return Model{}, false
}
