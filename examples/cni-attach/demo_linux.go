//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/vishvananda/netlink"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	"github.com/offloadkit/offloadkit/offload/podnet"
	"github.com/offloadkit/offloadkit/offload/podnet/podnettest"
)

// demo runs ADD and DEL once on the bundled tree, with veths standing in
// for the chosen VF and its representor.
func demo(w io.Writer, tree, vfAddr, ifName, containerID, mac string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("-tree needs root: it creates network namespaces and a veth pair")
	}
	spec, ok := offloadtest.ByName(tree)
	if !ok {
		return fmt.Errorf("no bundled tree %q (have %s)", tree, strings.Join(offloadtest.Names(), ", "))
	}
	dir, err := os.MkdirTemp("", "offloadkit-cni-"+tree)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tr, err := offloadtest.Build(dir, spec)
	if err != nil {
		return err
	}
	h, err := tr.Open()
	if err != nil {
		return err
	}
	defer h.Close()
	ctx := context.Background()
	vf, err := pickVF(ctx, h, vfAddr)
	if err != nil {
		return err
	}
	repName, repDesc := "", "none in the kernel (OVS-DPDK port)"
	if rep, err := h.VFRepresentor(ctx, vf.Address); err == nil {
		repName, repDesc = rep.Netdev, rep.Netdev
	}

	hostNS, delHost, err := podnettest.NewNetNS("cni-attach-host")
	if err != nil {
		return err
	}
	defer delHost()
	podNS, delPod, err := podnettest.NewNetNS("cni-attach-pod")
	if err != nil {
		return err
	}
	defer delPod()
	peer, err := podnettest.AddStandIn(hostNS, vf.Netdev, repName)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "tree %s: VF %s (index %d of %s), netdev %s, representor %s; veth %s/%s stands in, in %s; pod namespace %s\n\n",
		tree, vf.Address, vf.Index, vf.PF, vf.Netdev, repDesc, vf.Netdev, peer, hostNS, podNS)

	p := podnet.New(h, podnet.Config{HostNetNS: hostNS})
	conf := netConf{CNIVersion: "1.0.0", Name: "offload", Type: "cni-attach", DeviceID: vf.Address.String(), MAC: mac, IfaceID: "nginx.default"}
	env := cniEnv{Command: "ADD", ContainerID: containerID, NetNS: podNS, IfName: ifName}
	res, err := cniCall(ctx, p, nil, conf, env)
	if err != nil {
		return fmt.Errorf("ADD: %w", err)
	}
	fmt.Fprintln(w, "ADD result:")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
	if err := show(w, "host", hostNS); err != nil {
		return err
	}
	if err := show(w, "pod", podNS); err != nil {
		return err
	}
	env.Command = "CHECK"
	if _, err := cniCall(ctx, p, nil, conf, env); err != nil {
		return fmt.Errorf("CHECK: %w", err)
	}
	fmt.Fprintln(w, "CHECK: the host agrees with what ADD recorded.")
	// A late DEL from another container (its ADD never got this VF)
	// must change nothing.
	late := env
	late.Command, late.ContainerID = "DEL", "0ther0container0id"
	if _, err := cniCall(ctx, p, nil, conf, late); err != nil {
		return fmt.Errorf("DEL of another container: %w", err)
	}
	env.Command = "CHECK"
	if _, err := cniCall(ctx, p, nil, conf, env); err != nil {
		return fmt.Errorf("CHECK after another container's DEL: %w", err)
	}
	fmt.Fprintln(w, "DEL of another container: nothing changed, CHECK still passes.")
	env.Command = "DEL"
	for i := 0; i < 2; i++ { // runtimes repeat DELs
		if _, err := cniCall(ctx, p, nil, conf, env); err != nil {
			return fmt.Errorf("DEL #%d: %w", i+1, err)
		}
	}
	fmt.Fprintln(w, "\nDEL done (twice; the second found nothing to do).")
	if err := show(w, "host", hostNS); err != nil {
		return err
	}
	return show(w, "pod", podNS)
}

func pickVF(ctx context.Context, h *offload.Host, addr string) (*offload.VF, error) {
	if addr != "" {
		a, err := offload.ParsePCIAddress(addr)
		if err != nil {
			return nil, err
		}
		return h.VF(ctx, a)
	}
	pfs, err := h.Discover(ctx)
	if err != nil {
		return nil, err
	}
	for _, pf := range pfs {
		for _, v := range pf.VFs {
			if v.Netdev == "" {
				continue
			}
			if _, err := h.VFRepresentor(ctx, v.Address); err == nil || pf.ID.Vendor == offload.VendorYUSUR {
				return &v, nil
			}
		}
	}
	return nil, fmt.Errorf("the tree has no VF with a netdev and a representor (try cx5-switchdev, agilio-flower or yusur-2200e)")
}

func show(w io.Writer, what, nsPath string) error {
	return podnettest.InNS(nsPath, func(h *netlink.Handle) error {
		ls, err := h.LinkList()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s namespace:", what)
		for _, l := range ls {
			a := l.Attrs()
			if a.Name == "lo" {
				continue
			}
			s := " " + a.Name
			if a.Alias != "" {
				s += " (alias " + a.Alias + ")"
			}
			if a.Flags&net.FlagUp != 0 {
				s += " up"
			}
			fmt.Fprint(w, s)
		}
		fmt.Fprintln(w)
		return nil
	})
}
