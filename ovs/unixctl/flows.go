package unixctl

import (
	"bytes"
	"context"
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// DumpOptions are the arguments of dpctl/dump-flows.
type DumpOptions struct {
	// Datapath names the datapath ("system@ovs-system",
	// "netdev@ovs-netdev"); "" lets OVS pick the only one.
	Datapath string
	// More is -m: ufid, wildcarded fields with /0 masks, offloaded:, dp:
	// and dp-extra-info:, and port names.
	More bool
	// Names is --names: port names instead of numbers without -m.
	Names bool
	// Type is the type= filter: "offloaded", "non-offloaded", "ovs", "tc",
	// "dpdk", "partially-offloaded", "all", or a comma-separated list.
	Type string
	// Filter is the filter= expression, e.g. "in_port(2)" or
	// "ip,nw_dst=10.0.0.1".
	Filter string
	// Parse tunes the flow parser (strict mode, line limit).
	Parse dpflow.Options
}

// Args returns the command arguments for o, validated: these strings come
// from users or configuration, and although OVS parses them itself, a
// value that could smuggle another argument is refused.
func (o DumpOptions) Args() ([]string, error) {
	var args []string
	if o.More {
		args = append(args, "-m")
	}
	if o.Names {
		args = append(args, "--names")
	}
	if o.Datapath != "" {
		if !printable(o.Datapath, false) || strings.ContainsAny(o.Datapath, "=") || o.Datapath[0] == '-' {
			return nil, errs.Invalid("datapath", o.Datapath, "want type@name")
		}
		args = append(args, o.Datapath)
	}
	if o.Filter != "" {
		if !printable(o.Filter, true) {
			return nil, errs.Invalid("flow filter", o.Filter, "control characters")
		}
		args = append(args, "filter="+o.Filter)
	}
	if o.Type != "" {
		// The names dpctl/dump-flows accepts; anything else OVS refuses
		// too, and could otherwise smuggle an argument.
		if _, err := dpflow.ParseDumpType(o.Type); err != nil {
			return nil, err
		}
		args = append(args, "type="+o.Type)
	}
	return args, nil
}

// parseOptions returns o.Parse with Type set from o.Type (which Args has
// validated), so the dump and its Report know what the dump holds: a
// dump the library ran is of a known type, TypeAll without a filter.
func (o DumpOptions) parseOptions() dpflow.Options {
	po := o.Parse
	if t, err := dpflow.ParseDumpType(o.Type); err == nil && !po.Type.Known() {
		po.Type = t
	}
	return po
}

// filterText returns the dump's filter as a FlowDump records it ("-m
// type=offloaded").
func (o DumpOptions) filterText() string {
	args, _ := o.Args()
	return strings.Join(args, " ")
}

func printable(s string, spaces bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || (c == ' ' && !spaces) {
			return false
		}
	}
	return s != ""
}

// DumpFlowsText runs dpctl/dump-flows and returns its output unparsed.
func (c *Client) DumpFlowsText(ctx context.Context, o DumpOptions) ([]byte, error) {
	args, err := o.Args()
	if err != nil {
		return nil, err
	}
	return c.CallBytes(ctx, "dpctl/dump-flows", args...)
}

// DumpFlows runs dpctl/dump-flows and parses every line with package
// dpflow. The dump's Type is o.Type (TypeAll without one), so its Report
// places flows the lines do not place. Header lines ("flow-dump from the main thread:") are skipped;
// lines that do not parse are in the dump's Errors (in strict mode the
// first is returned as the error). Source is "unixctl:<socket>".
func (c *Client) DumpFlows(ctx context.Context, o DumpOptions) (*dpflow.FlowDump, error) {
	text, err := c.DumpFlowsText(ctx, o)
	if err != nil {
		return nil, err
	}
	d, err := dpflow.ReadDump(bytes.NewReader(text), o.parseOptions())
	if d != nil {
		d.Source = "unixctl:" + c.Path()
		d.Filter = o.filterText()
	}
	return d, err
}

// ScanFlows runs dpctl/dump-flows and returns a Scanner over the output,
// for large dumps: one Flow is reused per line, so the parse does not
// allocate per flow. The Scanner parses the reply in place (the reply is
// ours alone), instead of copying it again through a reader.
func (c *Client) ScanFlows(ctx context.Context, o DumpOptions) (*dpflow.Scanner, error) {
	text, err := c.DumpFlowsText(ctx, o)
	if err != nil {
		return nil, err
	}
	return dpflow.ScanBytes(text, o.parseOptions()), nil
}
