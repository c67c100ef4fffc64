package ovsdb

import (
	"github.com/ovn-kubernetes/libovsdb/model"
)

// DatabaseName is the OVS configuration database's name.
const DatabaseName = "Open_vSwitch"

// The models below are hand-trimmed to the columns offloadkit reads or
// writes, all present since OVS 2.5, so the client connects to old and new
// ovsdb-servers alike (libovsdb refuses a model column the server's schema
// lacks, not the reverse).

// OpenvSwitch is the single row of the Open_vSwitch table: global
// configuration and what ovs-vswitchd reports about itself.
type OpenvSwitch struct {
	UUID string `ovsdb:"_uuid"`
	// Bridges references the Bridge rows.
	Bridges []string `ovsdb:"bridges"`
	// NextCfg is bumped by a client that wants to know when ovs-vswitchd
	// has applied its change; ovs-vswitchd copies it to CurCfg when done.
	NextCfg int `ovsdb:"next_cfg"`
	// CurCfg is the last NextCfg ovs-vswitchd applied.
	CurCfg int `ovsdb:"cur_cfg"`
	// OtherConfig holds hw-offload, tc-policy, max-idle and the rest.
	OtherConfig map[string]string `ovsdb:"other_config"`
	// ExternalIDs belongs to integrators (system-id, ovn-remote...).
	ExternalIDs map[string]string `ovsdb:"external_ids"`
	// OVSVersion is written by the startup scripts or ovs-vswitchd.
	OVSVersion *string `ovsdb:"ovs_version"`
	// DBVersion is the schema version the startup scripts recorded.
	DBVersion *string `ovsdb:"db_version"`
	// DatapathTypes lists the datapath types ovs-vswitchd supports.
	DatapathTypes []string `ovsdb:"datapath_types"`
	// IfaceTypes lists the interface types ovs-vswitchd supports.
	IfaceTypes []string `ovsdb:"iface_types"`
}

// Bridge is a row of the Bridge table.
type Bridge struct {
	UUID string `ovsdb:"_uuid"`
	// Name is the bridge's name, also its internal port's netdev name.
	Name string `ovsdb:"name"`
	// Ports references the bridge's Port rows.
	Ports []string `ovsdb:"ports"`
	// DatapathType is "" or "system" for the kernel datapath, "netdev"
	// for the userspace (DPDK) datapath.
	DatapathType string `ovsdb:"datapath_type"`
	// ExternalIDs belongs to integrators.
	ExternalIDs map[string]string `ovsdb:"external_ids"`
	// OtherConfig holds per-bridge settings.
	OtherConfig map[string]string `ovsdb:"other_config"`
}

// Port is a row of the Port table.
type Port struct {
	UUID string `ovsdb:"_uuid"`
	// Name is the port's name.
	Name string `ovsdb:"name"`
	// Interfaces references the port's Interface rows (one, unless a bond).
	Interfaces []string `ovsdb:"interfaces"`
	// ExternalIDs belongs to integrators.
	ExternalIDs map[string]string `ovsdb:"external_ids"`
}

// Interface is a row of the Interface table.
type Interface struct {
	UUID string `ovsdb:"_uuid"`
	// Name is the interface's name: the netdev for system ports.
	Name string `ovsdb:"name"`
	// Type is "" (a system netdev, e.g. a VF representor), "internal",
	// "dpdk", "vxlan", "geneve"...
	Type string `ovsdb:"type"`
	// Options are type-specific (dpdk-devargs, remote_ip...).
	Options map[string]string `ovsdb:"options"`
	// ExternalIDs holds iface-id and other integrator keys.
	ExternalIDs map[string]string `ovsdb:"external_ids"`
	// OFPort is set by ovs-vswitchd: the OpenFlow port, -1 when the
	// interface could not be added, nil until ovs-vswitchd has looked.
	OFPort *int `ovsdb:"ofport"`
	// Error is set by ovs-vswitchd when the interface could not be opened.
	Error *string `ovsdb:"error"`
}

// NewDatabaseModel returns the client model of the tables above.
func NewDatabaseModel() (model.ClientDBModel, error) {
	return model.NewClientDBModel(DatabaseName, map[string]model.Model{
		"Open_vSwitch": &OpenvSwitch{},
		"Bridge":       &Bridge{},
		"Port":         &Port{},
		"Interface":    &Interface{},
	})
}
