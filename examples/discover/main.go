// Command discover prints the SmartNIC PFs, VFs and representors of a host:
// the one it runs on (read-only), a sysfs tree copied elsewhere (-root DIR),
// or a bundled offloadtest tree (-tree NAME; -tree list lists them). The
// default output is a table; -json prints one JSON document.
//
//	go run ./examples/discover -tree cx5-switchdev
//	go run ./examples/discover -json
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

func main() {
	root := flag.String("root", "/", "read sysfs below `DIR` (DIR/sys)")
	tree := flag.String("tree", "", "use the bundled offloadtest tree `NAME` (\"list\" lists them)")
	asJSON := flag.Bool("json", false, "print JSON instead of a table")
	flag.Parse()
	if err := run(os.Stdout, *root, *tree, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "discover:", err)
		os.Exit(1)
	}
}

// vfOut is a VF with its representor, for output.
type vfOut struct {
	offload.VF
	Representor string `json:"representor,omitempty"`
}

type pfOut struct {
	offload.PF
	VFs []vfOut `json:"vfs"`
}

type output struct {
	Root string  `json:"root"`
	Tree string  `json:"tree,omitempty"`
	PFs  []pfOut `json:"pfs"`
}

func run(w io.Writer, root, tree string, asJSON bool) error {
	if tree == "list" {
		for _, n := range offloadtest.Names() {
			s, _ := offloadtest.ByName(n)
			fmt.Fprintf(w, "%-14s %s\n", n, s.Description)
		}
		return nil
	}
	var h *offload.Host
	var err error
	if tree != "" {
		spec, ok := offloadtest.ByName(tree)
		if !ok {
			return fmt.Errorf("no bundled tree %q; -tree list shows them", tree)
		}
		dir, err := os.MkdirTemp("", "offloadkit-"+tree)
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		tr, err := offloadtest.Build(dir, spec)
		if err != nil {
			return err
		}
		root = dir
		// The tree's fake kernel: sysfs semantics, rtnetlink VF state,
		// devlink (eswitch mode, ports) and ethtool features. err is this
		// block's own (the := above shadows the outer one): check it here.
		if h, err = tr.Open(); err != nil {
			return err
		}
	} else {
		h, err = offload.Open(offload.Config{Root: root})
	}
	if err != nil {
		return err
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pfs, err := h.Discover(ctx)
	if err != nil {
		return err
	}
	out := output{Root: root, Tree: tree, PFs: []pfOut{}}
	if tree != "" {
		out.Root = ""
	}
	for _, pf := range pfs {
		po := pfOut{PF: pf, VFs: []vfOut{}}
		for _, vf := range pf.VFs {
			vo := vfOut{VF: vf}
			for _, r := range pf.Representors {
				if r.PortName.Flavour == offload.PortFlavourPCIVF && r.PortName.Controller <= 0 && r.PortName.VF == vf.Index {
					vo.Representor = r.Netdev
				}
			}
			po.VFs = append(po.VFs, vo)
		}
		po.PF.VFs = nil
		out.PFs = append(out.PFs, po)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return printTable(w, out)
}

func printTable(w io.Writer, out output) error {
	if len(out.PFs) == 0 {
		where := "this host"
		if out.Tree != "" {
			where = "tree " + out.Tree
		} else if out.Root != "/" {
			where = out.Root
		}
		fmt.Fprintf(w, "No SR-IOV capable PCI functions found on %s (no sriov_totalvfs under sys/bus/pci/devices).\n", where)
		fmt.Fprintln(w, "On a machine without a SmartNIC this is expected; try -tree list for bundled example hosts.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "PF\tID\tDRIVER\tNUMA\tVFS\tESWITCH\tUPLINK\tSWITCH ID\tBOND")
	for _, pf := range out.PFs {
		up, _ := pf.Uplink()
		bond := "-"
		if pf.Bond != nil {
			bond = pf.Bond.Name + " (" + pf.Bond.Mode.String() + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d/%d\t%s\t%s\t%s\t%s\n", pf.Address, pf.ID, dash(pf.Driver), pf.NUMANode,
			pf.NumVFs, pf.TotalVFs, pf.ESwitchMode, dash(up.Name), dash(pf.SwitchID), bond)
	}
	tw.Flush()
	for _, pf := range out.PFs {
		fmt.Fprintf(w, "\n%s netdevs: %s\n", pf.Address, netdevList(pf.Netdevs))
		if len(pf.VFs) > 0 {
			tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "  VF\tINDEX\tID\tDRIVER\tNETDEV\tREPRESENTOR")
			for _, vf := range pf.VFs {
				fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\t%s\n", vf.Address, vf.Index, vf.ID, dash(vf.Driver), dash(vf.Netdev), dash(vf.Representor))
			}
			tw.Flush()
		}
		var other []string
		for _, r := range pf.Representors {
			if !(r.PortName.Flavour == offload.PortFlavourPCIVF && r.PortName.Controller <= 0) {
				other = append(other, fmt.Sprintf("%s (%s, %s)", r.Netdev, r.PortName, r.PortName.Flavour))
			}
		}
		if len(other) > 0 {
			fmt.Fprintf(w, "  other representors: %s\n", strings.Join(other, ", "))
		}
	}
	return nil
}

func netdevList(nds []offload.Netdev) string {
	if len(nds) == 0 {
		return "-"
	}
	var s []string
	for _, n := range nds {
		if n.PortName.Raw != "" {
			s = append(s, n.Name+" ("+n.PortName.Raw+")")
		} else {
			s = append(s, n.Name)
		}
	}
	return strings.Join(s, ", ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
