package collector

import (
	"context"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/tc"
)

// tcStates are the values of tc_filters' state label.
func tcStates() []tc.State {
	return []tc.State{tc.StateInHW, tc.StateNotInHW, tc.StateSkipHW, tc.StateUnknown}
}

// collectTC reports, per VF representor of the PFs host found, its filters
// by offload state and its slow-path counters. A representor whose dump or
// counters fail is skipped and the first error returned after the rest.
func (c *Collector) collectTC(ctx context.Context, s *sink, pfs []offload.PF) error {
	var firstErr error
	d := c.d
	for i := range pfs {
		a := pfs[i].Address.String()
		for _, r := range pfs[i].Representors {
			if err := ctx.Err(); err != nil {
				return err
			}
			if r.PortName.Flavour != offload.PortFlavourPCIVF {
				continue
			}
			rep, err := c.cfg.TC.Offload(ctx, tc.Interface{Name: r.Netdev})
			if err != nil {
				if firstErr == nil {
					firstErr = subsystemError(SubsystemTC, r.Netdev, err)
				}
				continue
			}
			for _, st := range tcStates() {
				n := 0
				switch st {
				case tc.StateInHW:
					n = rep.InHW
				case tc.StateNotInHW:
					n = rep.NotInHW
				case tc.StateSkipHW:
					n = rep.SkipHW
				default:
					n = rep.Unknown
				}
				s.gauge(d.tcFilters, float64(n), a, r.Netdev, string(st))
			}
			pk, by, err := c.repCounters(r.Netdev)
			if err != nil {
				if firstErr == nil {
					firstErr = subsystemError(SubsystemTC, r.Netdev, err)
				}
				continue
			}
			s.counter(d.slowPackets, float64(pk-min(pk, rep.HWPackets)), a, r.Netdev)
			s.counter(d.slowBytes, float64(by-min(by, rep.HWBytes)), a, r.Netdev)
		}
	}
	return firstErr
}
