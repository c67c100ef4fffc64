// Package corigine is the offloadkit switchdev backend for Corigine and
// Netronome Agilio SmartNICs (PCI vendors 1da8 and 19ee, drivers nfp and
// nfp_netvf).
//
// On these cards the firmware decides the eswitch: with the flower
// firmware the eswitch is switchdev and refuses mode changes (EOPNOTSUPP),
// with the NIC firmware even the query fails. So the backend checks the
// mode and never sets it; what it plans is the VF count and hw-tc-offload.
// Selecting the flower firmware is the guide's agilio-tc-fw-select.sh:
// find the card's assembly (AMDAxxxx), point
// /lib/firmware/netronome/pci-<BDF>.nffw at flower/nic_<AMDAxxxx>.nffw
// (AMDA0081 uses the AMDA0097 image), and reload the nfp driver. PlanFirmware
// computes that; Selection.Apply creates the links only when called. With
// FirmwareOptions.Select, Backend.Plan turns the change into plan steps:
// the links (made and rolled back by Plan.Apply), then the guide's
// "initramfs section" and `rmmod nfp; modprobe nfp` as manual steps with
// their risk stated (switchdev.StepRebuildInitramfs,
// switchdev.StepReloadDriver). Nothing here ever runs a program or
// reloads a driver: library code executes nothing, and a reload takes
// away every nfp netdev and VF on the host, which is the operator's call.
// Apply stops at the manual steps (switchdev.ManualStepError) and goes
// past the reload only when devlink reports the flower eswitch.
//
// The assembly is read from what the kernel exposes: the PCI VPD
// (/sys/bus/pci/devices/<BDF>/vpd, its PN, SN and vendor fields) or the
// devlink info board.id an Options.BoardID function returns. The guide's
// `ethtool -W <dev> 0; ethtool -w <dev> data /dev/stdout | strings | grep
// ^SN:` dump is the manual fallback; its result can be passed as
// FirmwareOptions.Assembly.
//
// The PF vNIC has no phys_port_name, so the admin PF netdev is the one
// without it, and the uplink is the physical port representor ("p0").
package corigine
