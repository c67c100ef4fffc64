package ovsdb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ovn-kubernetes/libovsdb/client"
	"github.com/ovn-kubernetes/libovsdb/model"
	libovsdb "github.com/ovn-kubernetes/libovsdb/ovsdb"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// KeyIfaceID is the Interface external_ids key OVN (and Kube-OVN,
// ovn-kubernetes) binds a logical switch port by.
const KeyIfaceID = "iface-id"

// KeyDPDKDevargs is the Interface option naming a DPDK port's device
// ("0000:00:0a.0" or "0000:00:0a.0,representor=[3]").
const KeyDPDKDevargs = "dpdk-devargs"

// InterfaceTypeDPDK is the Interface type of a DPDK port.
const InterfaceTypeDPDK = "dpdk"

// PortSpec describes a port with one interface of the same name.
type PortSpec struct {
	// Bridge is the bridge to add to; it must exist.
	Bridge string
	// Name is the port and interface name: for a system port, the
	// netdev (the VF representor).
	Name string
	// Type is the Interface type: "" for a system netdev,
	// InterfaceTypeDPDK, "internal"...
	Type string
	// IfaceID, when set, becomes external_ids:iface-id on the Interface.
	IfaceID string
	// ExternalIDs are more Interface external_ids.
	ExternalIDs map[string]string
	// Options are Interface options (dpdk-devargs...).
	Options map[string]string
}

// RepresentorPort is the port a CNI adds for a VF representor: a system
// netdev named rep on bridge, bound to the logical port ifaceID.
func RepresentorPort(bridge, rep, ifaceID string) PortSpec {
	return PortSpec{Bridge: bridge, Name: rep, IfaceID: ifaceID}
}

// DPDKPort is a DPDK port for the userspace datapath (the YUSUR guide's
// setup): type dpdk with options:dpdk-devargs set to devargs.
func DPDKPort(bridge, name, devargs, ifaceID string) PortSpec {
	return PortSpec{Bridge: bridge, Name: name, Type: InterfaceTypeDPDK, IfaceID: ifaceID,
		Options: map[string]string{KeyDPDKDevargs: devargs}}
}

// printable reports whether s is non-empty ASCII without control
// characters, and without spaces unless spaces is set.
func printable(s string, spaces bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || (c == ' ' && !spaces) {
			return false
		}
	}
	return true
}

// Validate checks the spec without touching the database. Bridge and port
// names follow the kernel's interface name rule (they are netdevs, and come
// from CNI requests); the rest must be printable ASCII.
func (s PortSpec) Validate() error {
	if err := errs.ValidateIfName(s.Bridge); err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	if err := errs.ValidateIfName(s.Name); err != nil {
		return fmt.Errorf("port: %w", err)
	}
	if s.Type != "" {
		for i := 0; i < len(s.Type); i++ {
			c := s.Type[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') || len(s.Type) > 32 {
				return errs.Invalid("interface type", s.Type, "want lower-case letters, digits, '_' or '-'")
			}
		}
	}
	if s.IfaceID != "" && (!printable(s.IfaceID, false) || len(s.IfaceID) > 256) {
		return errs.Invalid("iface-id", s.IfaceID, "want 1-256 printable ASCII characters without spaces")
	}
	for what, m := range map[string]map[string]string{"external_ids": s.ExternalIDs, "options": s.Options} {
		for k, v := range m {
			if !printable(k, false) || len(k) > 256 {
				return errs.Invalid(what+" key", k, "want printable ASCII without spaces")
			}
			if !printable(v, true) || len(v) > 4096 {
				return errs.Invalid(what+" value", v, "want printable ASCII")
			}
		}
	}
	if s.Type == InterfaceTypeDPDK && s.Options[KeyDPDKDevargs] == "" {
		return errs.Invalid("dpdk-devargs", "", "a dpdk port needs options:dpdk-devargs")
	}
	return nil
}

// Bridges lists the bridges in the cache.
func (c *Client) Bridges(ctx context.Context) ([]Bridge, error) {
	var bs []Bridge
	if err := c.ovs.List(ctx, &bs); err != nil {
		return nil, c.wrap(ctx, "ovsdb list bridges", "", err)
	}
	slices.SortFunc(bs, func(a, b Bridge) int { return strings.Compare(a.Name, b.Name) })
	return bs, nil
}

// getBridge, getPort and getInterface look a row up by name in the cache.
func (c *Client) getBridge(ctx context.Context, name string) (*Bridge, error) {
	b := &Bridge{Name: name}
	if err := c.ovs.Get(ctx, b); err != nil {
		return nil, notFound(err, "bridge", name)
	}
	return b, nil
}

func (c *Client) getPort(ctx context.Context, name string) (*Port, error) {
	p := &Port{Name: name}
	if err := c.ovs.Get(ctx, p); err != nil {
		return nil, notFound(err, "port", name)
	}
	return p, nil
}

// Interface returns the Interface row named name, with what ovs-vswitchd
// reported (ofport, error).
func (c *Client) Interface(ctx context.Context, name string) (Interface, error) {
	if err := errs.ValidateIfName(name); err != nil {
		return Interface{}, err
	}
	i := &Interface{Name: name}
	if err := c.ovs.Get(ctx, i); err != nil {
		return Interface{}, c.wrap(ctx, "ovsdb get interface", name, notFound(err, "interface", name))
	}
	return *i, nil
}

func notFound(err error, what, name string) error {
	if errors.Is(err, client.ErrNotFound) {
		return fmt.Errorf("%w: %s %q", errs.ErrNotFound, what, name)
	}
	return err
}

// AddPort adds the port to its bridge and waits, as ovs-vsctl add-port
// does, until ovs-vswitchd has applied it; then it checks the interface
// opened (ofport set, no error). If it did not, or the wait ends with ctx,
// the port is removed again and the error says why: ErrNotApplied with
// OVS's text (a representor that does not exist: "could not open network
// device ... (No such device)", which also matches ErrNotFound), or
// ErrTimeout. A missing bridge is ErrNotFound, an existing port ErrExists,
// an interface type ovs-vswitchd does not list in iface_types (dpdk on a
// build without DPDK) ErrNotSupported, before anything is written.
func (c *Client) AddPort(ctx context.Context, spec PortSpec) error {
	op := "ovsdb add-port"
	if err := spec.Validate(); err != nil {
		return &errs.Error{Op: op, Device: spec.Bridge + "/" + spec.Name, Path: c.endpoint, Err: err}
	}
	obj := spec.Bridge + "/" + spec.Name
	br, err := c.getBridge(ctx, spec.Bridge)
	if err != nil {
		return c.wrap(ctx, op, obj, err)
	}
	if _, err := c.getPort(ctx, spec.Name); err == nil {
		return c.wrap(ctx, op, obj, fmt.Errorf("%w: port %q", errs.ErrExists, spec.Name))
	}
	// ovs-vswitchd lists the interface types it can open (a build without
	// DPDK has no "dpdk"): refuse early rather than add, fail and roll back.
	if spec.Type != "" {
		r, err := c.root(ctx)
		if err != nil {
			return c.wrap(ctx, op, obj, err)
		}
		if len(r.IfaceTypes) > 0 && !slices.Contains(r.IfaceTypes, spec.Type) {
			return c.wrap(ctx, op, obj, fmt.Errorf("%w: ovs-vswitchd has no interface type %q (iface_types: %s)",
				errs.ErrNotSupported, spec.Type, strings.Join(r.IfaceTypes, ", ")))
		}
	}
	ext := maps.Clone(spec.ExternalIDs)
	if spec.IfaceID != "" {
		if ext == nil {
			ext = map[string]string{}
		}
		ext[KeyIfaceID] = spec.IfaceID
	}
	iface := &Interface{UUID: "new_iface", Name: spec.Name, Type: spec.Type, Options: spec.Options, ExternalIDs: ext}
	port := &Port{UUID: "new_port", Name: spec.Name, Interfaces: []string{iface.UUID}}
	// Create takes the rows of one table per call.
	ops, err := c.ovs.Create(iface)
	if err != nil {
		return c.wrap(ctx, op, obj, err)
	}
	pops, err := c.ovs.Create(port)
	if err != nil {
		return c.wrap(ctx, op, obj, err)
	}
	ops = append(ops, pops...)
	mut, err := c.ovs.Where(br).Mutate(br, model.Mutation{Field: &br.Ports, Mutator: libovsdb.MutateOperationInsert, Value: []string{port.UUID}})
	if err != nil {
		return c.wrap(ctx, op, obj, err)
	}
	ops = append(ops, mut...)
	mutIdx := len(ops) - 1
	gen, res, err := c.transact(ctx, op, obj, ops)
	if err != nil {
		var ce *libovsdb.ConstraintViolation
		if errors.As(err, &ce) {
			return c.wrap(ctx, op, obj, fmt.Errorf("%w: port %q: %w", errs.ErrExists, spec.Name, err))
		}
		return err
	}
	if res[mutIdx].Count != 1 {
		// The bridge went away between the cache read and the
		// transaction; the new rows were not referenced, so OVSDB
		// garbage-collected them.
		return c.wrap(ctx, op, obj, fmt.Errorf("%w: bridge %q", errs.ErrNotFound, spec.Bridge))
	}
	verr := c.WaitApplied(ctx, gen)
	if verr == nil {
		i, err := c.Interface(ctx, spec.Name)
		switch {
		case err != nil:
			verr = err
		case i.Error != nil && *i.Error != "":
			verr = &applyError{msg: *i.Error}
		case i.OFPort == nil || *i.OFPort < 0:
			verr = &applyError{msg: "ovs-vswitchd assigned no OpenFlow port"}
		}
	}
	if verr == nil {
		return nil
	}
	// Roll back with a context of our own: the caller's may be what ended.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if rerr := c.delPort(rctx, spec.Bridge, spec.Name, false); rerr != nil {
		return c.wrap(ctx, op, obj, fmt.Errorf("%w (and removing it again failed: %w)", verr, rerr))
	}
	return c.wrap(ctx, op, obj, verr)
}

// applyError is ovs-vswitchd's Interface error column. It matches
// ErrNotApplied and, from the strerror text OVS appends, ErrNotFound,
// ErrPermission or ErrBusy.
type applyError struct{ msg string }

func (e *applyError) Error() string { return "ovs-vswitchd: " + e.msg }

func (e *applyError) Is(target error) bool {
	switch target {
	case errs.ErrNotApplied:
		return true
	case errs.ErrNotFound:
		return strings.Contains(e.msg, "(No such device)") || strings.Contains(e.msg, "(No such file or directory)")
	case errs.ErrPermission:
		return strings.Contains(e.msg, "(Operation not permitted)") || strings.Contains(e.msg, "(Permission denied)")
	case errs.ErrBusy:
		return strings.Contains(e.msg, "(Device or resource busy)")
	}
	return false
}

// DelPort removes the port from bridge and waits until ovs-vswitchd has
// applied that. A port that does not exist, or is on another bridge, is
// ErrNotFound.
func (c *Client) DelPort(ctx context.Context, bridge, name string) error {
	return c.delPort(ctx, bridge, name, true)
}

func (c *Client) delPort(ctx context.Context, bridge, name string, wait bool) error {
	op := "ovsdb del-port"
	obj := bridge + "/" + name
	if err := errs.ValidateIfName(bridge); err != nil {
		return &errs.Error{Op: op, Device: obj, Path: c.endpoint, Err: err}
	}
	if err := errs.ValidateIfName(name); err != nil {
		return &errs.Error{Op: op, Device: obj, Path: c.endpoint, Err: err}
	}
	br, err := c.getBridge(ctx, bridge)
	if err != nil {
		return c.wrap(ctx, op, obj, err)
	}
	p, err := c.getPort(ctx, name)
	if err != nil {
		return c.wrap(ctx, op, obj, err)
	}
	if !slices.Contains(br.Ports, p.UUID) {
		return c.wrap(ctx, op, obj, fmt.Errorf("%w: port %q is not on bridge %q", errs.ErrNotFound, name, bridge))
	}
	ops, err := c.ovs.Where(br).Mutate(br, model.Mutation{Field: &br.Ports, Mutator: libovsdb.MutateOperationDelete, Value: []string{p.UUID}})
	if err != nil {
		return c.wrap(ctx, op, obj, err)
	}
	// Port and Interface rows are garbage-collected once unreferenced;
	// deleting them explicitly as well keeps servers without GC (and
	// libovsdb's test server) consistent.
	del, err := c.ovs.Where(p).Delete()
	if err != nil {
		return c.wrap(ctx, op, obj, err)
	}
	ops = append(ops, del...)
	for _, u := range p.Interfaces {
		d, err := c.ovs.Where(&Interface{UUID: u}).Delete()
		if err != nil {
			return c.wrap(ctx, op, obj, err)
		}
		ops = append(ops, d...)
	}
	gen, _, err := c.transact(ctx, op, obj, ops)
	if err != nil || !wait {
		return err
	}
	if err := c.WaitApplied(ctx, gen); err != nil {
		return c.wrap(ctx, op, obj, err)
	}
	return nil
}
