package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// flowsOut is flows' JSON document.
type flowsOut struct {
	Source      string                     `json:"source"`
	Total       dpflow.Counters            `json:"total"`
	Offloaded   dpflow.Counters            `json:"offloaded"`
	ByPlacement map[string]dpflow.Counters `json:"by_placement"`
	Ports       []dpflow.PortSummary       `json:"ports"`
	Findings    []dpflow.Finding           `json:"findings"`
	Dropped     int                        `json:"findings_dropped,omitempty"`
	Hints       []string                   `json:"hints,omitempty"`
	Errors      []string                   `json:"errors,omitempty"`
}

func runFlows(ctx context.Context, e env, args []string) error {
	var c common
	var file, runDir, datapath string
	var findings int
	fs := newFlags(e, "flows", "[-file DUMP | -ovs-rundir DIR] [-datapath TYPE@NAME] [-o json]")
	c.register(fs, false, 30*time.Second)
	fs.StringVar(&file, "file", "", "read a captured `DUMP` (the output of ovs-appctl dpctl/dump-flows -m; - is stdin) instead of asking ovs-vswitchd")
	fs.StringVar(&runDir, "ovs-rundir", "", "ovs-vswitchd's run `DIR` (default: $OVS_RUNDIR or "+unixctl.DefaultRunDir+")")
	fs.StringVar(&datapath, "datapath", "", "live: the datapath `TYPE@NAME` (default: the only one)")
	fs.IntVar(&findings, "findings", 20, "list at most `N` flows that are not in hardware (0: all)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if file != "" && (runDir != "" || datapath != "") {
		return usagef("-file excludes -ovs-rundir and -datapath")
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var sc *dpflow.Scanner
	source := file
	switch {
	case file == "-":
		sc, source = dpflow.NewScanner(os.Stdin, dpflow.Options{}), "stdin"
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		sc = dpflow.NewScanner(f, dpflow.Options{})
	default:
		ux, err := unixctl.Dial(ctx, unixctl.Config{RunDir: runDir})
		if err != nil {
			return err
		}
		defer ux.Close()
		sc, err = ux.ScanFlows(ctx, unixctl.DumpOptions{More: true, Datapath: datapath})
		if err != nil {
			return err
		}
		source = "unixctl:" + ux.Path()
	}
	r := dpflow.NewReport()
	r.MaxFindings = findings
	out := flowsOut{Source: source, ByPlacement: map[string]dpflow.Counters{}}
	for f, err := range sc.All() {
		if err != nil {
			var pe *dpflow.ParseError
			if !errors.As(err, &pe) {
				return err
			}
			out.Errors = append(out.Errors, pe.Error())
			continue
		}
		r.Add(f)
	}
	out.Total, out.Offloaded = r.Total, r.Offloaded
	for _, p := range placementList() {
		if cnt := r.ByPlacement[p]; cnt.Flows > 0 {
			out.ByPlacement[p.String()] = cnt
		}
	}
	out.Ports, out.Findings, out.Dropped, out.Hints = r.Ports(), r.Findings, r.FindingsDropped, r.Hints()
	if out.Findings == nil {
		out.Findings = []dpflow.Finding{}
	}
	if c.json() {
		return writeJSON(e.stdout, out)
	}
	printFlows(e.stdout, out)
	return nil
}

func placementList() []dpflow.Placement {
	return []dpflow.Placement{dpflow.PlacementUnknown, dpflow.PlacementOVS, dpflow.PlacementTCSoftware,
		dpflow.PlacementHardware, dpflow.PlacementDPDKPartial, dpflow.PlacementDPDKFull}
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

func printFlows(w io.Writer, out flowsOut) {
	fmt.Fprintf(w, "Datapath flows from %s: %d flows, %d packets, %d bytes\n", out.Source, out.Total.Flows, out.Total.Packets, out.Total.Bytes)
	fl, pk, _ := dpflow.Share(out.Offloaded, out.Total)
	fmt.Fprintf(w, "In hardware: %d flows (%s), %d packets (%s)\n\n", out.Offloaded.Flows, pct(fl), out.Offloaded.Packets, pct(pk))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLACEMENT\tFLOWS\tPACKETS\tBYTES")
	for _, p := range placementList() {
		if cnt, ok := out.ByPlacement[p.String()]; ok {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", p, cnt.Flows, cnt.Packets, cnt.Bytes)
		}
	}
	tw.Flush()
	if len(out.Ports) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "IN_PORT\tFLOWS\tIN HARDWARE")
		for _, p := range out.Ports {
			fmt.Fprintf(tw, "%s\t%d\t%d\n", dash(p.InPort), p.Total.Flows, p.Offloaded.Flows)
		}
		tw.Flush()
	}
	if len(out.Findings) > 0 {
		fmt.Fprintln(w, "\nNot in hardware:")
		for _, f := range out.Findings {
			fmt.Fprintf(w, "  line %d in_port %s: %s (%s)\n", f.Line, dash(f.InPort), f.Reason.Explain(), dash(f.Detail))
		}
		if out.Dropped > 0 {
			fmt.Fprintf(w, "  ... and %d more\n", out.Dropped)
		}
	}
	for _, h := range out.Hints {
		fmt.Fprintf(w, "hint: %s\n", h)
	}
	if len(out.Errors) > 0 {
		fmt.Fprintf(w, "\n%d lines did not parse; first: %s\n", len(out.Errors), out.Errors[0])
	}
}
