package podnet

import (
	"context"
	"maps"

	"github.com/offloadkit/offloadkit/ovs/ovsdb"
)

// PortSpec returns the ovs/ovsdb port that adds p to bridge:
// external_ids:iface-id goes to PortSpec.IfaceID, the rest as they are.
func (p OVSPort) PortSpec(bridge string) ovsdb.PortSpec {
	ext := maps.Clone(p.ExternalIDs)
	id := ext[ovsdb.KeyIfaceID]
	delete(ext, ovsdb.KeyIfaceID)
	if len(ext) == 0 {
		ext = nil
	}
	return ovsdb.PortSpec{Bridge: bridge, Name: p.Name, Type: p.Type, IfaceID: id, ExternalIDs: ext, Options: maps.Clone(p.Options)}
}

// AddToBridge adds the attachment's port to bridge (the integration
// bridge, br-int) and waits until ovs-vswitchd has opened it; see
// ovsdb.Client.AddPort for the errors. Call it after AttachVF; on failure
// the caller decides whether to DetachVF.
func (a *Attachment) AddToBridge(ctx context.Context, c *ovsdb.Client, bridge string) error {
	return c.AddPort(ctx, a.Port.PortSpec(bridge))
}

// RemoveFromBridge removes the attachment's port from bridge; call it
// before DetachVF, which renames the representor back.
func (a *Attachment) RemoveFromBridge(ctx context.Context, c *ovsdb.Client, bridge string) error {
	return c.DelPort(ctx, bridge, a.Port.Name)
}
