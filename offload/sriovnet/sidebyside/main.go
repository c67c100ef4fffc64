// Command sidebyside calls every function of the offload/sriovnet drop-in
// and of github.com/k8snetworkplumbingwg/sriovnet v1.3.0 with the same
// inputs on the same host and prints where the answers differ. It is a
// separate module so that offloadkit does not depend on sriovnet.
// sriovnet only reads /sys, so run.sh builds a bundled offloadtest tree and
// bind-mounts it over /sys in a private mount namespace; both libraries
// then read the same tree (the drop-in's package functions open "/").
//
//	go run . -build DIR -tree cx5-switchdev   write the tree
//	go run . -compare                         compare on /sys
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"time"

	upstream "github.com/k8snetworkplumbingwg/sriovnet"

	"github.com/offloadkit/offloadkit/offload/offloadtest"
	ours "github.com/offloadkit/offloadkit/offload/sriovnet"
)

func main() {
	build := flag.String("build", "", "write the tree into `DIR`")
	tree := flag.String("tree", "cx5-switchdev", "bundled tree `NAME` for -build")
	compare := flag.Bool("compare", false, "compare both libraries on /sys")
	hang := flag.String("hang", "", "call sriovnet's GetPciFromNetDevice(`NETDEV`) on this host with a 2s deadline")
	flag.Parse()
	switch {
	case *build != "":
		spec, ok := offloadtest.ByName(*tree)
		if !ok {
			log.Fatalf("no tree %q", *tree)
		}
		if _, err := offloadtest.Build(*build, spec); err != nil {
			log.Fatal(err)
		}
	case *hang != "":
		fmt.Printf("sriovnet GetPciFromNetDevice(%s): %s\n", *hang, bounded(func() string { s, err := upstream.GetPciFromNetDevice(*hang); return answer(s, err) }))
		s, err := ours.GetPciFromNetDevice(*hang)
		fmt.Printf("offloadkit GetPciFromNetDevice(%s): %s (%v)\n", *hang, answer(s, err), err)
	case *compare:
		same, diff := run()
		fmt.Printf("%d calls agree, %d differ\n", same, diff)
	default:
		flag.Usage()
		os.Exit(2)
	}
}

// answer is a result reduced to what a caller branches on: the value, or
// that there was an error (messages differ by design).
func answer[T any](v T, err error) string {
	if err != nil {
		return "error"
	}
	return fmt.Sprint(v)
}

// bounded runs an upstream call with a deadline: sriovnet v1.3.0's
// GetPciFromNetDevice never returns for a netdev without a PCI device (it
// walks filepath.Dir of the relative symlink target until it reaches "/",
// which a relative path never does), so such calls report "hang" and their
// goroutine is abandoned.
func bounded(f func() string) string {
	c := make(chan string, 1)
	go func() { c <- f() }()
	select {
	case s := <-c:
		return s
	case <-time.After(2 * time.Second):
		return "hang"
	}
}

func names(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		log.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func run() (same, diff int) {
	// check compares one call; the upstream side runs bounded.
	check := func(call string, up func() string, us string) {
		u := bounded(up)
		if u == us {
			same++
			return
		}
		diff++
		fmt.Printf("%-52s sriovnet=%-16s offloadkit=%s\n", call, u, us)
	}
	pcis := names("/sys/bus/pci/devices")
	nets := names("/sys/class/net")
	for _, p := range pcis {
		check("GetNetDevicesFromPci("+p+")", func() string { v, err := upstream.GetNetDevicesFromPci(p); return answer(v, err) },
			answer(ours.GetNetDevicesFromPci(p)))
		check("GetUplinkRepresentor("+p+")", func() string { v, err := upstream.GetUplinkRepresentor(p); return answer(v, err) },
			answer(ours.GetUplinkRepresentor(p)))
		check("GetVfIndexByPciAddress("+p+")", func() string { v, err := upstream.GetVfIndexByPciAddress(p); return answer(v, err) },
			answer(ours.GetVfIndexByPciAddress(p)))
		check("GetPfPciFromVfPci("+p+")", func() string { v, err := upstream.GetPfPciFromVfPci(p); return answer(v, err) },
			answer(ours.GetPfPciFromVfPci(p)))
	}
	for _, n := range nets {
		check("GetPciFromNetDevice("+n+")", func() string { v, err := upstream.GetPciFromNetDevice(n); return answer(v, err) },
			answer(ours.GetPciFromNetDevice(n)))
		check("GetPortIndexFromRepresentor("+n+")", func() string { v, err := upstream.GetPortIndexFromRepresentor(n); return answer(v, err) },
			answer(ours.GetPortIndexFromRepresentor(n)))
		f2, e2 := ours.GetRepresentorPortFlavour(n)
		check("GetRepresentorPortFlavour("+n+")", func() string { v, err := upstream.GetRepresentorPortFlavour(n); return answer(uint16(v), err) },
			answer(uint16(f2), e2))
		for vf := 0; vf < 8; vf++ {
			check(fmt.Sprintf("GetVfRepresentor(%s, %d)", n, vf), func() string { v, err := upstream.GetVfRepresentor(n, vf); return answer(v, err) },
				answer(ours.GetVfRepresentor(n, vf)))
		}
	}
	for _, pf := range []string{"0", "1"} {
		for vf := 0; vf < 8; vf++ {
			v := fmt.Sprint(vf)
			check("GetVfRepresentorDPU("+pf+", "+v+")", func() string { s, err := upstream.GetVfRepresentorDPU(pf, v); return answer(s, err) },
				answer(ours.GetVfRepresentorDPU(pf, v)))
		}
	}
	return same, diff
}
