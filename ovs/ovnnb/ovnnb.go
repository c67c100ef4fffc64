package ovnnb

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/go-logr/logr"
	"github.com/ovn-kubernetes/libovsdb/client"
	"github.com/ovn-kubernetes/libovsdb/model"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// DatabaseName is the OVN northbound database's name.
const DatabaseName = "OVN_Northbound"

// DefaultEndpoint is where ovn-central listens on a Debian host and in
// Kube-OVN's ovn-central pod.
const DefaultEndpoint = "unix:/var/run/ovn/ovnnb_db.sock"

// Config configures LoadBalancers. The zero Config is valid.
type Config struct {
	// Endpoint is the northbound server: "unix:/path", "tcp:host:6641".
	// Default: DefaultEndpoint.
	Endpoint string
	// Logger receives libovsdb's log lines. Default: discarded.
	Logger *slog.Logger
}

// loadBalancerRow is the Load_Balancer table trimmed to the columns read
// here, all present since OVN 20.06 (selection_fields was added then), so
// the client works with old and new servers alike.
type loadBalancerRow struct {
	UUID            string            `ovsdb:"_uuid"`
	Name            string            `ovsdb:"name"`
	VIPs            map[string]string `ovsdb:"vips"`
	Protocol        *string           `ovsdb:"protocol"`
	SelectionFields []string          `ovsdb:"selection_fields"`
}

// LoadBalancer is one OVN load balancer as offload sees it.
type LoadBalancer struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// VIPs is the number of virtual IP:port entries; a load balancer
	// with none installs no flows.
	VIPs int `json:"vips"`
	// Protocol is tcp, udp or sctp; "" when unset (OVN then uses tcp).
	Protocol string `json:"protocol,omitempty"`
	// SelectionFields are the fields OVN hashes on to pick a backend;
	// empty means OVN's default, dp_hash.
	SelectionFields []string `json:"selection_fields,omitempty"`
}

// Selection names how OVN picks a backend: "dp_hash" (the default) or
// "hash(ip_src,ip_dst,...)" when selection_fields are set. Neither can be
// offloaded by the NICs of the guides.
func (lb LoadBalancer) Selection() string {
	if len(lb.SelectionFields) == 0 {
		return "dp_hash"
	}
	return "hash(" + strings.Join(lb.SelectionFields, ",") + ")"
}

// Blocking returns the load balancers whose flows cannot be offloaded:
// every one with at least one VIP, since OVN selects their backends with
// dp_hash or hash, which the guides' NICs do not offload.
func Blocking(lbs []LoadBalancer) []LoadBalancer {
	var out []LoadBalancer
	for _, lb := range lbs {
		if lb.VIPs > 0 {
			out = append(out, lb)
		}
	}
	return out
}

// LoadBalancers connects to the northbound database, reads the
// Load_Balancer table and disconnects. The result is sorted by name, then
// UUID.
func LoadBalancers(ctx context.Context, cfg Config) ([]LoadBalancer, error) {
	ep := cfg.Endpoint
	if ep == "" {
		ep = DefaultEndpoint
	}
	wrap := func(op string, err error) error {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: %w (%w)", errs.ErrTimeout, ctx.Err(), err)
		}
		return &errs.Error{Op: op, Path: ep, Err: err}
	}
	dbModel, err := model.NewClientDBModel(DatabaseName, map[string]model.Model{"Load_Balancer": &loadBalancerRow{}})
	if err != nil {
		return nil, wrap("ovn nb model", err)
	}
	opts := []client.Option{client.WithEndpoint(ep)}
	if cfg.Logger != nil {
		l := logr.FromSlogHandler(cfg.Logger.Handler())
		opts = append(opts, client.WithLogger(&l))
	}
	c, err := client.NewOVSDBClient(dbModel, opts...)
	if err != nil {
		return nil, wrap("ovn nb connect", err)
	}
	if err := c.Connect(ctx); err != nil {
		return nil, wrap("ovn nb connect", err)
	}
	defer c.Close()
	row := &loadBalancerRow{}
	// Name the columns: a monitor of every column would fail on columns
	// the trimmed model lacks.
	mon := c.NewMonitor(client.WithTable(row, &row.Name, &row.VIPs, &row.Protocol, &row.SelectionFields))
	if _, err := c.Monitor(ctx, mon); err != nil {
		return nil, wrap("ovn nb monitor Load_Balancer", err)
	}
	var rows []loadBalancerRow
	if err := c.List(ctx, &rows); err != nil {
		return nil, wrap("ovn nb list Load_Balancer", err)
	}
	out := make([]LoadBalancer, 0, len(rows))
	for _, r := range rows {
		lb := LoadBalancer{UUID: r.UUID, Name: r.Name, VIPs: len(r.VIPs), SelectionFields: append([]string(nil), r.SelectionFields...)}
		if r.Protocol != nil {
			lb.Protocol = *r.Protocol
		}
		sort.Strings(lb.SelectionFields)
		out = append(out, lb)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].UUID < out[j].UUID
	})
	return out, nil
}
