// Package mellanox is the offloadkit switchdev backend for NVIDIA/Mellanox
// ConnectX-4 .. ConnectX-8 NICs and BlueField-2/3 DPUs (PCI vendor 15b3,
// driver mlx5_core). It encodes the order the Kube-OVN and Antrea guides
// follow by hand: take the PF out of any bond (or build a VF LAG), set the
// flow steering mode while the eswitch is legacy with no VFs, create the
// VFs in legacy mode, unbind them, switch the eswitch to switchdev, turn
// hw-tc-offload on, rebind the VFs.
//
// A VF LAG (switchdev.BondVFLAG) keeps the two ports' bond, or, with
// switchdev.Spec.BondName, forms one from two PFs in no bond, in the order
// mlx5 needs: both PFs in switchdev with their VFs unbound, both uplinks
// down, the bond created with its mode while down, both uplinks enslaved,
// uplinks and bond up, and only then the VFs rebound. Whether mlx5 then
// made the LAG active in hardware is only in debugfs (mlx5/<bdf>/lag/state
// and lag/type); the Doctor's "vf-lag-hw" check (Backend.StateChecks)
// reads them, and says unknown where the kernel exposes neither.
//
// Pass it to the switchdev engine explicitly; nothing registers itself:
//
//	eng := switchdev.New(h, switchdev.Config{Backends: []switchdev.Backend{mellanox.New()}})
//	plan, err := eng.Plan(ctx, pf, switchdev.Spec{NumVFs: 4, Mode: offload.ESwitchModeSwitchdev, HWTCOffload: true})
//
// The flow steering mode is set through the devlink parameter
// flow_steering_mode, or, where devlink lacks it, through the MLNX_OFED
// sysfs file compat/devlink/steering_mode (which only NVIDIA's out-of-tree
// driver has). smfs and hmfs cannot be chosen once the eswitch is in
// switchdev mode, so a change goes through legacy mode with no VFs.
//
// It reads and writes sysfs, devlink and ethtool through the Host: root is
// needed to apply plans, not to make them. Errors follow package offload.
package mellanox
