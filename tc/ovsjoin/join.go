package ovsjoin

import (
	"sort"

	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/tc"
)

// Flow is one OVS datapath flow with the tc filters carrying it.
type Flow struct {
	UFID dpflow.UFID `json:"ufid"`
	// InPort, Packets, Bytes, Offloaded and DP are as OVS printed them.
	InPort    string `json:"in_port"`
	Packets   uint64 `json:"packets"`
	Bytes     uint64 `json:"bytes"`
	Offloaded string `json:"offloaded"`
	DP        string `json:"dp"`
	// Filters are the tc filters whose action cookie holds the flow's UFID.
	Filters []tc.OffloadFilter `json:"filters"`
	// InHW is true when at least one of the filters is in_hw.
	InHW bool `json:"in_hw"`
	// Listed is true when the flow's in_port names one of the reported
	// interfaces, so a missing filter is meaningful.
	Listed bool `json:"listed"`
	// Note explains a disagreement between OVS and tc, empty when none.
	Note string `json:"note,omitempty"`
}

// Report is the join of a flow dump with the tc reports of the interfaces.
type Report struct {
	Flows []Flow `json:"flows"`
	// Orphans are tc filters with a UFID cookie that no flow of the dump
	// has: left behind by OVS, or the dump and the tc listing were taken
	// at different times.
	Orphans []tc.OffloadFilter `json:"orphans"`
	// NoUFID counts flows printed without a ufid (dump without -m); they
	// cannot be joined.
	NoUFID int `json:"no_ufid"`
	// InHW, TCNotInHW and NoFilter count the joined flows by outcome;
	// NoFilter only those from a reported interface.
	InHW      int `json:"in_hw"`
	TCNotInHW int `json:"tc_not_in_hw"`
	NoFilter  int `json:"no_filter"`
	// Disagree counts flows with a Note.
	Disagree int `json:"disagree"`
	// Unlisted counts joined flows that came in on ports not in the
	// reports and have no filter there (nothing to say about them).
	Unlisted int `json:"unlisted"`
}

// Join matches flows with the filters of reports by UFID.
func Join(reports []tc.Offload, flows []dpflow.Flow) Report {
	r := Report{Flows: []Flow{}, Orphans: []tc.OffloadFilter{}}
	var ufids []dpflow.UFID
	for _, f := range flows {
		if f.UFID.IsZero() {
			r.NoUFID++
			continue
		}
		ufids = append(ufids, f.UFID)
	}
	joined := tc.JoinUFIDs(reports, ufids)
	listed := map[string]bool{}
	for _, rep := range reports {
		listed[rep.Interface] = true
	}
	seen := map[dpflow.UFID]bool{}
	i := 0
	for _, f := range flows {
		if f.UFID.IsZero() {
			continue
		}
		j := joined[i]
		i++
		seen[j.UFID] = true
		fl := Flow{
			UFID: j.UFID, InPort: f.InPort, Packets: f.Packets, Bytes: f.Bytes,
			Offloaded: string(f.Offloaded), DP: string(f.DP),
			Filters: j.Filters, InHW: j.InHW, Listed: listed[f.InPort],
		}
		if fl.Filters == nil {
			fl.Filters = []tc.OffloadFilter{}
		}
		switch {
		case j.InHW:
			r.InHW++
		case len(j.Filters) > 0:
			r.TCNotInHW++
		case fl.Listed:
			r.NoFilter++
		default:
			r.Unlisted++
		}
		fl.Note = note(fl)
		if fl.Note != "" {
			r.Disagree++
		}
		r.Flows = append(r.Flows, fl)
	}
	for _, rep := range reports {
		for _, f := range rep.Filters {
			if f.UFID != nil && !seen[*f.UFID] {
				r.Orphans = append(r.Orphans, f)
			}
		}
	}
	sort.SliceStable(r.Orphans, func(a, b int) bool { return r.Orphans[a].Interface < r.Orphans[b].Interface })
	return r
}

func note(f Flow) string {
	ovsHW := f.Offloaded == string(dpflow.OffloadedYes)
	switch {
	case f.DP == "tc" && len(f.Filters) == 0 && f.Listed:
		return "OVS says dp:tc but no tc filter carries this ufid on the listed interfaces"
	case ovsHW && len(f.Filters) > 0 && !f.InHW:
		return "OVS says offloaded:yes but its tc filters are not in_hw"
	case f.InHW && !ovsHW:
		return "a tc filter is in_hw but OVS does not report the flow offloaded"
	}
	return ""
}
