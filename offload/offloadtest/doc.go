// Package offloadtest builds fake SmartNIC hosts for tests, in the spirit of
// net/http/httptest: a realistic sysfs tree written into a directory, and a
// fake kernel behind it that answers writes the way Linux does (writing
// sriov_numvfs creates VF devices, links, netdevs and, in switchdev mode,
// representors; N->M with both non-zero is EBUSY; above sriov_totalvfs is
// ERANGE; unbind removes the driver link and the VF netdev).
//
// The bundled trees (Names lists them) model a ConnectX-5 in legacy and in
// switchdev mode, a BlueField-2 DPU, a Corigine/Netronome Agilio in flower
// mode, a YUSUR CONFLUX-2200E, an Intel E810, a bonded ConnectX-5 pair and a
// large 16 PF x 256 VF host for benchmarks. They are kept in
// testdata/trees/*.txtar at the repository root as well, so they can be read
// and diffed; a test keeps the two in step.
//
// Consumers use it in their own tests:
//
//	tree := offloadtest.New(t, offloadtest.CX5Switchdev())
//	host := tree.Host(t)
//	rep, err := host.VFRepresentor(ctx, offload.MustParsePCIAddress("0000:84:00.3"))
//
// Tree.Open and Tree.Host also give the Host fake devlink, ethtool and
// rtnetlink connections that answer consistently with the tree: the eswitch
// mode, a devlink port per representor with its flavour and numbers,
// devlink params per PF, hw-tc-offload per netdev, VF MAC/VLAN/trust/spoofchk
// per VF; switching the eswitch mode creates or removes the representor
// netdevs in the tree.
//
// Faults can be injected per path (FailWrite, HangWrite, FailRead), per
// devlink command (FailDevlink) and per feature (FixFeature) to test error
// and rollback paths. Everything lives in the Tree value; trees are
// independent and safe to use from parallel tests. The fake kernel also
// answers bonding/slaves and bonding/mode writes as the bonding driver
// does (a mode change needs the bond down and without slaves: EBUSY,
// ENOTEMPTY), its rtnetlink answers admin up/down (IFF_UP) per netdev, and
// one-shot faults (FailWriteOnce, FailWriteNth, FailDevlinkNth,
// FailFeaturesSetNth, FailSetLinkNth) fail only the n-th request, so the
// rollback that repeats it succeeds.
package offloadtest
