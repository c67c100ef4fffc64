package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/switchdev"
	"github.com/offloadkit/offloadkit/ovs/dpflow"
	"github.com/offloadkit/offloadkit/ovs/ovsdb"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// OVSConfig says where Open vSwitch is. The zero value uses the standard
// run directory (OVS_RUNDIR or /var/run/openvswitch) for both sockets.
type OVSConfig struct {
	// Control is ovs-vswitchd's control socket (the zero unixctl.Config
	// is the default one).
	Control unixctl.Config
	// DBEndpoint is OVSDB ("unix:/path" or "tcp:host:port"); "" is
	// ovsdb.DefaultEndpoint(), or db.sock in Control.RunDir when that is
	// set.
	DBEndpoint string
	// NoDB leaves OVSDB alone: ovs_hw_offload_enabled is not reported
	// and the doctor's OVS checks say unknown.
	NoDB bool
}

// ovsSource keeps the connections to ovs-vswitchd and ovsdb-server
// between scrapes; a connection that failed is dropped and made again on
// the next scrape (ovs-vswitchd restarted, ovsdb-server restarted).
type ovsSource struct {
	cfg OVSConfig
	log *slog.Logger

	mu sync.Mutex
	ux *unixctl.Client
	db *ovsdb.Client
}

func newOVSSource(cfg OVSConfig, log *slog.Logger) *ovsSource {
	if cfg.DBEndpoint == "" && cfg.Control.RunDir != "" {
		cfg.DBEndpoint = "unix:" + cfg.Control.RunDir + "/db.sock"
	}
	return &ovsSource{cfg: cfg, log: log}
}

func (o *ovsSource) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ux != nil {
		o.ux.Close()
		o.ux = nil
	}
	if o.db != nil {
		o.db.Close()
		o.db = nil
	}
}

// control returns the control-socket client, dialling it when needed.
func (o *ovsSource) control(ctx context.Context) (*unixctl.Client, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ux != nil {
		return o.ux, nil
	}
	c, err := unixctl.Dial(ctx, o.cfg.Control)
	if err != nil {
		return nil, err
	}
	o.ux = c
	return c, nil
}

// hwOffload reads other_config:hw-offload, connecting to OVSDB when
// needed; a failed read drops the connection (the Client does not
// reconnect by itself).
func (o *ovsSource) hwOffload(ctx context.Context) (ovsdb.OffloadConfig, error) {
	if o.cfg.NoDB {
		return ovsdb.OffloadConfig{}, errNoDB
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.db == nil {
		c, err := ovsdb.Connect(ctx, ovsdb.Config{Endpoint: o.cfg.DBEndpoint})
		if err != nil {
			return ovsdb.OffloadConfig{}, err
		}
		o.db = c
	}
	oc, err := o.db.OffloadConfig(ctx)
	if err != nil {
		o.db.Close()
		o.db = nil
	}
	return oc, err
}

// errNoDB is the doctor probe's answer with OVSConfig.NoDB.
var errNoDB = fmt.Errorf("%w: OVSDB is not read (NoDB)", errs.ErrNotSupported)

// status is what the doctor's OVS check needs, read the way the
// collector reads it: running is an answer on the control socket. It gets
// a quarter of the scrape's time left, so a hung OVS makes the doctor's
// OVS checks unknown instead of timing the whole doctor out.
func (o *ovsSource) status(ctx context.Context) (switchdev.OVSStatus, error) {
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Until(dl)/4)
		defer cancel()
	}
	st := switchdev.OVSStatus{LoadBalancers: -1}
	if ux, err := o.control(ctx); err == nil {
		if _, err := ux.Version(ctx); err == nil {
			st.Running = true
		}
	}
	oc, err := o.hwOffload(ctx)
	if err != nil {
		return st, err
	}
	st.HWOffload, st.TCPolicy = oc.HWOffload, string(oc.TCPolicy)
	return st, nil
}

// placements are the values of the placement label.
func placements() []dpflow.Placement {
	return []dpflow.Placement{dpflow.PlacementUnknown, dpflow.PlacementOVS, dpflow.PlacementTCSoftware,
		dpflow.PlacementHardware, dpflow.PlacementDPDKPartial, dpflow.PlacementDPDKFull}
}

// collect returns the ovs subsystem: up, hw-offload, and one dump per
// datapath summed by placement.
func (o *ovsSource) collect(d descs) func(context.Context, *sink) error {
	return func(ctx context.Context, s *sink) error {
		ux, err := o.control(ctx)
		var dps []unixctl.DpctlDatapath
		if err == nil {
			dps, err = ux.DpctlShow(ctx)
		}
		s.gauge(d.ovsUp, b2f(err == nil))
		if err == nil {
			err = o.dumps(ctx, s, d, ux, dps)
		}
		if err != nil {
			// Dial again next time: the daemon may come back under a
			// new pid and socket name.
			o.mu.Lock()
			if o.ux != nil {
				o.ux.Close()
				o.ux = nil
			}
			o.mu.Unlock()
		}
		if o.cfg.NoDB {
			return err
		}
		oc, dberr := o.hwOffload(ctx)
		if dberr == nil {
			s.gauge(d.ovsHWOffload, b2f(oc.HWOffload))
		}
		return errors.Join(err, dberr)
	}
}

func (o *ovsSource) dumps(ctx context.Context, s *sink, d descs, ux *unixctl.Client, dps []unixctl.DpctlDatapath) error {
	for _, dp := range dps {
		name := dp.Type + "@" + dp.Name
		sc, err := ux.ScanFlows(ctx, unixctl.DumpOptions{Datapath: name, More: true})
		if err != nil {
			return err
		}
		var sum [6]dpflow.Counters
		for f, err := range sc.All() {
			if err != nil {
				// A line this parser does not know is not the daemon
				// failing; count the rest.
				o.log.Debug("offload metrics: unparsed datapath flow", "datapath", name, "err", err)
				continue
			}
			p := f.Placement()
			if int(p) < len(sum) {
				sum[p].Flows++
				sum[p].Packets += f.Packets
				sum[p].Bytes += f.Bytes
			}
		}
		for _, p := range placements() {
			s.gauge(d.dpFlows, float64(sum[p].Flows), name, p.String())
			s.gauge(d.dpPackets, float64(sum[p].Packets), name, p.String())
			s.gauge(d.dpBytes, float64(sum[p].Bytes), name, p.String())
		}
	}
	return nil
}
