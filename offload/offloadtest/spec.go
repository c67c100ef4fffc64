package offloadtest

import (
	"fmt"
	"sort"

	"github.com/offloadkit/offloadkit/offload"
)

// Spec describes a fake host.
type Spec struct {
	Name        string
	Description string
	PFs         []PFSpec
	Bonds       []BondSpec
	// Netdevs are plain virtual interfaces (lo, a management eth0).
	Netdevs []string
}

// PFSpec describes one SR-IOV physical function and how its VFs and
// representors are named when the fake kernel creates them.
type PFSpec struct {
	Address  string // "0000:84:00.0"
	Vendor   offload.VendorID
	Device   offload.DeviceID
	VFDevice offload.DeviceID
	Driver   string // PF driver: "mlx5_core"
	VFDriver string // driver new VFs bind to when autoprobe is on; "" leaves them unbound
	NUMANode int
	TotalVFs int
	NumVFs   int // VFs present when the tree is built
	VFOffset int // SR-IOV First VF Offset
	VFStride int // SR-IOV VF Stride

	Netdev   string // the PF netdev ("enp132s0f0np0")
	PortName string // its phys_port_name, "" for none (nfp PF vNIC, YUSUR)
	SwitchID string // phys_switch_id in hex, "" for none; set in switchdev mode
	Mode     offload.ESwitchMode
	// BoardID is what `devlink dev info` reports as the fixed version
	// board.id ("AMDA0097-0001" on an Agilio CX); "" reports none.
	BoardID string

	// ExtraNetdevs hang off the PF device besides Netdev (nfp's physical
	// port representor "p0" next to the PF vNIC).
	ExtraNetdevs []NetdevSpec
	// VFNetdev is a fmt pattern for VF netdev names, with the VF index.
	VFNetdev string
	// RepNetdev and RepPortName are fmt patterns for VF representors, with
	// the VF index; representors exist only in switchdev mode.
	RepNetdev   string
	RepPortName string
	// FixedReps are representors that do not follow VF creation (a DPU's
	// host PF and host VF representors "c1pf0", "c1pf0vf0").
	FixedReps []NetdevSpec
	// Files are extra attribute files below the PF device directory
	// ("hw/plat_name" on YUSUR).
	Files map[string]string
	// SFs are subfunctions of the PF, each an auxiliary device below it.
	SFs []SFSpec
}

// SFSpec is an active subfunction as mlx5 lays it out in sysfs (kernel
// 5.12+, "net/mlx5: SF, Add auxiliary device driver", commit 1958fc2f0712):
// the auxiliary device <driver>.sf.<AuxIndex> below the PF device, linked
// from /sys/bus/auxiliary/devices, with its sfnum file, the SF's netdev in
// its net/ directory (the netdev's device link names the SF, not the PF),
// and the SF's own eth and rdma auxiliary devices nested below it.
type SFSpec struct {
	AuxIndex int    // N of mlx5_core.sf.N (the kernel's auxiliary device ID)
	SFNum    int    // the user's number: devlink port add ... sfnum 88
	Netdev   string // the SF's netdev ("enp3s0f0s88"), "" for none
}

// NetdevSpec is a netdev with a phys_port_name.
type NetdevSpec struct {
	Name     string
	PortName string
}

// BondSpec enslaves netdevs to a bond.
type BondSpec struct {
	Name   string
	Mode   string // as bonding/mode prints it: "802.3ad 4"
	Slaves []string
}

type builder func() Spec

// trees returns the bundled trees' builders by name: a function, not a
// package-level map, so no caller can change the set another one sees.
func trees() map[string]builder {
	return map[string]builder{
		"cx5-legacy":    CX5Legacy,
		"cx5-switchdev": CX5Switchdev,
		"cx5-bond":      CX5Bond,
		"bf2-dpu":       BlueField2DPU,
		"agilio-flower": AgilioFlower,
		"yusur-2200e":   Yusur2200E,
		"e810-ice":      E810,
		"large":         func() Spec { return Large(16, 256) },
	}
}

// Names lists the bundled trees.
func Names() []string {
	all := trees()
	n := make([]string, 0, len(all))
	for k := range all {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// ByName returns the bundled tree called name.
func ByName(name string) (Spec, bool) {
	b, ok := trees()[name]
	if !ok {
		return Spec{}, false
	}
	return b(), true
}

func cx5PF(fn int, numVFs int, mode offload.ESwitchMode) PFSpec {
	pf := PFSpec{
		Address: fmt.Sprintf("0000:84:00.%d", fn), Vendor: offload.VendorMellanox, Device: 0x1017, VFDevice: 0x1018,
		Driver: "mlx5_core", VFDriver: "mlx5_core", NUMANode: 1, TotalVFs: 127, NumVFs: numVFs,
		VFOffset: 2 + 3*fn, VFStride: 1,
		Netdev: fmt.Sprintf("enp132s0f%dnp%d", fn, fn), PortName: fmt.Sprintf("p%d", fn),
		VFNetdev: fmt.Sprintf("enp132s0f%dv%%d", fn), Mode: mode,
	}
	if mode == offload.ESwitchModeSwitchdev {
		// mlx5 derives phys_switch_id from the card-wide system image
		// GUID, so both ports of one card report the same ID.
		pf.SwitchID = "b8cef603000070d2"
		pf.RepNetdev = fmt.Sprintf("enp132s0f%dr%%d", fn)
		pf.RepPortName = fmt.Sprintf("pf%dvf%%d", fn)
	}
	return pf
}

// CX5Legacy is a dual-port ConnectX-5 (15b3:1017, mlx5_core) as in the
// Kube-OVN Mellanox guide, eswitch in legacy mode, 4 VFs bound on port 0.
func CX5Legacy() Spec {
	return Spec{
		Name:        "cx5-legacy",
		Description: "ConnectX-5 dual port, legacy eswitch, 4 VFs on port 0 (Kube-OVN Mellanox guide)",
		PFs:         []PFSpec{cx5PF(0, 4, offload.ESwitchModeLegacy), cx5PF(1, 0, offload.ESwitchModeLegacy)},
		Netdevs:     []string{"lo", "eno1"},
	}
}

// CX5Switchdev is the same ConnectX-5 after the guide: both ports in
// switchdev, 4 VFs each, representors pf0vf0..3 and pf1vf0..3.
func CX5Switchdev() Spec {
	return Spec{
		Name:        "cx5-switchdev",
		Description: "ConnectX-5 dual port in switchdev mode, 4 VFs and representors per port",
		PFs:         []PFSpec{cx5PF(0, 4, offload.ESwitchModeSwitchdev), cx5PF(1, 4, offload.ESwitchModeSwitchdev)},
		Netdevs:     []string{"lo", "eno1"},
	}
}

// CX5Bond is the ConnectX-5 pair enslaved to bond1 in 802.3ad mode, before
// the guide removes the bond.
func CX5Bond() Spec {
	s := CX5Legacy()
	s.Name = "cx5-bond"
	s.Description = "ConnectX-5 dual port, both PFs in bond1 (802.3ad), legacy eswitch, no VFs"
	s.PFs[0].NumVFs = 0
	s.Bonds = []BondSpec{{Name: "bond1", Mode: "802.3ad 4", Slaves: []string{"enp132s0f0np0", "enp132s0f1np1"}}}
	return s
}

// BlueField2DPU is the Arm side of a BlueField-2 DPU (15b3:a2d6): uplink p0,
// the host PF representor c1pf0 ("pf0hpf") and host VF representors
// c1pf0vf0..3, plus one local SF (sfnum 88, auxiliary device
// mlx5_core.sf.4, netdev enp3s0f0s88) and its representor pf0sf88: the SF
// of the kernel's mlx5 subfunction example, on this PF.
func BlueField2DPU() Spec {
	pf := PFSpec{
		Address: "0000:03:00.0", Vendor: offload.VendorMellanox, Device: 0xa2d6, VFDevice: 0x101e,
		Driver: "mlx5_core", VFDriver: "mlx5_core", NUMANode: -1, TotalVFs: 16, NumVFs: 0,
		VFOffset: 2, VFStride: 1, Netdev: "p0", PortName: "p0", SwitchID: "4cb9f3a2c0e1d7b5",
		Mode: offload.ESwitchModeSwitchdev, VFNetdev: "enp3s0f0v%d", RepNetdev: "pf0vf%d", RepPortName: "pf0vf%d",
		FixedReps: []NetdevSpec{{Name: "pf0hpf", PortName: "c1pf0"}, {Name: "en3f0pf0sf88", PortName: "pf0sf88"}},
		SFs:       []SFSpec{{AuxIndex: 4, SFNum: 88, Netdev: "enp3s0f0s88"}},
	}
	for i := 0; i < 4; i++ {
		pf.FixedReps = append(pf.FixedReps, NetdevSpec{Name: fmt.Sprintf("pf0vf%dhost", i), PortName: fmt.Sprintf("c1pf0vf%d", i)})
	}
	return Spec{Name: "bf2-dpu", Description: "BlueField-2 DPU, Arm side: uplink p0, host PF rep pf0hpf (c1pf0), host VF reps c1pf0vf0..3, SF rep pf0sf88",
		PFs: []PFSpec{pf}, Netdevs: []string{"lo", "oob_net0"}}
}

// AgilioFlower is a Corigine/Netronome Agilio CX (19ee:4000, nfp) running
// flower firmware: a PF vNIC with no phys_port_name, the physical port
// representor p0, and VF representors pf0vf0..3; VFs are 19ee:6003 on
// nfp_netvf.
func AgilioFlower() Spec {
	return Spec{Name: "agilio-flower", Description: "Corigine/Netronome Agilio CX with flower firmware, 4 VFs (Kube-OVN Corigine guide)",
		PFs: []PFSpec{{
			Address: "0000:af:00.0", Vendor: offload.VendorNetronome, Device: 0x4000, VFDevice: 0x6003,
			Driver: "nfp", VFDriver: "nfp_netvf", NUMANode: 1, TotalVFs: 65, NumVFs: 4, VFOffset: 8, VFStride: 1,
			Netdev: "ens47", SwitchID: "00154d1300000e48", Mode: offload.ESwitchModeSwitchdev,
			ExtraNetdevs: []NetdevSpec{{Name: "ens47np0", PortName: "p0"}},
			VFNetdev:     "ens47v%d", RepNetdev: "eth%d", RepPortName: "pf0vf%d",
		}},
		Netdevs: []string{"lo", "eno1"}}
}

// Yusur2200E is a YUSUR CONFLUX-2200E (1f47:1001, VFs 1f47:110f) as in the
// Kube-OVN YUSUR guide: 7 VFs on port 0, no kernel representors (OVS-DPDK
// reaches them through devargs). The driver names are placeholders: the
// driver is out of tree and the guide does not name it.
func Yusur2200E() Spec {
	pf := func(addr string, dev int, nd string, n int) PFSpec {
		return PFSpec{Address: addr, Vendor: offload.VendorYUSUR, Device: 0x1001, VFDevice: 0x110f,
			Driver: "yusur_nic", VFDriver: "yusur_nic", NUMANode: 0, TotalVFs: 256, NumVFs: n, VFOffset: 1, VFStride: 1,
			Netdev: nd, VFNetdev: nd + "v%d", Mode: offload.ESwitchModeUnknown,
			Files: map[string]string{"hw/plat_name": "conflux-2200e-smart-nic"}}
	}
	return Spec{Name: "yusur-2200e", Description: "YUSUR CONFLUX-2200E, 7 VFs on port 0, DPDK representors (Kube-OVN YUSUR guide)",
		PFs: []PFSpec{pf("0000:00:0a.0", 0xa, "p0", 7), pf("0000:00:0b.0", 0xb, "p1", 0)}, Netdevs: []string{"lo"}}
}

// E810 is an Intel E810 (8086:1592, ice) in legacy mode with no VFs; ice
// wants switchdev before VFs are created.
func E810() Spec {
	return Spec{Name: "e810-ice", Description: "Intel E810-C (ice), legacy eswitch, no VFs yet",
		PFs: []PFSpec{{Address: "0000:3b:00.0", Vendor: offload.VendorIntel, Device: 0x1592, VFDevice: 0x1889,
			Driver: "ice", VFDriver: "iavf", NUMANode: 0, TotalVFs: 256, VFOffset: 16, VFStride: 1,
			Netdev: "ens785f0", PortName: "p0", Mode: offload.ESwitchModeLegacy, VFNetdev: "ens785f0v%d",
			RepNetdev: "ens785f0r%d", RepPortName: "pf0vf%d"}},
		Netdevs: []string{"lo"}}
}

// Large is a benchmark host: pfs ConnectX-6 Dx PFs (15b3:101d) in switchdev
// with vfs VFs and representors each.
func Large(pfs, vfs int) Spec {
	s := Spec{Name: "large", Description: fmt.Sprintf("%d ConnectX-6 Dx PFs x %d VFs in switchdev (benchmarks)", pfs, vfs), Netdevs: []string{"lo"}}
	for i := 0; i < pfs; i++ {
		bus := 0x10 + 4*i
		s.PFs = append(s.PFs, PFSpec{
			Address: fmt.Sprintf("0000:%02x:00.0", bus), Vendor: offload.VendorMellanox, Device: 0x101d, VFDevice: 0x101e,
			Driver: "mlx5_core", VFDriver: "mlx5_core", NUMANode: i % 2, TotalVFs: vfs, NumVFs: vfs, VFOffset: 2, VFStride: 1,
			Netdev: fmt.Sprintf("enp%ds0f0np0", bus), PortName: "p0", SwitchID: fmt.Sprintf("1c34da0300%04x5e", i),
			Mode: offload.ESwitchModeSwitchdev, VFNetdev: fmt.Sprintf("enp%ds0f0v%%d", bus),
			RepNetdev: fmt.Sprintf("enp%ds0f0r%%d", bus), RepPortName: "pf0vf%d",
		})
	}
	return s
}
