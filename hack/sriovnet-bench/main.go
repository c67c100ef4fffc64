// Command sriovnet-bench times VF representor lookups by offloadkit and by
// sriovnet v1.3.0 on the same fake 16 PF x 256 VF host, for the side-by-side
// number in the README. It is a separate module so that the library does not
// depend on sriovnet. run.sh drives it: sriovnet only reads /sys, so the
// script bind-mounts the fake tree over /sys in a private mount namespace.
//
//	go run . -build DIR          write the tree
//	go run . -offloadkit DIR     time offloadkit on it
//	go run . -sriovnet           time sriovnet on /sys (the bind-mounted tree)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/k8snetworkplumbingwg/sriovnet"
	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

func main() {
	build := flag.String("build", "", "write a Large(16, 256) tree into `DIR`")
	ok := flag.String("offloadkit", "", "time offloadkit lookups on the tree in `DIR`")
	sn := flag.Bool("sriovnet", false, "time sriovnet lookups on /sys")
	n := flag.Int("n", 20000, "lookups to time")
	flag.Parse()
	spec := offloadtest.Large(16, 256)
	switch {
	case *build != "":
		if _, err := offloadtest.Build(*build, spec); err != nil {
			log.Fatal(err)
		}
	case *ok != "":
		h, err := offload.Open(offload.Config{Root: *ok})
		if err != nil {
			log.Fatal(err)
		}
		ctx := context.Background()
		// What a CNI does: PCI address of the VF in, representor out.
		vfs := make([]offload.PCIAddress, 0, *n)
		for _, pf := range spec.PFs {
			all, err := h.VFs(ctx, offload.MustParsePCIAddress(pf.Address))
			if err != nil {
				log.Fatal(err)
			}
			for _, v := range all {
				vfs = append(vfs, v.Address)
			}
		}
		for _, v := range vfs { // warm, as a long-running agent is
			if _, err := h.VFRepresentor(ctx, v); err != nil {
				log.Fatal(err)
			}
		}
		reads := h.FS().Reads()
		start := time.Now()
		for i := 0; i < *n; i++ {
			if _, err := h.VFRepresentor(ctx, vfs[i%len(vfs)]); err != nil {
				log.Fatal(err)
			}
		}
		el := time.Since(start)
		fmt.Printf("offloadkit VFRepresentor(vf PCI): %d lookups, %.1f us/lookup, %.1f sysfs reads/lookup\n",
			*n, float64(el.Microseconds())/float64(*n), float64(h.FS().Reads()-reads)/float64(*n))
	case *sn:
		start := time.Now()
		for i := 0; i < *n; i++ {
			pf := spec.PFs[i%len(spec.PFs)]
			if _, err := sriovnet.GetVfRepresentor(pf.Address, (i/len(spec.PFs))%256); err != nil {
				log.Fatal(err)
			}
		}
		el := time.Since(start)
		fmt.Printf("sriovnet GetVfRepresentor(pf PCI, index): %d lookups, %.1f us/lookup\n", *n, float64(el.Microseconds())/float64(*n))
	default:
		flag.Usage()
		os.Exit(2)
	}
}
