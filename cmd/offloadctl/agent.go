package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/collector"
	"github.com/offloadkit/offloadkit/ovs/ovsdb"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
	"github.com/offloadkit/offloadkit/tc"
)

// agentOptions are the agent's flags.
type agentOptions struct {
	common
	config, listen, ovsRunDir, ovsdbEndpoint, logLevel string
	noOVS                                              bool
	scrapeTimeout                                      time.Duration
}

func runAgent(ctx context.Context, e env, args []string) error {
	var o agentOptions
	fs := newFlags(e, "agent", "[-tree NAME | -root DIR [-host-kernel=false]] [-config FILE] [-listen ADDR] [-ovs-rundir DIR] [-ovsdb ENDPOINT]")
	// The agent's -root is the host's filesystem in its pod: it talks to
	// the host's kernel unless told otherwise.
	o.hostKernel = true
	o.common.register(fs, true, 10*time.Minute)
	fs.StringVar(&o.config, "config", "", "node config `FILE` (YAML), applied at start and on SIGHUP; none: only serve metrics")
	fs.StringVar(&o.listen, "listen", ":9478", "serve /metrics, /healthz and /readyz on `ADDR`")
	fs.StringVar(&o.ovsRunDir, "ovs-rundir", "", "ovs-vswitchd's run `DIR` (control socket, db.sock; default $OVS_RUNDIR or "+unixctl.DefaultRunDir+")")
	fs.StringVar(&o.ovsdbEndpoint, "ovsdb", "", "OVSDB `ENDPOINT` (default unix:<ovs-rundir>/db.sock)")
	fs.BoolVar(&o.noOVS, "no-ovs", false, "leave OVS out (with -tree it is left out unless -ovs-rundir or -ovsdb is given)")
	fs.StringVar(&o.logLevel, "log-level", "info", "`LEVEL`: debug, info, warn or error")
	fs.DurationVar(&o.scrapeTimeout, "scrape-timeout", collector.DefaultTimeout, "deadline of one scrape")
	if err := o.parse(fs, args); err != nil {
		return err
	}
	if o.listTrees(e.stdout) {
		return nil
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return usagef("-log-level %q: %w", o.logLevel, err)
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	if o.config != "" {
		// A config that does not parse stops the agent before it serves.
		if _, err := loadConfig(o.config); err != nil {
			return err
		}
	}
	h, done, err := o.openHost(log)
	if err != nil {
		return err
	}
	defer done()
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	a := newAgent(h, log, o)
	defer a.close()
	return a.serve(ctx, ln, hup)
}

// agent is the node agent: one Host, its engine and collector.
type agent struct {
	h   *offload.Host
	log *slog.Logger
	o   agentOptions
	col *collector.Collector
	tc  *tc.Client
	reg *prometheus.Registry

	ready   atomic.Bool
	mu      sync.Mutex
	lastErr string
	// planned is the number of steps the last reconcile planned.
	planned int
}

func newAgent(h *offload.Host, log *slog.Logger, o agentOptions) *agent {
	a := &agent{h: h, log: log, o: o, reg: prometheus.NewRegistry()}
	cfg := collector.Config{Host: h, Engine: newEngine(h), Timeout: o.scrapeTimeout, Logger: log}
	if ovs := a.ovsConfig(); ovs != nil {
		cfg.OVS = ovs
	}
	if o.tree == "" {
		// The representors' tc filters live in the kernel of the network
		// namespace the agent runs in (hostNetwork in a pod).
		c, err := tc.Dial(tc.Config{})
		if err != nil {
			log.Warn("tc metrics disabled: cannot open rtnetlink", "err", err)
		} else {
			a.tc, cfg.TC = c, c
		}
	}
	a.col = collector.New(cfg)
	a.reg.MustRegister(a.col)
	return a
}

func (a *agent) close() {
	a.col.Close()
	if a.tc != nil {
		a.tc.Close()
	}
}

// ovsConfig is where OVS is, or nil when it is left out.
func (a *agent) ovsConfig() *collector.OVSConfig {
	o := a.o
	if o.noOVS || (o.tree != "" && o.ovsRunDir == "" && o.ovsdbEndpoint == "") {
		return nil
	}
	return &collector.OVSConfig{Control: unixctl.Config{RunDir: o.ovsRunDir}, DBEndpoint: a.ovsdbEndpoint()}
}

func (a *agent) ovsdbEndpoint() string {
	switch {
	case a.o.ovsdbEndpoint != "":
		return a.o.ovsdbEndpoint
	case a.o.ovsRunDir != "":
		return "unix:" + strings.TrimSuffix(a.o.ovsRunDir, "/") + "/db.sock"
	}
	return ovsdb.DefaultEndpoint()
}

// serve runs the HTTP server and reconciles at start and on every value
// from hup, until ctx ends; then it closes the listener and returns nil.
func (a *agent) serve(ctx context.Context, ln net.Listener, hup <-chan os.Signal) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if a.ready.Load() {
			fmt.Fprintln(w, "ready")
			return
		}
		a.mu.Lock()
		why := a.lastErr
		a.mu.Unlock()
		if why == "" {
			why = "the node config is not applied yet"
		}
		http.Error(w, "not ready: "+why, http.StatusServiceUnavailable)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.log.Info("offloadctl agent serving", "addr", ln.Addr().String(), "root", a.h.FS().Root(), "tree", a.o.tree, "config", a.o.config)
	a.reconcile(ctx)
	for {
		select {
		case <-ctx.Done():
			a.log.Info("offloadctl agent stopping", "reason", context.Cause(ctx).Error())
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return err
			}
			return nil
		case <-hup:
			a.log.Info("SIGHUP: reading the node config again")
			a.reconcile(ctx)
		case err := <-served:
			return err
		}
	}
}

// reconcile plans and applies the node config, then checks that a fresh
// plan is empty; only then is the agent ready. A signal to stop does not
// interrupt an apply (it would leave the rollback half done): the apply
// has its own deadline (-timeout).
func (a *agent) reconcile(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.o.timeout)
	defer cancel()
	steps, err := a.apply(ctx)
	a.mu.Lock()
	a.planned = steps
	if err != nil {
		a.lastErr = err.Error()
	} else {
		a.lastErr = ""
	}
	a.mu.Unlock()
	a.ready.Store(err == nil)
	a.col.RefreshDoctor()
	if err != nil {
		a.log.Error("node config not applied", "err", err)
		return
	}
	a.log.Info("node config applied and verified", "steps", steps)
}

func (a *agent) apply(ctx context.Context) (int, error) {
	if a.o.config == "" {
		return 0, nil
	}
	cfg, err := loadConfig(a.o.config)
	if err != nil {
		return 0, err
	}
	ts, err := cfg.resolve(ctx, a.h)
	if err != nil {
		return 0, err
	}
	eng := newEngine(a.h)
	ps, err := planTargets(ctx, eng, ts)
	if err != nil {
		return 0, err
	}
	steps := 0
	for _, p := range ps {
		if p.plan == nil {
			return steps, fmt.Errorf("%s: cannot plan: %s", p.out.PF, p.out.Error)
		}
		n := planSteps(p.plan)
		steps += n
		a.log.Info("switchdev plan", "pf", p.out.PF.String(), "steps", n, "plan", planText(p.plan))
		if n == 0 {
			continue
		}
		if err := applyPlan(ctx, p.plan); err != nil {
			return steps, fmt.Errorf("%s: apply failed (rolled back): %w", p.out.PF, err)
		}
		a.log.Info("switchdev plan applied", "pf", p.out.PF.String(), "steps", n)
	}
	// Verified: a fresh plan of every PF must be empty.
	again, err := planTargets(ctx, eng, ts)
	if err != nil {
		return steps, err
	}
	for _, p := range again {
		if p.plan == nil {
			return steps, fmt.Errorf("%s: cannot plan after apply: %s", p.out.PF, p.out.Error)
		}
		if !planEmpty(p.plan) {
			return steps, fmt.Errorf("%s: %d steps remain after apply", p.out.PF, planSteps(p.plan))
		}
	}
	if cfg.OVS != nil && cfg.OVS.HWOffload != nil {
		if err := a.ovsHWOffload(ctx, *cfg.OVS.HWOffload); err != nil {
			return steps, err
		}
	}
	return steps, nil
}

// ovsHWOffload sets other_config:hw-offload when it differs, and reads it
// back. ovs-vswitchd reads it only at start: the log says so.
func (a *agent) ovsHWOffload(ctx context.Context, on bool) error {
	if a.o.noOVS {
		return errors.New("the config sets ovs.hwOffload but the agent runs with -no-ovs")
	}
	c, err := ovsdb.Connect(ctx, ovsdb.Config{Endpoint: a.ovsdbEndpoint()})
	if err != nil {
		return err
	}
	defer c.Close()
	oc, err := c.OffloadConfig(ctx)
	if err != nil {
		return err
	}
	if oc.HWOffload == on {
		return nil
	}
	if _, err := c.SetHWOffload(ctx, on); err != nil {
		return err
	}
	if oc, err = c.OffloadConfig(ctx); err != nil {
		return err
	}
	if oc.HWOffload != on {
		return fmt.Errorf("other_config:hw-offload still %v after setting it to %v", oc.HWOffload, on)
	}
	a.log.Warn("other_config:hw-offload changed: restart ovs-vswitchd for it to take effect", "hw_offload", on)
	return nil
}
