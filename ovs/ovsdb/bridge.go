package ovsdb

import (
	"context"
	"fmt"

	"github.com/ovn-kubernetes/libovsdb/model"
	libovsdb "github.com/ovn-kubernetes/libovsdb/ovsdb"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Datapath types of the Bridge datapath_type column.
const (
	// DatapathSystem is the kernel datapath (the default, also "").
	DatapathSystem = "system"
	// DatapathNetdev is the userspace datapath (DPDK, AF_XDP, or plain
	// netdevs for tests).
	DatapathNetdev = "netdev"
)

// AddBridge creates a bridge with its internal port, as ovs-vsctl add-br
// does, and waits until ovs-vswitchd has applied it. datapathType is ""
// (kernel), DatapathSystem or DatapathNetdev. An existing bridge is
// ErrExists.
func (c *Client) AddBridge(ctx context.Context, name, datapathType string) error {
	op := "ovsdb add-br"
	if err := errs.ValidateIfName(name); err != nil {
		return &errs.Error{Op: op, Device: name, Path: c.endpoint, Err: err}
	}
	switch datapathType {
	case "", DatapathSystem, DatapathNetdev:
	default:
		return &errs.Error{Op: op, Device: name, Path: c.endpoint,
			Err: errs.Invalid("datapath type", datapathType, "want system or netdev")}
	}
	if _, err := c.getBridge(ctx, name); err == nil {
		return c.wrap(ctx, op, name, fmt.Errorf("%w: bridge %q", errs.ErrExists, name))
	}
	if _, err := c.getPort(ctx, name); err == nil {
		return c.wrap(ctx, op, name, fmt.Errorf("%w: a port named %q", errs.ErrExists, name))
	}
	r, err := c.root(ctx)
	if err != nil {
		return c.wrap(ctx, op, name, err)
	}
	iface := &Interface{UUID: "new_iface", Name: name, Type: "internal"}
	port := &Port{UUID: "new_port", Name: name, Interfaces: []string{iface.UUID}}
	br := &Bridge{UUID: "new_bridge", Name: name, Ports: []string{port.UUID}, DatapathType: datapathType}
	var ops []libovsdb.Operation
	for _, m := range []model.Model{iface, port, br} {
		o, err := c.ovs.Create(m)
		if err != nil {
			return c.wrap(ctx, op, name, err)
		}
		ops = append(ops, o...)
	}
	root := &OpenvSwitch{UUID: r.UUID}
	mut, err := c.ovs.Where(root).Mutate(root, model.Mutation{Field: &root.Bridges, Mutator: libovsdb.MutateOperationInsert, Value: []string{br.UUID}})
	if err != nil {
		return c.wrap(ctx, op, name, err)
	}
	gen, _, err := c.transact(ctx, op, name, append(ops, mut...))
	if err != nil {
		return err
	}
	if err := c.WaitApplied(ctx, gen); err != nil {
		return c.wrap(ctx, op, name, err)
	}
	return nil
}
