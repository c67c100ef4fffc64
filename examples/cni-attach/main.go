// Command cni-attach is a minimal CNI-style plugin around offload/podnet:
// ADD moves a VF into the pod's network namespace (configured, renamed,
// its representor renamed after the container) and prints a CNI result
// naming the representor to add to OVS; DEL gives back what that
// container's ADD changed, and nothing for a container that no longer owns
// the VF; CHECK compares the host with what ADD recorded.
//
// As a CNI plugin (CNI_COMMAND set) it reads the network configuration
// from stdin, with the VF's PCI address in "deviceID" as Multus passes it
// from the SR-IOV device plugin, and optional "mac", "vlan", "trust",
// "spoofchk", "ifaceID", and "bridge" (with "ovsdb", an OVSDB endpoint) to
// add the representor to OVS with external_ids:iface-id; it works on the
// host it runs on, or on a sysfs tree copied elsewhere (-root DIR):
//
//	CNI_COMMAND=ADD CNI_CONTAINERID=d85b161b6840... CNI_NETNS=/var/run/netns/pod1 \
//	CNI_IFNAME=eth0 cni-attach < conf.json
//
// With -tree NAME it runs ADD then DEL once on a bundled offloadtest host:
// the VF and representor come from the tree's fake sysfs, and, since a
// fake has no kernel links, a veth pair named after them stands in inside
// a private "host" network namespace, next to a "pod" namespace. This needs
// root (it creates namespaces and links); it changes nothing outside them.
//
//	sudo go run ./examples/cni-attach -tree cx5-switchdev -vf 0000:84:00.3
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/podnet"
	"github.com/offloadkit/offloadkit/ovs/ovsdb"
)

// netConf is the part of the CNI network configuration this plugin reads.
type netConf struct {
	CNIVersion string `json:"cniVersion"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	DeviceID   string `json:"deviceID"`
	MAC        string `json:"mac,omitempty"`
	VLAN       *int   `json:"vlan,omitempty"`
	Trust      *bool  `json:"trust,omitempty"`
	SpoofChk   *bool  `json:"spoofchk,omitempty"`
	IfaceID    string `json:"ifaceID,omitempty"`
	// Bridge, when set, is the OVS integration bridge ("br-int") the
	// representor is added to on ADD and removed from on DEL, through
	// OVSDB at OVSDB (default: the local ovsdb-server's socket).
	Bridge string `json:"bridge,omitempty"`
	OVSDB  string `json:"ovsdb,omitempty"`
}

// cniEnv is the CNI_* environment of one call.
type cniEnv struct {
	Command, ContainerID, NetNS, IfName string
}

type cniInterface struct {
	Name    string `json:"name"`
	MAC     string `json:"mac,omitempty"`
	Sandbox string `json:"sandbox,omitempty"`
}

// cniResult is a CNI ADD result, plus the OVS port under a key of our own
// so a caller can add it to the integration bridge.
type cniResult struct {
	CNIVersion string         `json:"cniVersion"`
	Interfaces []cniInterface `json:"interfaces"`
	OVSPort    podnet.OVSPort `json:"ovsPort"`
}

type cniError struct {
	CNIVersion string `json:"cniVersion"`
	Code       int    `json:"code"`
	Msg        string `json:"msg"`
	Details    string `json:"details,omitempty"`
}

func main() {
	root := flag.String("root", "/", "read sysfs below `DIR` (DIR/sys)")
	tree := flag.String("tree", "", "run ADD and DEL once on the bundled offloadtest tree `NAME` (needs root)")
	vf := flag.String("vf", "", "with -tree: the VF's PCI `address` (default: the first VF of a switchdev PF)")
	ifName := flag.String("ifname", "eth0", "with -tree: the interface `name` in the pod")
	containerID := flag.String("container-id", "d85b161b6840aaf3e9d2b7c1f0e4a5b6", "with -tree: the container `ID`")
	mac := flag.String("mac", "0a:c9:1c:70:01:09", "with -tree: the `MAC` to give the VF through its PF (\"\" leaves it)")
	flag.Parse()
	if cmd := os.Getenv("CNI_COMMAND"); cmd != "" && *tree == "" {
		env := cniEnv{Command: cmd, ContainerID: os.Getenv("CNI_CONTAINERID"), NetNS: os.Getenv("CNI_NETNS"), IfName: os.Getenv("CNI_IFNAME")}
		os.Exit(cniMain(os.Stdin, os.Stdout, *root, env))
	}
	if *tree == "" {
		fmt.Fprintln(os.Stderr, "cni-attach: set CNI_COMMAND (run as a CNI plugin) or -tree NAME (run ADD and DEL on a bundled host)")
		os.Exit(2)
	}
	if err := demo(os.Stdout, *tree, *vf, *ifName, *containerID, *mac); err != nil {
		fmt.Fprintln(os.Stderr, "cni-attach:", err)
		os.Exit(1)
	}
}

// cniMain runs one CNI call against the host at root and returns the exit
// status, having written the result or the CNI error to w.
func cniMain(r io.Reader, w io.Writer, root string, env cniEnv) int {
	var conf netConf
	fail := func(code int, err error) int {
		v := conf.CNIVersion
		if v == "" {
			v = "1.0.0"
		}
		_ = json.NewEncoder(w).Encode(cniError{CNIVersion: v, Code: code, Msg: err.Error()})
		return 1
	}
	if env.Command == "VERSION" {
		_, _ = fmt.Fprintln(w, `{"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0"]}`)
		return 0
	}
	if err := json.NewDecoder(r).Decode(&conf); err != nil {
		return fail(6, fmt.Errorf("decode network configuration: %w", err))
	}
	h, err := offload.Open(offload.Config{Root: root})
	if err != nil {
		return fail(5, err)
	}
	defer h.Close()
	var db *ovsdb.Client
	if conf.Bridge != "" {
		ep := conf.OVSDB
		if ep == "" {
			ep = ovsdb.DefaultEndpoint()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		db, err = ovsdb.Connect(ctx, ovsdb.Config{Endpoint: ep})
		cancel()
		if err != nil {
			return fail(100, err)
		}
		defer db.Close()
	}
	res, err := cniCall(context.Background(), podnet.New(h, podnet.Config{}), db, conf, env)
	if err != nil {
		code := 100
		switch {
		case errors.Is(err, errs.ErrInvalidArgument):
			code = 7 // invalid network config
		case errors.Is(err, errs.ErrBusy):
			code = 11 // try again later
		}
		return fail(code, err)
	}
	if res != nil {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	}
	return 0
}

// cniCall runs ADD, DEL or CHECK with the Plumber p; with conf.Bridge set,
// db adds and removes the OVS port.
func cniCall(ctx context.Context, p *podnet.Plumber, db *ovsdb.Client, conf netConf, env cniEnv) (*cniResult, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	vf, err := offload.ParsePCIAddress(conf.DeviceID)
	if err != nil {
		return nil, fmt.Errorf("deviceID: %w", err)
	}
	c := podnet.Container{ID: env.ContainerID, IfName: env.IfName}
	switch env.Command {
	case "ADD":
		opts := podnet.AttachOptions{VLAN: conf.VLAN, Trust: conf.Trust, SpoofChk: conf.SpoofChk, IfaceID: conf.IfaceID}
		if conf.MAC != "" {
			if opts.MAC, err = net.ParseMAC(conf.MAC); err != nil {
				return nil, fmt.Errorf("mac %q: %w: %w", conf.MAC, errs.ErrInvalidArgument, err)
			}
		}
		a, err := p.AttachVF(ctx, vf, c, env.NetNS, opts)
		if err != nil {
			return nil, err
		}
		if conf.Bridge != "" {
			if err := a.AddToBridge(ctx, db, conf.Bridge); err != nil {
				// Give the VF back: a pod without its port is no use.
				return nil, errors.Join(err, p.DetachVF(context.WithoutCancel(ctx), vf, c, env.NetNS))
			}
		}
		res := &cniResult{CNIVersion: conf.CNIVersion, OVSPort: a.Port}
		if a.Representor != nil {
			res.Interfaces = append(res.Interfaces, cniInterface{Name: a.Representor.Netdev})
		}
		res.Interfaces = append(res.Interfaces, cniInterface{Name: env.IfName, MAC: conf.MAC, Sandbox: env.NetNS})
		return res, nil
	case "DEL":
		// The port is named after this container (RepresentorName), so
		// removing it never touches another pod's port, even on a late
		// DEL; DetachVF acts only if this container still owns the VF.
		if conf.Bridge != "" {
			name, err := podnet.RepresentorName(env.ContainerID, env.IfName)
			if err != nil {
				return nil, err
			}
			if err := db.DelPort(ctx, conf.Bridge, name); err != nil && !errors.Is(err, errs.ErrNotFound) {
				return nil, err
			}
		}
		return nil, p.DetachVF(ctx, vf, c, env.NetNS)
	case "CHECK":
		// The VF, its settings and representor as ADD left them, owned by
		// this container; and the OVS port when a bridge is configured.
		if err := p.CheckVF(ctx, vf, c, env.NetNS); err != nil {
			return nil, err
		}
		if conf.Bridge != "" {
			name, err := podnet.RepresentorName(env.ContainerID, env.IfName)
			if err != nil {
				return nil, err
			}
			if _, err := db.Interface(ctx, name); err != nil {
				return nil, fmt.Errorf("OVS port %s on %s: %w", name, conf.Bridge, err)
			}
		}
		return nil, nil
	}
	return nil, fmt.Errorf("%w: CNI_COMMAND %q", errs.ErrNotSupported, env.Command)
}
