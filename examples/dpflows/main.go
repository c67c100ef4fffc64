// Command dpflows reads an Open vSwitch datapath flow dump (the output of
// `ovs-appctl dpctl/dump-flows -m`) from stdin, a file, or a live
// ovs-vswitchd over its unixctl socket, and prints the offload
// verification report as a table (default) or one JSON object per flow.
//
//	ovs-appctl dpctl/dump-flows -m | dpflows
//	dpflows -json testdata/ovs/yusur-offloaded.txt
//	dpflows -unixctl -type offloaded          # needs access to the socket
//	dpflows -unixctl -ctl /run/openvswitch/ovs-vswitchd.1234.ctl
//	dpflows -type offloaded dump.txt          # a dump taken with type=offloaded
//	dpflows -kernel                           # from the kernel, without ovs-vswitchd
//
// -type says what the dump holds: with -unixctl it is the type= filter
// passed to OVS; for a FILE or stdin it says which filter the dump was
// taken with, so a dump without -m (no offloaded:/dp: fields) is still
// placed: every flow of a type=offloaded dump is in hardware.
//
// Exit status: 0 the report was printed; 1 the input could not be read,
// no line of a non-empty input is a flow ("0 of N lines are flows"),
// -unixctl failed or timed out (the message names the -timeout that
// expired), or -strict and a line did not parse; 2 a bad flag (an unknown
// -type, a -timeout that is not positive).
//
// Each JSON object has: line (1-based input line), ufid (if any), match
// (attribute name to its text inside the parentheses, in input order),
// in_port, packets, bytes, used (seconds, null for never), tcp_flags,
// offloaded ("yes", "partial" or ""), dp, actions ([{name, text}]) and
// outputs (the output ports of the top-level actions, as printed), and,
// only for lines with info fields OVS upstream does not print, extra (those
// fields in input order, their text as printed: the YUSUR build's
// offload_packets and offload_bytes). A line that does not parse prints {"line": N, "error": "..."}; with -strict the
// program then exits with status 1.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// config is the parsed command line.
type config struct {
	json     bool
	strict   bool
	unixctl  bool
	kernel   bool
	ctl      string
	verbose  bool
	dumpType string
	timeout  time.Duration
	findings int
	file     string
}

// errLines is returned when -strict and some lines did not parse.
var errLines = errors.New("some lines did not parse")

func main() {
	var c config
	flag.BoolVar(&c.json, "json", false, "print one JSON object per flow instead of the report")
	flag.BoolVar(&c.strict, "strict", false, "strict parsing; exit 1 if any line does not parse")
	flag.BoolVar(&c.unixctl, "unixctl", false, "dump the flows of the running ovs-vswitchd over its control socket")
	flag.BoolVar(&c.kernel, "kernel", false, "read the flows of the OVS kernel datapath from the kernel (ovs_flow netlink family), without ovs-vswitchd; needs the openvswitch module")
	flag.StringVar(&c.ctl, "ctl", "", "control socket `PATH` for -unixctl (default: from OVS_RUNDIR or /var/run/openvswitch and the pidfile)")
	flag.BoolVar(&c.verbose, "m", true, "with -unixctl, ask for -m output (ufid, offloaded, dp)")
	flag.StringVar(&c.dumpType, "type", "", "the dump-flows type= filter (offloaded, non-offloaded, partially-offloaded, ovs, tc, dpdk, all; comma separated): with -unixctl passed to OVS, for a FILE the filter it was taken with")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Second, "with -unixctl, how long to wait for the dump (positive)")
	flag.IntVar(&c.findings, "findings", 50, "list at most `N` flows that are not offloaded in the report (0: all)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: dpflows [flags] [FILE]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := c.check(); err != nil {
		fmt.Fprintln(os.Stderr, "dpflows:", err)
		flag.Usage()
		os.Exit(2)
	}
	c.file = flag.Arg(0)
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	err := run(context.Background(), w, os.Stdin, c)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dpflows:", err)
		os.Exit(1)
	}
}

// check refuses flag values no run could use: they are usage errors
// (exit 2), not failures of a run.
func (c config) check() error {
	if c.timeout <= 0 {
		return fmt.Errorf("-timeout %v: want a positive duration", c.timeout)
	}
	if _, err := dpflow.ParseDumpType(c.dumpType); err != nil {
		return fmt.Errorf("-type: %w", err)
	}
	return nil
}

// errNotADump is returned when no line of a non-empty input is a flow.
var errNotADump = errors.New("not a datapath flow dump")

// run reads the dump c names and writes the JSON lines or the report.
func run(ctx context.Context, w io.Writer, stdin io.Reader, c config) error {
	opts := dpflow.Options{Strict: c.strict}
	if c.dumpType != "" {
		t, err := dpflow.ParseDumpType(c.dumpType)
		if err != nil {
			return fmt.Errorf("-type: %w", err)
		}
		opts.Type = t
	}
	var sc *dpflow.Scanner
	source := "stdin"
	switch {
	case c.kernel:
		return runKernel(ctx, w, c)
	case c.unixctl:
		if c.file != "" {
			return errors.New("-unixctl and a FILE argument exclude each other")
		}
		s, src, err := dumpLive(ctx, c)
		if err != nil {
			return err
		}
		sc, source = s, src
	case c.file != "" && c.file != "-":
		f, err := os.Open(c.file)
		if err != nil {
			return err
		}
		defer f.Close()
		sc, source = dpflow.NewScanner(f, opts), c.file
	default:
		sc = dpflow.NewScanner(stdin, opts)
	}
	var err error
	if c.json {
		err = writeJSON(w, sc)
	} else {
		err = writeReport(w, sc, source, c)
	}
	if err != nil {
		return err
	}
	return notADump(sc, source)
}

// notADump returns an error when the input had lines but none of them was
// a flow: a file that is not a dump, not an empty one. Blank lines,
// comments and "flow-dump from" headers alone are an empty dump.
func notADump(sc *dpflow.Scanner, source string) error {
	n := sc.Counts()
	if n.Flows > 0 || n.Other+n.Errors == 0 {
		return nil
	}
	return fmt.Errorf("%s: 0 of %d lines are flows (%d did not parse, %d are other text): %w",
		source, n.Lines, n.Errors, n.Other, errNotADump)
}

// writeJSON prints one object per flow or bad line.
func writeJSON(w io.Writer, sc *dpflow.Scanner) error {
	buf := make([]byte, 0, 4096)
	bad := 0
	for f, err := range sc.All() {
		buf = buf[:0]
		if err != nil {
			var pe *dpflow.ParseError
			if !errors.As(err, &pe) {
				return err
			}
			bad++
			buf = append(buf, `{"line":`...)
			buf = strconv.AppendInt(buf, int64(pe.Line), 10)
			buf = append(buf, `,"error":`...)
			buf = dpflow.AppendJSONString(buf, pe.Error())
			buf = append(buf, "}\n"...)
		} else {
			buf = f.AppendJSON(buf)
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	if bad > 0 && sc.Strict() {
		return fmt.Errorf("%d %w", bad, errLines)
	}
	return nil
}

// writeReport streams the dump into a dpflow.Report and prints it.
func writeReport(w io.Writer, sc *dpflow.Scanner, source string, c config) error {
	r := dpflow.NewReport()
	r.Type = sc.Type()
	r.MaxFindings = c.findings
	var bad []string
	for f, err := range sc.All() {
		if err != nil {
			var pe *dpflow.ParseError
			if !errors.As(err, &pe) {
				return err
			}
			if len(bad) < 20 {
				bad = append(bad, pe.Error())
			} else {
				bad = append(bad[:20], "...")
			}
			continue
		}
		r.Add(f)
	}
	if err := notADump(sc, source); err != nil {
		return err // no report of a file that is not a dump
	}
	printReport(w, r, source, bad)
	if len(bad) > 0 && c.strict {
		return errLines
	}
	return nil
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

func printReport(w io.Writer, r *dpflow.Report, source string, bad []string) {
	fmt.Fprintf(w, "Datapath flows from %s: %d flows, %d packets, %d bytes\n", source, r.Total.Flows, r.Total.Packets, r.Total.Bytes)
	if r.Type.Known() && r.Type != dpflow.TypeAll {
		fmt.Fprintf(w, "Dump type: %s (type= filter; flows whose line does not show offloaded:/dp: are placed by it)\n", r.Type)
	}
	fl, pk, by := dpflow.Share(r.Offloaded, r.Total)
	fmt.Fprintf(w, "In hardware: %d of %d flows (%s), %d packets (%s), %d bytes (%s)\n\n",
		r.Offloaded.Flows, r.Total.Flows, pct(fl), r.Offloaded.Packets, pct(pk), r.Offloaded.Bytes, pct(by))

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "PLACEMENT\tFLOWS\tPACKETS\tBYTES\tFLOWS%\tPACKETS%\tBYTES%\t\n")
	for i, cnt := range r.ByPlacement {
		p := dpflow.Placement(i)
		if cnt.Flows == 0 {
			continue
		}
		fl, pk, by := dpflow.Share(cnt, r.Total)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t\n", p, cnt.Flows, cnt.Packets, cnt.Bytes, pct(fl), pct(pk), pct(by))
	}
	tw.Flush()
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "DP LAYER\tFLOWS\tPACKETS\tBYTES\t")
	for _, l := range r.Layers() {
		cnt := r.ByLayer[l]
		name := string(l)
		if name == "" {
			name = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", name, cnt.Flows, cnt.Packets, cnt.Bytes)
	}
	tw.Flush()
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "IN_PORT\tFLOWS\tOFFLOADED\tPACKETS\tPACKETS OFFLOADED\tBYTES\tBYTES OFFLOADED\t\n")
	for _, p := range r.Ports() {
		_, pk, by := dpflow.Share(p.Offloaded, p.Total)
		name := p.InPort
		if name == "" {
			name = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%s\t\n", name, p.Total.Flows, p.Offloaded.Flows, p.Total.Packets, pct(pk), p.Total.Bytes, pct(by))
	}
	tw.Flush()

	notOff := r.Total.Flows - r.Offloaded.Flows
	if notOff > 0 {
		fmt.Fprintf(w, "\nNot in hardware: %d flows\n", notOff)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LINE\tIN_PORT\tPLACEMENT\tPACKETS\tREASON\tDETAIL")
		for _, f := range r.Findings {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", f.Line, f.InPort, f.Placement, f.Packets, f.Reason.Explain(), shorten(f.Detail, 60))
		}
		tw.Flush()
		if r.FindingsDropped > 0 {
			fmt.Fprintf(w, "... and %d more (-findings 0 lists all)\n", r.FindingsDropped)
		}
	}
	if hints := r.Hints(); len(hints) > 0 {
		fmt.Fprintf(w, "\nHints:\n")
		for _, h := range hints {
			fmt.Fprintf(w, "  - %s\n", h)
		}
	}
	if len(bad) > 0 {
		fmt.Fprintf(w, "\nLines that did not parse:\n")
		for _, b := range bad {
			fmt.Fprintf(w, "  %s\n", b)
		}
	}
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.TrimRight(s[:n-3], " ") + "..."
}
