package ovsdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/ovn-kubernetes/libovsdb/cache"
	"github.com/ovn-kubernetes/libovsdb/client"
	"github.com/ovn-kubernetes/libovsdb/model"
	libovsdb "github.com/ovn-kubernetes/libovsdb/ovsdb"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// DefaultRunDir is the OVS run directory when OVS_RUNDIR is not set.
const DefaultRunDir = "/var/run/openvswitch"

// DefaultEndpoint returns unix:<rundir>/db.sock, rundir being the
// OVS_RUNDIR environment variable when set, else DefaultRunDir.
func DefaultEndpoint() string {
	dir := os.Getenv("OVS_RUNDIR")
	if dir == "" {
		dir = DefaultRunDir
	}
	return "unix:" + filepath.Join(dir, "db.sock")
}

// Config configures Connect. The zero Config is valid: the local
// ovsdb-server at DefaultEndpoint(), libovsdb's log discarded.
type Config struct {
	// Endpoint is the OVSDB server: "unix:/path", "tcp:host:port".
	// Default: DefaultEndpoint(). Privilege: connecting to a unix socket
	// needs write permission on it, and ovsdb-server creates db.sock
	// root-owned with mode 0750 (OVS 3.1 under umask 022): root, for reads
	// as for writes. A TCP endpoint needs only network access to it.
	Endpoint string
	// Logger receives libovsdb's log lines. Default: nil, discarded.
	// Privilege: none.
	Logger *slog.Logger
}

// Client is a connection to ovsdb-server with a cache of the Open_vSwitch,
// Bridge, Port and Interface tables, kept current by a monitor. It is safe
// for concurrent use. Writes return once the cache holds them, so a read
// after a write sees it. The Client does not reconnect: after
// ovsdb-server restarts, calls fail and the caller should Connect again.
type Client struct {
	endpoint string
	ovs      client.Client
	// changed is closed and replaced on every cache update, so waiters
	// wake up without polling.
	mu      sync.Mutex
	changed chan struct{}
}

// Connect dials the OVSDB server and starts monitoring the columns this
// package uses.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	ep := cfg.Endpoint
	if ep == "" {
		ep = DefaultEndpoint()
	}
	dbModel, err := NewDatabaseModel()
	if err != nil {
		return nil, &errs.Error{Op: "ovsdb model", Path: ep, Err: err}
	}
	opts := []client.Option{client.WithEndpoint(ep)}
	if cfg.Logger != nil {
		l := logr.FromSlogHandler(cfg.Logger.Handler())
		opts = append(opts, client.WithLogger(&l))
	}
	ovs, err := client.NewOVSDBClient(dbModel, opts...)
	if err != nil {
		return nil, &errs.Error{Op: "ovsdb connect", Path: ep, Err: err}
	}
	c := &Client{endpoint: ep, ovs: ovs, changed: make(chan struct{})}
	if err := ovs.Connect(ctx); err != nil {
		return nil, c.wrap(ctx, "ovsdb connect", "", err)
	}
	ovs.Cache().AddEventHandler(&cache.EventHandlerFuncs{
		AddFunc:    func(string, model.Model) { c.notify() },
		UpdateFunc: func(string, model.Model, model.Model) { c.notify() },
		DeleteFunc: func(string, model.Model) { c.notify() },
	})
	o, b, p, i := &OpenvSwitch{}, &Bridge{}, &Port{}, &Interface{}
	// Name every column: without fields libovsdb asks for all columns of
	// the server's schema, and updates to columns the trimmed model lacks
	// (Interface link_speed, Bridge datapath_version) then fail to apply
	// and the whole update, cur_cfg included, is lost.
	mon := ovs.NewMonitor(
		client.WithTable(o, &o.Bridges, &o.NextCfg, &o.CurCfg, &o.OtherConfig, &o.ExternalIDs,
			&o.OVSVersion, &o.DBVersion, &o.DatapathTypes, &o.IfaceTypes),
		client.WithTable(b, &b.Name, &b.Ports, &b.DatapathType, &b.ExternalIDs, &b.OtherConfig),
		client.WithTable(p, &p.Name, &p.Interfaces, &p.ExternalIDs),
		client.WithTable(i, &i.Name, &i.Type, &i.Options, &i.ExternalIDs, &i.OFPort, &i.Error),
	)
	if _, err := ovs.Monitor(ctx, mon); err != nil {
		ovs.Close()
		return nil, c.wrap(ctx, "ovsdb monitor", "", err)
	}
	return c, nil
}

// Close disconnects.
func (c *Client) Close() {
	c.ovs.Close()
}

// Endpoint returns the server address in use.
func (c *Client) Endpoint() string { return c.endpoint }

func (c *Client) notify() {
	c.mu.Lock()
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

func (c *Client) changes() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// wrap builds the package's error: the endpoint as Path, the object as
// Device, context expiry as ErrTimeout.
func (c *Client) wrap(ctx context.Context, op, object string, err error) error {
	if ctx.Err() != nil && !errors.Is(err, errs.ErrTimeout) {
		err = fmt.Errorf("%w: %w (%w)", errs.ErrTimeout, ctx.Err(), err)
	}
	return &errs.Error{Op: op, Device: object, Path: c.endpoint, Err: err}
}

// root returns the Open_vSwitch row from the cache.
func (c *Client) root(ctx context.Context) (OpenvSwitch, error) {
	var rows []OpenvSwitch
	if err := c.ovs.List(ctx, &rows); err != nil {
		return OpenvSwitch{}, err
	}
	if len(rows) != 1 {
		return OpenvSwitch{}, fmt.Errorf("%w: Open_vSwitch table has %d rows (database not initialised?)", errs.ErrNotFound, len(rows))
	}
	return rows[0], nil
}

// System is what ovs-vswitchd and the startup scripts record about the
// running switch.
type System struct {
	// OVSVersion is ovs_version ("3.1.0"); "" when not recorded.
	OVSVersion string
	// DBVersion is db_version, the schema version ("8.3.1").
	DBVersion string
	// DatapathTypes lists supported datapaths ("netdev", "system").
	DatapathTypes []string
	// IfaceTypes lists supported interface types.
	IfaceTypes []string
	// NextCfg and CurCfg are the configuration generation counters;
	// CurCfg < NextCfg while ovs-vswitchd has a change to apply.
	NextCfg, CurCfg int
	// ExternalIDs is the row's external_ids (system-id, hostname...).
	ExternalIDs map[string]string
}

// System reads the Open_vSwitch row.
func (c *Client) System(ctx context.Context) (System, error) {
	r, err := c.root(ctx)
	if err != nil {
		return System{}, c.wrap(ctx, "ovsdb read Open_vSwitch", "", err)
	}
	s := System{
		DatapathTypes: r.DatapathTypes,
		IfaceTypes:    r.IfaceTypes,
		NextCfg:       r.NextCfg,
		CurCfg:        r.CurCfg,
		ExternalIDs:   r.ExternalIDs,
	}
	if r.OVSVersion != nil {
		s.OVSVersion = *r.OVSVersion
	}
	if r.DBVersion != nil {
		s.DBVersion = *r.DBVersion
	}
	return s, nil
}

// Generation is a value of next_cfg: a change is applied once cur_cfg
// reaches it.
type Generation int

// WaitApplied waits until ovs-vswitchd has applied configuration
// generation g (cur_cfg >= g), as ovs-vsctl does after a change. A g of 0
// waits for the current next_cfg. It returns ErrTimeout (and the context's
// error) if ctx ends first, for example because ovs-vswitchd is not
// running.
func (c *Client) WaitApplied(ctx context.Context, g Generation) error {
	for {
		ch := c.changes()
		r, err := c.root(ctx)
		if err != nil {
			return c.wrap(ctx, "ovsdb wait cur_cfg", "", err)
		}
		if g == 0 {
			g = Generation(r.NextCfg)
		}
		if r.CurCfg >= int(g) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return c.wrap(ctx, "ovsdb wait cur_cfg", "",
				fmt.Errorf("%w: cur_cfg %d, waiting for %d: %w", errs.ErrTimeout, r.CurCfg, g, ctx.Err()))
		case <-time.After(time.Second):
			// A reconnect may swallow the update that mattered: look
			// again now and then rather than trust the event alone.
		}
	}
}

// transact runs ops plus a next_cfg increment and returns the new next_cfg.
func (c *Client) transact(ctx context.Context, op, object string, ops []libovsdb.Operation) (Generation, []libovsdb.OperationResult, error) {
	r, err := c.root(ctx)
	if err != nil {
		return 0, nil, c.wrap(ctx, op, object, err)
	}
	root := &OpenvSwitch{UUID: r.UUID}
	bump, err := c.ovs.Where(root).Mutate(root, model.Mutation{Field: &root.NextCfg, Mutator: libovsdb.MutateOperationAdd, Value: 1})
	if err != nil {
		return 0, nil, c.wrap(ctx, op, object, err)
	}
	ops = append(ops, bump...)
	// Read next_cfg back in the same transaction: another client may bump
	// it concurrently, and the value this change must wait for is ours.
	ops = append(ops, libovsdb.Operation{
		Op:      libovsdb.OperationSelect,
		Table:   "Open_vSwitch",
		Where:   []libovsdb.Condition{libovsdb.NewCondition("_uuid", libovsdb.ConditionEqual, libovsdb.UUID{GoUUID: r.UUID})},
		Columns: []string{"next_cfg"},
	})
	res, err := c.ovs.Transact(ctx, ops...)
	if err != nil {
		return 0, res, c.wrap(ctx, op, object, err)
	}
	if _, err := libovsdb.CheckOperationResults(res, ops); err != nil {
		return 0, res, c.wrap(ctx, op, object, err)
	}
	sel := res[len(ops)-1]
	if len(sel.Rows) != 1 {
		return 0, res, c.wrap(ctx, op, object, errors.New("next_cfg not returned"))
	}
	var gen Generation
	switch v := sel.Rows[0]["next_cfg"].(type) {
	case float64:
		gen = Generation(v)
	case int:
		gen = Generation(v)
	default:
		return 0, res, c.wrap(ctx, op, object, fmt.Errorf("next_cfg has type %T", v))
	}
	// Read your writes: the server sends the monitor update for this
	// transaction just after its reply; wait for it so a read that follows
	// sees the change.
	for {
		ch := c.changes()
		r, err := c.root(ctx)
		if err == nil && r.NextCfg >= int(gen) {
			return gen, res, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return gen, res, c.wrap(ctx, op, object, fmt.Errorf("%w: committed, but the update did not arrive: %w", errs.ErrTimeout, ctx.Err()))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// setOtherConfig sets (or with value "" removes) keys of the Open_vSwitch
// row's other_config. An OVSDB map insert never replaces an existing key,
// so each key is deleted and inserted in one transaction.
func (c *Client) setOtherConfig(ctx context.Context, kv map[string]string) (Generation, error) {
	op := "ovsdb set other_config"
	keys := make([]string, 0, len(kv))
	set := map[string]string{}
	for k, v := range kv {
		keys = append(keys, k)
		if v != "" {
			set[k] = v
		}
	}
	r, err := c.root(ctx)
	if err != nil {
		return 0, c.wrap(ctx, op, strings.Join(keys, ","), err)
	}
	root := &OpenvSwitch{UUID: r.UUID}
	muts := []model.Mutation{{Field: &root.OtherConfig, Mutator: libovsdb.MutateOperationDelete, Value: keys}}
	ops, err := c.ovs.Where(root).Mutate(root, muts...)
	if err != nil {
		return 0, c.wrap(ctx, op, strings.Join(keys, ","), err)
	}
	if len(set) > 0 {
		ins, err := c.ovs.Where(root).Mutate(root, model.Mutation{Field: &root.OtherConfig, Mutator: libovsdb.MutateOperationInsert, Value: set})
		if err != nil {
			return 0, c.wrap(ctx, op, strings.Join(keys, ","), err)
		}
		ops = append(ops, ins...)
	}
	gen, _, err := c.transact(ctx, op, strings.Join(keys, ","), ops)
	return gen, err
}

// OtherConfig returns the Open_vSwitch row's other_config.
func (c *Client) OtherConfig(ctx context.Context) (map[string]string, error) {
	r, err := c.root(ctx)
	if err != nil {
		return nil, c.wrap(ctx, "ovsdb read other_config", "", err)
	}
	return r.OtherConfig, nil
}
