package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/offloadkit/offloadkit/offload"
)

// vfOut is a VF with its representor, for output.
type vfOut struct {
	offload.VF
	Representor string `json:"representor,omitempty"`
}

type pfOut struct {
	offload.PF
	VFs []vfOut `json:"vfs"`
}

type discoverOut struct {
	Root string  `json:"root,omitempty"`
	Tree string  `json:"tree,omitempty"`
	PFs  []pfOut `json:"pfs"`
}

func runDiscover(ctx context.Context, e env, args []string) error {
	var c common
	fs := newFlags(e, "discover", "[-tree NAME | -root DIR] [-o json]")
	c.register(fs, true, 30*time.Second)
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if c.listTrees(e.stdout) {
		return nil
	}
	h, done, err := c.openHost(nil)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	pfs, err := h.Discover(ctx)
	if err != nil {
		return err
	}
	out := discoverOut{Root: c.root, Tree: c.tree, PFs: []pfOut{}}
	if c.tree != "" {
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
	if c.json() {
		return writeJSON(e.stdout, out)
	}
	return printDiscover(e.stdout, out)
}

func printDiscover(w io.Writer, out discoverOut) error {
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
		if len(pf.VFs) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s VFs:\n", pf.Address)
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "  VF\tINDEX\tDRIVER\tNETDEV\tREPRESENTOR")
		for _, vf := range pf.VFs {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\n", vf.Address, vf.Index, dash(vf.Driver), dash(vf.Netdev), dash(vf.Representor))
		}
		tw.Flush()
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
