package collector

import (
	"context"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/offload/switchdev"
)

// The calls into offload/switchdev live in this file, so a change of the
// doctor's API (its check states) is adapted here.

// doctorCache is the last doctor report and when it was made.
type doctorCache struct {
	report *switchdev.Report
	at     time.Time
	stale  bool // RefreshDoctor was called
}

// doctorStates are the values of doctor_check's state label.
func doctorStates() []switchdev.CheckStatus {
	return []switchdev.CheckStatus{switchdev.CheckOK, switchdev.CheckFail, switchdev.CheckUnknown}
}

// stateLabel is a check state as the state label spells it.
func stateLabel(s switchdev.CheckStatus) string { return strings.ToLower(s.String()) }

// RefreshDoctor makes the next scrape run the doctor again instead of
// reusing its last report (an agent calls it after applying a config).
func (c *Collector) RefreshDoctor() {
	c.mu.Lock()
	c.doctor.stale = true
	c.mu.Unlock()
}

// collectDoctor reports the doctor's checks, running it when the last
// report is older than DoctorInterval. With OVS configured, the doctor's
// OVS checks read OVS the way the ovs subsystem does.
func (c *Collector) collectDoctor(ctx context.Context, s *sink) error {
	c.mu.Lock()
	rep, at := c.doctor.report, c.doctor.at
	fresh := rep != nil && !c.doctor.stale && time.Since(at) < c.cfg.DoctorInterval
	c.mu.Unlock()
	if !fresh {
		var dcfg switchdev.DoctorConfig
		if c.ovs != nil {
			dcfg.OVS = c.ovs.status
		}
		r, err := c.cfg.Engine.Doctor(ctx, dcfg)
		if err != nil {
			return err
		}
		rep, at = r, time.Now()
		c.mu.Lock()
		c.doctor = doctorCache{report: rep, at: at}
		c.mu.Unlock()
	}
	// Two checks of one name on one subject (a backend repeating a
	// generic check) would be one series twice: the first wins.
	seen := map[[2]string]bool{}
	for _, ck := range rep.Checks {
		k := [2]string{ck.Name, ck.Subject}
		if seen[k] {
			continue
		}
		seen[k] = true
		for _, st := range doctorStates() {
			s.gauge(c.d.doctorCheck, b2f(ck.Status == st), ck.Name, ck.Subject, stateLabel(st))
		}
	}
	s.gauge(c.d.doctorLastRun, float64(at.UnixNano())/1e9)
	return nil
}
