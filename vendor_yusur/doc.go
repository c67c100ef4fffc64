// Package yusur is the offloadkit backend for YUSUR CONFLUX-2200E
// SmartNICs (PCI vendor 1f47). Its driver is not in mainline Linux and the
// card is driven by YUSUR's hados (Heterogeneous Agile Developing &
// Operating System) software: there is no kernel eswitch to switch, and VF
// representors are not kernel netdevs but OVS-DPDK ports, reached with
// devargs "<pf-pci>,representor=[N]". Kube-OVN names those ports
// "pf<N>vf<M>rep" (PortName).
//
// The guide's PF is 1f47:1001 with VFs 1f47:110f, while pci.ids names
// other IDs for the 2200E, so the backend matches the whole vendor and, as
// Kube-OVN does, recognises the card as a SmartNIC by
// /sys/bus/pci/devices/<pf>/hw/plat_name ending in "smart-nic".
//
// A plan only sets the VF count (the guide: echo 7 > sriov_numvfs). The
// hados prerequisite is checked without running anything: a process whose
// name starts with "hados", or one of Config.HadosPaths on disk. On a
// root with no /proc to look at (an offloadtest tree), the check says
// unknown rather than failing.
package yusur
