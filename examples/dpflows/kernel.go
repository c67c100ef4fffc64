package main

import (
	"context"
	"fmt"
	"io"

	"github.com/offloadkit/offloadkit/ovs/datapath"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
)

// runKernel reads the flows of every OVS kernel datapath straight from the
// kernel (ovs/datapath: the ovs_flow generic netlink family), without
// asking ovs-vswitchd, rendered as `dpctl/dump-flows -m` prints them (port
// names as with --names), and writes the JSON lines or the report.
func runKernel(ctx context.Context, w io.Writer, c config) error {
	if c.file != "" || c.unixctl {
		return fmt.Errorf("-kernel excludes -unixctl and a FILE argument")
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cl, err := datapath.Dial(nil)
	if err != nil {
		return err
	}
	defer cl.Close()
	dps, err := cl.Datapaths(ctx)
	if err != nil {
		return err
	}
	r := dpflow.NewReport()
	r.MaxFindings = c.findings
	buf := make([]byte, 0, 4096)
	source := "the kernel datapath"
	for _, dp := range dps {
		source = "kernel datapath " + dp.Name
		for f, err := range cl.Flows(ctx, dp.Ifindex, datapath.FlowOptions{Names: true}) {
			if err != nil {
				return err
			}
			if c.json {
				buf = f.Flow.AppendJSON(buf[:0])
				if _, err := w.Write(buf); err != nil {
					return err
				}
				continue
			}
			r.Add(&f.Flow)
		}
	}
	if !c.json {
		printReport(w, r, source, nil)
	}
	return nil
}
