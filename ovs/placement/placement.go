package placement

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/datapath"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/tc"
)

// Flow is one datapath flow with where it runs. Flow.Placement() of the
// embedded dpflow.Flow says the same as Placement.
type Flow struct {
	dpflow.Flow
	// Placement is dpflow.PlacementHardware, PlacementTCSoftware or
	// PlacementOVS (the kernel datapath).
	Placement dpflow.Placement
	// Filters are the tc filters whose action cookie carries the UFID;
	// empty for a flow only in the kernel datapath.
	Filters []tc.OffloadFilter
}

// Report is every flow of the datapath(s) with its placement.
type Report struct {
	Flows []Flow
	// Counts per placement.
	InHW, TCNotInHW, Kernel int
	// Skipped lists vports whose tc filters could not be read, with why
	// (netdev in another namespace, gone between the listings).
	Skipped []string
}

// Join places kernel datapath flows and the tc filters of the vports'
// reports (tc.Client.Offload) by UFID. A kernel flow stays in the kernel
// datapath even if a filter also carries its UFID (the filters are
// attached); a UFID found only in tc becomes one flow per UFID, in
// hardware when any of its filters is in_hw. tc filters without an OVS
// cookie are not flows and are ignored. The order: kernel flows as given,
// then tc flows by interface and UFID.
func Join(kernel []*dpflow.Flow, reports []tc.Offload) Report {
	byUFID := map[dpflow.UFID][]tc.OffloadFilter{}
	var order []dpflow.UFID
	for _, r := range reports {
		for _, f := range r.Filters {
			if f.UFID == nil {
				continue
			}
			if _, ok := byUFID[*f.UFID]; !ok {
				order = append(order, *f.UFID)
			}
			byUFID[*f.UFID] = append(byUFID[*f.UFID], f)
		}
	}
	var rep Report
	seen := map[dpflow.UFID]bool{}
	for _, kf := range kernel {
		f := Flow{Flow: *kf, Placement: dpflow.PlacementOVS}
		f.DP, f.Offloaded = dpflow.LayerOVS, dpflow.OffloadedNone
		if !kf.UFID.IsZero() {
			f.Filters, seen[kf.UFID] = byUFID[kf.UFID], true
		}
		rep.Kernel++
		rep.Flows = append(rep.Flows, f)
	}
	for _, u := range order {
		if seen[u] {
			continue
		}
		filters := byUFID[u]
		f := Flow{Placement: dpflow.PlacementTCSoftware, Filters: filters}
		f.UFID = u
		f.DP = dpflow.LayerTC
		f.InPort = filters[0].Interface
		f.NeverUsed = true
		for _, fl := range filters {
			if fl.State == tc.StateInHW {
				f.Placement, f.Offloaded = dpflow.PlacementHardware, dpflow.OffloadedYes
			}
			f.Packets += fl.Packets
			f.Bytes += fl.Bytes
		}
		if f.Placement == dpflow.PlacementHardware {
			rep.InHW++
		} else {
			rep.TCNotInHW++
		}
		rep.Flows = append(rep.Flows, f)
	}
	return rep
}

// Source reads placements from the kernel through its two clients, which
// the caller owns (and closes).
type Source struct {
	Datapath *datapath.Client
	TC       *tc.Client
}

// Report dumps every kernel datapath, the tc filters of every vport netdev
// in this namespace, and joins them. Flows are rendered as opts says.
func (s *Source) Report(ctx context.Context, opts datapath.FlowOptions) (Report, error) {
	dps, err := s.Datapath.Datapaths(ctx)
	if err != nil {
		return Report{}, err
	}
	var kernel []*dpflow.Flow
	var reports []tc.Offload
	var skipped []string
	for _, dp := range dps {
		vps, err := s.Datapath.Vports(ctx, dp.Ifindex)
		if err != nil {
			return Report{}, err
		}
		for _, vp := range vps {
			switch {
			case vp.NetNSID != nil:
				skipped = append(skipped, fmt.Sprintf("%s: netdev in another network namespace (nsid %d)", vp.Name, *vp.NetNSID))
				continue
			case vp.Ifindex == 0:
				skipped = append(skipped, vp.Name+": the kernel reported no ifindex")
				continue
			}
			o, err := s.TC.Offload(ctx, tc.Interface{Index: vp.Ifindex, Name: vp.Name})
			if errors.Is(err, errs.ErrNotFound) {
				skipped = append(skipped, fmt.Sprintf("%s: gone while listing: %v", vp.Name, err))
				continue
			}
			if err != nil {
				return Report{}, err
			}
			reports = append(reports, o)
		}
		for f, err := range s.Datapath.Flows(ctx, dp.Ifindex, opts) {
			if err != nil {
				return Report{}, err
			}
			kernel = append(kernel, f.Flow.Clone())
		}
	}
	slices.SortStableFunc(reports, func(a, b tc.Offload) int { return cmp.Compare(a.Interface, b.Interface) })
	rep := Join(kernel, reports)
	rep.Skipped = skipped
	return rep, nil
}
