// Command sidebyside calls every function of the offload/sriovnet drop-in
// and of github.com/k8snetworkplumbingwg/sriovnet v1.3.0 with the same
// inputs on the same host and prints where the answers differ. It is a
// separate module so that offloadkit does not depend on sriovnet.
// sriovnet only reads /sys, so run.sh builds a bundled offloadtest tree and
// bind-mounts it over /sys in a private mount namespace; both libraries
// then read the same tree (the drop-in's package functions open "/").
// Before comparing, -build puts each tree in the state a node has with
// pods running (podState): VF 0 of every PF with VF netdevs has its netdev
// in a pod's namespace (an empty net/ on the host), VF 1 is bound to
// vfio-pci (a DPDK or KubeVirt pod), and every switchdev uplink p<N> has
// the smart_nic/pf/config file MLNX_OFED kernels expose on a DPU.
//
// Both libraries' devlink queries go to the running kernel, which knows
// nothing of the tree: sriovnet falls back to sysfs, as the drop-in does,
// and the netlinkops comparison compares what both say about this host.
//
//	go run . -build DIR -tree cx5-switchdev   write the tree
//	go run . -compare                         compare on /sys
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	upstream "github.com/k8snetworkplumbingwg/sriovnet"
	upnlops "github.com/k8snetworkplumbingwg/sriovnet/pkg/utils/netlinkops"

	"github.com/offloadkit/offloadkit/offload/offloadtest"
	ours "github.com/offloadkit/offloadkit/offload/sriovnet"
	ournlops "github.com/offloadkit/offloadkit/offload/sriovnet/pkg/utils/netlinkops"
)

func main() {
	build := flag.String("build", "", "write the tree into `DIR`")
	tree := flag.String("tree", "cx5-switchdev", "bundled tree `NAME` for -build")
	compare := flag.Bool("compare", false, "compare both libraries on /sys")
	verbose := flag.Bool("v", false, "with -compare, print the calls that agree too")
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
		if err := podState(*build, spec); err != nil {
			log.Fatal(err)
		}
	case *hang != "":
		fmt.Printf("sriovnet GetPciFromNetDevice(%s): %s\n", *hang, bounded(func() string { s, err := upstream.GetPciFromNetDevice(*hang); return answer(s, err) }))
		s, err := ours.GetPciFromNetDevice(*hang)
		fmt.Printf("offloadkit GetPciFromNetDevice(%s): %s (%v)\n", *hang, answer(s, err), err)
	case *compare:
		same, diff := run(*verbose)
		fmt.Printf("%d calls agree, %d differ\n", same, diff)
	default:
		flag.Usage()
		os.Exit(2)
	}
}

// answer is a result reduced to what a caller branches on: the value, or
// that there was an error (messages differ by design). Lists print with
// %#v, so an empty list and no list differ.
func answer[T any](v T, err error) string {
	if err != nil {
		return "error"
	}
	if l, ok := any(v).([]string); ok {
		return fmt.Sprintf("%#v", l)
	}
	return fmt.Sprint(v)
}

// podState puts the tree built in dir in the state of a node running pods
// (see the command doc).
func podState(dir string, spec offloadtest.Spec) error {
	for _, pf := range spec.PFs {
		if pf.NumVFs < 2 || pf.VFNetdev == "" || pf.VFDriver == "" {
			continue
		}
		vf := func(i int) (string, error) {
			l, err := os.Readlink(filepath.Join(dir, "sys/bus/pci/devices", pf.Address, fmt.Sprintf("virtfn%d", i)))
			return filepath.Base(l), err
		}
		vf0, err := vf(0)
		if err != nil {
			return err
		}
		vf1, err := vf(1)
		if err != nil {
			return err
		}
		// VF 0: its netdev moved into a pod; net/ stays, empty.
		if err := moveNetdevs(dir, vf0, false); err != nil {
			return err
		}
		// VF 1: unbound from its driver and bound to vfio-pci; no net/.
		if err := moveNetdevs(dir, vf1, true); err != nil {
			return err
		}
		drv := filepath.Join(dir, "sys/bus/pci/devices", vf1, "driver")
		if err := os.Remove(drv); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, "sys/bus/pci/drivers/vfio-pci"), 0o755); err != nil {
			return err
		}
		if err := os.Symlink("../../../bus/pci/drivers/vfio-pci", drv); err != nil {
			return err
		}
	}
	// MLNX_OFED's smart_nic config on switchdev uplinks, in the format
	// sriovnet's own tests use.
	nets, err := os.ReadDir(filepath.Join(dir, "sys/class/net"))
	if err != nil {
		return err
	}
	for i, e := range nets {
		nd := filepath.Join(dir, "sys/class/net", e.Name())
		ppn, err1 := os.ReadFile(filepath.Join(nd, "phys_port_name"))
		sw, err2 := os.ReadFile(filepath.Join(nd, "phys_switch_id"))
		if err1 != nil || err2 != nil || len(strings.TrimSpace(string(sw))) == 0 || !uplinkName.MatchString(strings.TrimSpace(string(ppn))) {
			continue
		}
		cfg := filepath.Join(nd, "smart_nic", "pf", "config")
		if err := os.MkdirAll(filepath.Dir(cfg), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(cfg, []byte(fmt.Sprintf("MAC        : 0c:42:a1:de:cf:%02x\nMaxTxRate  : 0\nState      : Follow\n", i)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

var uplinkName = regexp.MustCompile(`^p\d+$`)

// moveNetdevs removes the netdevs of PCI device addr from the host's
// view; with dir, their net/ directory too.
func moveNetdevs(root, addr string, dir bool) error {
	net := filepath.Join(root, "sys/bus/pci/devices", addr, "net")
	ents, err := os.ReadDir(net)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(net, e.Name())); err != nil {
			return err
		}
		if err := os.Remove(filepath.Join(root, "sys/class/net", e.Name())); err != nil {
			return err
		}
	}
	if dir {
		return os.Remove(net)
	}
	return nil
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
	if os.IsNotExist(err) {
		return nil
	}
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

// sfNums are the SF numbers asked for: none, and the bf2-dpu tree's.
var sfNums = []int{0, 88}

// portAnswer is what callers read of a devlink port.
func portAnswer(p *netlink.DevlinkPort) string {
	if p == nil {
		return "<nil>"
	}
	fn := "<nil>"
	if p.Fn != nil {
		fn = p.Fn.HwAddr.String()
	}
	return fmt.Sprintf("%s/%s/%d flavour %d netdev %s fn %s", p.BusName, p.DeviceName, p.PortIndex, p.PortFlavour, p.NetdeviceName, fn)
}

func run(verbose bool) (same, diff int) {
	// check compares one call; the upstream side runs bounded.
	check := func(call string, up func() string, us string) {
		u := bounded(up)
		if u == us {
			same++
			if verbose {
				fmt.Printf("%-52s both=%s\n", call, u)
			}
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
		check("GetPfIndexByVfPciAddress("+p+")", func() string { v, err := upstream.GetPfIndexByVfPciAddress(p); return answer(v, err) },
			answer(ours.GetPfIndexByVfPciAddress(p)))
		check("IsVfPciVfioBound("+p+")", func() string { return fmt.Sprint(upstream.IsVfPciVfioBound(p)) },
			fmt.Sprint(ours.IsVfPciVfioBound(p)))
		for _, sf := range sfNums {
			check(fmt.Sprintf("GetSfRepresentor(%s, %d)", p, sf), func() string { v, err := upstream.GetSfRepresentor(p, sf); return answer(v, err) },
				answer(ours.GetSfRepresentor(p, sf)))
		}
	}
	auxs := append(names("/sys/bus/auxiliary/devices"), "mlx5_core.sf.99")
	for _, a := range auxs {
		check("GetNetDevicesFromAux("+a+")", func() string { v, err := upstream.GetNetDevicesFromAux(a); return answer(v, err) },
			answer(ours.GetNetDevicesFromAux(a)))
		check("GetSfIndexByAuxDev("+a+")", func() string { v, err := upstream.GetSfIndexByAuxDev(a); return answer(v, err) },
			answer(ours.GetSfIndexByAuxDev(a)))
		check("GetPfPciFromAux("+a+")", func() string { v, err := upstream.GetPfPciFromAux(a); return answer(v, err) },
			answer(ours.GetPfPciFromAux(a)))
		check("GetUplinkRepresentorFromAux("+a+")", func() string { v, err := upstream.GetUplinkRepresentorFromAux(a); return answer(v, err) },
			answer(ours.GetUplinkRepresentorFromAux(a)))
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
		for _, sf := range sfNums {
			check(fmt.Sprintf("GetSfRepresentor(%s, %d)", n, sf), func() string { v, err := upstream.GetSfRepresentor(n, sf); return answer(v, err) },
				answer(ours.GetSfRepresentor(n, sf)))
		}
		check("GetRepresentorPeerMacAddress("+n+")", func() string { v, err := upstream.GetRepresentorPeerMacAddress(n); return answer(v.String(), err) },
			func() string { v, err := ours.GetRepresentorPeerMacAddress(n); return answer(v.String(), err) }())
		check("netlinkops DevLinkGetPortByNetdevName("+n+")", func() string {
			v, err := upnlops.GetNetlinkOps().DevLinkGetPortByNetdevName(n)
			return answer(portAnswer(v), err)
		}, func() string {
			v, err := ournlops.GetNetlinkOps().DevLinkGetPortByNetdevName(n)
			return answer(portAnswer(v), err)
		}())
	}
	for _, pf := range []string{"0", "1", "2"} {
		check("GetPfRepresentorDPU("+pf+")", func() string { v, err := upstream.GetPfRepresentorDPU(pf); return answer(v, err) },
			answer(ours.GetPfRepresentorDPU(pf)))
	}
	for _, pf := range []string{"0", "1"} {
		for _, v := range []string{"0", "1", "2", "3", "4", "5", "6", "7", "02", "+1"} {
			check("GetVfRepresentorDPU("+pf+", "+v+")", func() string { s, err := upstream.GetVfRepresentorDPU(pf, v); return answer(s, err) },
				answer(ours.GetVfRepresentorDPU(pf, v)))
		}
	}
	return same, diff
}
