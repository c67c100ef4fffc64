package offload_test

import (
	"context"
	"fmt"
	"os"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// fakeHost builds a bundled offloadtest tree in a temporary directory and
// opens a Host on it with the fake kernel (sysfs, rtnetlink, devlink,
// ethtool); a real program calls offload.Open(offload.Config{}) with no options instead.
func fakeHost(name string) (*offload.Host, func()) {
	dir, err := os.MkdirTemp("", "offloadkit-example")
	if err != nil {
		panic(err)
	}
	spec, _ := offloadtest.ByName(name)
	tr, err := offloadtest.Build(dir, spec)
	if err != nil {
		panic(err)
	}
	h, err := tr.Open()
	if err != nil {
		panic(err)
	}
	return h, func() { h.Close(); os.RemoveAll(dir) }
}

// Discover the Mellanox PFs of a host, as `lspci | grep 15b3` and
// `ls -l /sys/class/net | grep 84:00.0` do in the guides.
func ExampleHost_Discover() {
	h, done := fakeHost("cx5-switchdev")
	defer done()

	pfs, err := h.Discover(context.Background(), offload.Filter{Vendor: offload.VendorMellanox})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, pf := range pfs {
		up, _ := pf.Uplink()
		fmt.Printf("%s %s %s uplink=%s vfs=%d/%d reps=%d\n", pf.Address, pf.ID, pf.Driver, up.Name, pf.NumVFs, pf.TotalVFs, len(pf.Representors))
	}
	// Output:
	// 0000:84:00.0 15b3:1017 mlx5_core uplink=enp132s0f0np0 vfs=4/127 reps=4
	// 0000:84:00.1 15b3:1017 mlx5_core uplink=enp132s0f1np1 vfs=4/127 reps=4
}

// Create VFs within sriov_totalvfs. Going from 4 to 8 VFs writes 0 first,
// because the kernel refuses a change between two non-zero counts.
func ExampleHost_SetNumVFs() {
	h, done := fakeHost("cx5-legacy")
	defer done()
	ctx := context.Background()
	pf := offload.MustParsePCIAddress("0000:84:00.0")

	total, _ := h.TotalVFs(ctx, pf)
	if err := h.SetNumVFs(ctx, pf, 8); err != nil {
		fmt.Println(err)
		return
	}
	vfs, _ := h.VFs(ctx, pf)
	fmt.Printf("%d of %d VFs; VF 7 is %s (%s)\n", len(vfs), total, vfs[7].Address, vfs[7].Netdev)

	err := h.SetNumVFs(ctx, pf, 200)
	fmt.Println(err)
	// Output:
	// 8 of 127 VFs; VF 7 is 0000:84:01.1 (enp132s0f0v7)
	// set sriov_numvfs 0000:84:00.0: invalid argument: 200 VFs requested, sriov_totalvfs is 127
}

// Resolve the representor of a VF: what a CNI plugs into OVS.
func ExampleHost_VFRepresentor() {
	h, done := fakeHost("cx5-switchdev")
	defer done()
	ctx := context.Background()

	rep, err := h.VFRepresentor(ctx, offload.MustParsePCIAddress("0000:84:00.3"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Netdev, rep.PortName, rep.PortName.Flavour, "VF", rep.PortName.VF, "of", rep.PF)
	// Output:
	// enp132s0f0r1 pf0vf1 pcivf VF 1 of 0000:84:00.0
}
