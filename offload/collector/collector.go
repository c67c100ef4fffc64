package collector

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/switchdev"
	"github.com/offloadkit/offloadkit/tc"
)

// Defaults of Config.
const (
	DefaultTimeout        = 10 * time.Second
	DefaultDoctorInterval = 5 * time.Minute
)

// Subsystem names, the values of the subsystem label.
const (
	SubsystemHost   = "host"
	SubsystemOVS    = "ovs"
	SubsystemTC     = "tc"
	SubsystemDoctor = "doctor"
)

// Config configures New. Host is required; every other field may be left
// zero.
type Config struct {
	// Host is the node's host (its sysfs root and kernel clients).
	Host *offload.Host
	// Engine runs the doctor's checks; nil leaves the doctor out.
	Engine *switchdev.Engine
	// OVS says where Open vSwitch is; nil leaves OVS out.
	OVS *OVSConfig
	// TC lists flower filters on representors; nil leaves tc out. The
	// Collector does not close it.
	TC *tc.Client
	// Timeout is the deadline of one scrape. Default DefaultTimeout.
	Timeout time.Duration
	// DoctorInterval is how long a doctor report is reused. Default
	// DefaultDoctorInterval.
	DoctorInterval time.Duration
	// Logger receives one record per subsystem error. Default: the Host's
	// logger.
	Logger *slog.Logger
}

// Collector is a prometheus.Collector for one node. It is safe for
// concurrent use (concurrent scrapes each do their own reads).
type Collector struct {
	cfg Config
	log *slog.Logger
	d   descs
	ovs *ovsSource // nil without Config.OVS

	mu     sync.Mutex
	errors map[string]float64 // scrape_errors_total by subsystem
	doctor doctorCache
}

// New returns a Collector. It does no I/O.
func New(cfg Config) *Collector {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.DoctorInterval <= 0 {
		cfg.DoctorInterval = DefaultDoctorInterval
	}
	log := cfg.Logger
	if log == nil {
		log = cfg.Host.Logger()
	}
	c := &Collector{cfg: cfg, log: log, d: newDescs(), errors: map[string]float64{}}
	if cfg.OVS != nil {
		c.ovs = newOVSSource(*cfg.OVS, log)
	}
	return c
}

// Close releases the OVS connections the Collector opened.
func (c *Collector) Close() error {
	if c.ovs != nil {
		c.ovs.close()
	}
	return nil
}

// Describe sends every metric description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.d.all() {
		ch <- d
	}
}

// result is what one subsystem produced in a scrape.
type result struct {
	name    string
	metrics []prometheus.Metric
	err     error
	dur     time.Duration
}

// sink collects one subsystem's metrics; only a finished subsystem's sink
// is sent on, so a subsystem still running after the deadline never writes
// to a channel its scrape has closed.
type sink struct{ ms []prometheus.Metric }

func (s *sink) gauge(d *prometheus.Desc, v float64, labels ...string) {
	s.ms = append(s.ms, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
}

func (s *sink) counter(d *prometheus.Desc, v float64, labels ...string) {
	s.ms = append(s.ms, prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...))
}

// Collect runs one scrape under the deadline and sends what each subsystem
// found, and its duration and error state.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
	defer cancel()
	c.collect(ctx, ch)
}

// collect runs the subsystems under ctx and sends each one's metrics as it
// finishes; at ctx's end, those still running are reported as timed out.
func (c *Collector) collect(ctx context.Context, ch chan<- prometheus.Metric) {
	begin := time.Now()
	var names []string
	// Buffered for every result, so that a subsystem finishing after the
	// deadline does not block.
	results := make(chan result, 4)
	start := func(name string, f func(context.Context, *sink) error) {
		names = append(names, name)
		go func() { results <- run(ctx, name, f) }()
	}
	// tc needs the representors the host subsystem found, so the two
	// run one after the other, beside the others.
	names = append(names, SubsystemHost)
	withTC := c.cfg.TC != nil
	if withTC {
		names = append(names, SubsystemTC)
	}
	go func() {
		var pfs []offload.PF
		r := run(ctx, SubsystemHost, func(ctx context.Context, s *sink) error {
			var err error
			pfs, err = c.collectHost(ctx, s)
			return err
		})
		results <- r
		if withTC {
			results <- run(ctx, SubsystemTC, func(ctx context.Context, s *sink) error {
				if r.err != nil && pfs == nil {
					return r.err
				}
				return c.collectTC(ctx, s, pfs)
			})
		}
	}()
	if c.ovs != nil {
		start(SubsystemOVS, c.ovs.collect(c.d))
	}
	if c.cfg.Engine != nil {
		start(SubsystemDoctor, c.collectDoctor)
	}
	done := map[string]bool{}
	for len(done) < len(names) {
		select {
		case r := <-results:
			done[r.name] = true
			c.emit(ch, r)
		case <-ctx.Done():
			for _, n := range names {
				if !done[n] {
					done[n] = true
					c.emit(ch, result{name: n, err: ctx.Err(), dur: time.Since(begin)})
				}
			}
		}
	}
}

func run(ctx context.Context, name string, f func(context.Context, *sink) error) result {
	t := time.Now()
	s := &sink{}
	err := f(ctx, s)
	if ctx.Err() != nil {
		// Past the deadline: the scrape has given up on it, and what it
		// has may be cut anywhere. It reports the timeout alone.
		if err == nil {
			err = ctx.Err()
		}
		s.ms = nil
	}
	return result{name: name, metrics: s.ms, err: err, dur: time.Since(t)}
}

// emit sends a finished subsystem's metrics and its scrape metrics.
func (c *Collector) emit(ch chan<- prometheus.Metric, r result) {
	// What a failing subsystem read before it failed is still sent; a
	// timed-out one has nothing (its sink is never read).
	for _, m := range r.metrics {
		ch <- m
	}
	if r.err != nil {
		c.log.Warn("offload metrics: subsystem failed", "subsystem", r.name, "err", r.err)
	}
	c.mu.Lock()
	failed := 0.0
	if r.err != nil {
		failed = 1
		c.errors[r.name]++
	}
	total := c.errors[r.name]
	c.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(c.d.scrapeDuration, prometheus.GaugeValue, r.dur.Seconds(), r.name)
	ch <- prometheus.MustNewConstMetric(c.d.scrapeError, prometheus.GaugeValue, failed, r.name)
	ch <- prometheus.MustNewConstMetric(c.d.scrapeErrors, prometheus.CounterValue, total, r.name)
}
