// Command tcoffload shows, for network interfaces (typically switchdev
// representors and uplinks), every tc filter with where it runs — in
// hardware (in_hw), software only (not_in_hw), or software by request
// (skip_hw) — its in_hw_count, its hardware and total counters and the OVS
// flow id (UFID) from its action cookie: a summary of
// `tc -s filter show dev X ingress` for offload debugging.
//
//	tcoffload pf0vf0 pf0vf1
//	tcoffload -pf enp3s0f0                 # the PF and all its representors
//	tcoffload -json -netns pod1 eth0
//	tcoffload -flows dump.txt pf0vf0       # join `ovs-appctl dpctl/dump-flows -m` output
//	tcoffload -unixctl -pf enp3s0f0        # join the running ovs-vswitchd's flows
//
// With -flows FILE ("-" for stdin) or -unixctl, each OVS flow is listed with
// the tc filters carrying its UFID and whether any is in hardware, with a
// note where OVS and tc disagree.
//
// -json prints one object: {"interfaces": [...], "flows": {...}}.
// Each interface has interface, ifindex, filters, in_hw, not_in_hw,
// skip_hw, unknown, hw_packets, hw_bytes; each filter has interface,
// parent, chain, pref, handle, protocol, kind, state ("in_hw", "not_in_hw",
// "skip_hw", "unknown"), flags, in_hw_count (null when not reported),
// packets, bytes, hw_packets, hw_bytes, ufid (when OVS set it), match and
// actions. "flows" is present with -flows or -unixctl: flows (ufid,
// in_port, packets, bytes, offloaded, dp, filters, in_hw, listed, note), orphans
// (filters whose ufid no flow has), no_ufid, in_hw, tc_not_in_hw,
// no_filter, disagree and unlisted. The table lists only flows that came in
// on a listed interface or have a filter there; JSON has all.
//
// Reading needs no privilege, but the interfaces must be visible in the
// namespace (-netns needs CAP_SYS_ADMIN), and -unixctl needs access to the
// ovs-vswitchd control socket.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
	"github.com/offloadkit/offloadkit/tc"
	"github.com/offloadkit/offloadkit/tc/ovsjoin"
)

// config is the parsed command line.
type config struct {
	json    bool
	flows   string
	unixctl bool
	ctl     string
	pf      string
	root    string
	netns   string
	timeout time.Duration
	ifaces  []string
}

// reporter is what run needs from a tc client; *tc.Client has it.
type reporter interface {
	Offload(ctx context.Context, ifc tc.Interface) (tc.Offload, error)
}

// output is the -json document.
type output struct {
	Interfaces []tc.Offload    `json:"interfaces"`
	Flows      *ovsjoin.Report `json:"flows,omitempty"`
}

func main() {
	var c config
	flag.BoolVar(&c.json, "json", false, "print JSON instead of tables")
	flag.StringVar(&c.flows, "flows", "", "join the flows of a `FILE` holding `ovs-appctl dpctl/dump-flows -m` output (- for stdin)")
	flag.BoolVar(&c.unixctl, "unixctl", false, "join the flows of the running ovs-vswitchd (dpctl/dump-flows -m over its control socket)")
	flag.StringVar(&c.ctl, "ctl", "", "control socket `PATH` for -unixctl (default: from OVS_RUNDIR or /var/run/openvswitch and the pidfile)")
	flag.StringVar(&c.pf, "pf", "", "report the PF `NETDEV` and all its switchdev representors")
	flag.StringVar(&c.root, "root", "/", "sysfs root `DIR` for -pf (a directory holding sys/, for captured trees)")
	flag.StringVar(&c.netns, "netns", "", "work in the network namespace `NAME` (/run/netns/NAME)")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Second, "give up after this long")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: tcoffload [flags] [INTERFACE...]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	c.ifaces = flag.Args()
	if len(c.ifaces) == 0 && c.pf == "" {
		flag.Usage()
		os.Exit(2)
	}
	if c.flows != "" && c.unixctl {
		fmt.Fprintln(os.Stderr, "tcoffload: -flows and -unixctl exclude each other")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	w := bufio.NewWriter(os.Stdout)
	err := main1(ctx, w, c)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tcoffload:", err)
		os.Exit(1)
	}
}

// main1 opens the real sources and runs.
func main1(ctx context.Context, w io.Writer, c config) error {
	if c.pf != "" {
		reps, err := representors(ctx, c.root, c.pf)
		if err != nil {
			return err
		}
		c.ifaces = append(c.ifaces, reps...)
	}
	for _, name := range c.ifaces {
		if err := errs.ValidateIfName(name); err != nil {
			return err
		}
	}
	var cfg tc.Config
	if c.netns != "" {
		if strings.ContainsRune(c.netns, '/') || c.netns == "." || c.netns == ".." {
			return errs.Invalid("-netns", c.netns, "want a name under /run/netns")
		}
		f, err := os.Open(filepath.Join("/run/netns", c.netns))
		if err != nil {
			return err
		}
		defer f.Close()
		cfg.NetNS = int(f.Fd())
	}
	cl, err := tc.Dial(cfg)
	if err != nil {
		return err
	}
	defer cl.Close()
	var flows func() (*dpflow.FlowDump, error)
	switch {
	case c.flows == "-":
		flows = func() (*dpflow.FlowDump, error) { return dpflow.ReadDump(os.Stdin, dpflow.Options{}) }
	case c.flows != "":
		flows = func() (*dpflow.FlowDump, error) {
			f, err := os.Open(c.flows)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return dpflow.ReadDump(f, dpflow.Options{})
		}
	case c.unixctl:
		flows = unixctlFlows(ctx, c.ctl)
	}
	return run(ctx, w, c, cl, flows)
}

// unixctlFlows returns a loader of `dpctl/dump-flows -m` from the running
// ovs-vswitchd (ctl: its control socket, "" to find it from the pidfile).
func unixctlFlows(ctx context.Context, ctl string) func() (*dpflow.FlowDump, error) {
	return func() (*dpflow.FlowDump, error) {
		u, err := unixctl.Dial(ctx, unixctl.Config{Path: ctl})
		if err != nil {
			return nil, err
		}
		defer u.Close()
		return u.DumpFlows(ctx, unixctl.DumpOptions{More: true})
	}
}

// representors lists the PF netdev itself and its representors, read from
// the sysfs under root.
func representors(ctx context.Context, root, pf string) ([]string, error) {
	if err := errs.ValidateIfName(pf); err != nil {
		return nil, err
	}
	h, err := offload.Open(offload.Config{Root: root})
	if err != nil {
		return nil, err
	}
	defer h.Close()
	addr, err := h.PCIAddressOfNetdev(ctx, pf)
	if err != nil {
		return nil, err
	}
	reps, err := h.Devlink(offload.PCIDevice(addr)).Representors(ctx)
	if err != nil {
		return nil, err
	}
	names := []string{pf}
	for _, r := range reps {
		if r.Netdev != pf {
			names = append(names, r.Netdev)
		}
	}
	return names, nil
}

// run builds the reports and prints them. flows is nil without a join.
func run(ctx context.Context, w io.Writer, c config, src reporter, flows func() (*dpflow.FlowDump, error)) error {
	var out output
	out.Interfaces = []tc.Offload{}
	var errList []error
	for _, name := range c.ifaces {
		o, err := src.Offload(ctx, tc.Interface{Name: name})
		if err != nil {
			errList = append(errList, err)
			continue
		}
		out.Interfaces = append(out.Interfaces, o)
	}
	if flows != nil {
		d, err := flows()
		if err != nil {
			return err
		}
		r := ovsjoin.Join(out.Interfaces, d.Flows)
		out.Flows = &r
	}
	if c.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else if err := printTables(w, out); err != nil {
		return err
	}
	return errors.Join(errList...)
}

func printTables(w io.Writer, out output) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INTERFACE\tHOOK\tCHAIN\tPREF\tHANDLE\tSTATE\tIN_HW_COUNT\tPACKETS\tHW_PACKETS\tBYTES\tHW_BYTES\tUFID\tMATCH\tACTIONS")
	for _, o := range out.Interfaces {
		for _, f := range o.Filters {
			count := "-"
			if f.InHWCount != nil {
				count = fmt.Sprint(*f.InHWCount)
			}
			ufid := "-"
			if f.UFID != nil {
				ufid = f.UFID.String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t0x%x\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n",
				o.Interface, hook(f.Parent), f.Chain, f.Priority, f.Handle, f.State, count,
				f.Packets, f.HWPackets, f.Bytes, f.HWBytes, ufid, dash(f.Match), dash(f.Actions))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, o := range out.Interfaces {
		fmt.Fprintf(w, "%s: %d filters: %d in_hw, %d not_in_hw, %d skip_hw, %d unknown; hardware %d packets %d bytes\n",
			o.Interface, len(o.Filters), o.InHW, o.NotInHW, o.SkipHW, o.Unknown, o.HWPackets, o.HWBytes)
	}
	if out.Flows == nil {
		return nil
	}
	r := out.Flows
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "UFID\tIN_PORT\tOVS\tTC\tFILTERS\tPACKETS\tNOTE")
	for _, f := range r.Flows {
		if !f.Listed && len(f.Filters) == 0 {
			continue // from a port not asked about: counted as unlisted
		}
		ovs := f.DP
		if f.Offloaded != "" {
			ovs += " offloaded:" + f.Offloaded
		}
		state := "none"
		if len(f.Filters) > 0 {
			state = string(f.Filters[0].State)
			if f.InHW {
				state = string(tc.StateInHW)
			}
		}
		var fs []string
		for _, x := range f.Filters {
			fs = append(fs, fmt.Sprintf("%s:%d/0x%x(%s)", x.Interface, x.Priority, x.Handle, x.State))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", f.UFID, dash(f.InPort), dash(strings.TrimSpace(ovs)), state, dash(strings.Join(fs, " ")), f.Packets, f.Note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nflows: %d with ufid (%d in_hw, %d with filters not in_hw, %d from these interfaces without a filter, %d from other ports), %d without ufid, %d disagreements; %d orphan tc filters\n",
		len(r.Flows), r.InHW, r.TCNotInHW, r.NoFilter, r.Unlisted, r.NoUFID, r.Disagree, len(r.Orphans))
	return nil
}

func hook(h tc.Handle) string {
	switch h {
	case tc.ParentIngress:
		return "ingress"
	case tc.ParentEgress:
		return "egress"
	}
	return h.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
