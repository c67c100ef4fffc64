package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/tc"
	"github.com/offloadkit/offloadkit/tc/tctest"
)

func runTC(ctx context.Context, e env, args []string) error {
	var c common
	var file, devs string
	var verbose bool
	fs := newFlags(e, "tc", "(-file RECORDING | -dev NETDEV[,NETDEV...] | [-root DIR]) [-filters] [-o json]")
	c.register(fs, true, 30*time.Second)
	fs.StringVar(&file, "file", "", "read a netlink `RECORDING` of a filter dump (testdata/tc/*.nl, written by hack/tc-bench/record.sh) instead of asking the kernel")
	fs.StringVar(&devs, "dev", "", "the `NETDEVS` to report, comma-separated (default: every VF representor of the host)")
	fs.BoolVar(&verbose, "filters", false, "table: list every filter, not only the totals")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	var reports []tc.Offload
	switch {
	case file != "":
		if devs != "" || c.tree != "" {
			return usagef("-file excludes -dev and -tree")
		}
		o, err := offloadFromRecording(file)
		if err != nil {
			return err
		}
		reports = append(reports, o)
	default:
		if c.tree != "" {
			return usagef("-tree hosts have no tc kernel: use -file RECORDING, or run on the host")
		}
		ctx, cancel := context.WithTimeout(ctx, c.timeout)
		defer cancel()
		names, err := tcDevices(ctx, c, devs)
		if err != nil {
			return err
		}
		cl, err := tc.Dial(tc.Config{})
		if err != nil {
			return err
		}
		defer cl.Close()
		for _, n := range names {
			o, err := cl.Offload(ctx, tc.Interface{Name: n})
			if err != nil {
				return err
			}
			reports = append(reports, o)
		}
	}
	if c.json() {
		if reports == nil {
			reports = []tc.Offload{}
		}
		return writeJSON(e.stdout, reports)
	}
	printTC(e.stdout, reports, verbose)
	return nil
}

// tcDevices is -dev, or every VF representor the host has.
func tcDevices(ctx context.Context, c common, devs string) ([]string, error) {
	if devs != "" {
		var out []string
		for _, d := range strings.Split(devs, ",") {
			if d = strings.TrimSpace(d); d != "" {
				out = append(out, d)
			}
		}
		return out, nil
	}
	h, done, err := c.openHost(nil)
	if err != nil {
		return nil, err
	}
	defer done()
	pfs, err := h.Discover(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, pf := range pfs {
		for _, r := range pf.Representors {
			if r.PortName.Flavour == offload.PortFlavourPCIVF {
				out = append(out, r.Netdev)
			}
		}
	}
	return out, nil
}

// offloadFromRecording decodes the filters the kernel sent in a recorded
// `tc -s filter show dev NAME ...` and reports them as Offload does live.
func offloadFromRecording(path string) (tc.Offload, error) {
	rec, err := tctest.ReadRecording(path)
	if err != nil {
		return tc.Offload{}, err
	}
	name, ifindex := "", 0
	if f := strings.Fields(rec.Command); len(f) > 0 {
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "dev" {
				name = f[i+1]
			}
		}
	}
	var filters []tc.Filter
	for _, m := range rec.ReceivedOfType(44) { // RTM_NEWTFILTER
		f, err := tc.DecodeFilter(m.Data)
		if err != nil {
			return tc.Offload{}, fmt.Errorf("%s: %w", path, err)
		}
		ifindex = f.Ifindex
		filters = append(filters, f)
	}
	if name == "" {
		name = fmt.Sprintf("ifindex %d", ifindex)
	}
	return tc.NewOffload(name, ifindex, filters), nil
}

func printTC(w io.Writer, reports []tc.Offload, verbose bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INTERFACE\tFILTERS\tIN_HW\tNOT_IN_HW\tSKIP_HW\tUNKNOWN\tHW_PACKETS\tHW_BYTES")
	for _, o := range reports {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", o.Interface, len(o.Filters), o.InHW, o.NotInHW, o.SkipHW, o.Unknown, o.HWPackets, o.HWBytes)
	}
	tw.Flush()
	if !verbose {
		return
	}
	for _, o := range reports {
		fmt.Fprintf(w, "\n%s:\n", o.Interface)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  PARENT\tCHAIN\tPREF\tHANDLE\tSTATE\tPACKETS\tHW_PACKETS\tMATCH\tACTIONS")
		for _, f := range o.Filters {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%#x\t%s\t%d\t%d\t%s\t%s\n", f.Parent, f.Chain, f.Priority, f.Handle, f.State, f.Packets, f.HWPackets, dash(f.Match), dash(f.Actions))
		}
		tw.Flush()
	}
}
