package upstreamcheck

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The sriov-network-operator's API types (module
// github.com/k8snetworkplumbingwg/sriov-network-operator v1.6.0, package
// api/v1), mirrored field for field with their JSON names, since that
// package cannot be built here (see doc.go). TestMirrorMatchesCRD holds
// them to the operator's CRD schemas of the same release.

type sriovNetworkNodePolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              sriovNetworkNodePolicySpec   `json:"spec,omitempty"`
	Status            sriovNetworkNodePolicyStatus `json:"status,omitempty"`
}

type sriovNetworkNodePolicyStatus struct{}

type sriovNetworkNodePolicySpec struct {
	ResourceName      string                  `json:"resourceName"`
	NodeSelector      map[string]string       `json:"nodeSelector"`
	Priority          int                     `json:"priority,omitempty"`
	Mtu               int                     `json:"mtu,omitempty"`
	NumVfs            int                     `json:"numVfs"`
	NicSelector       sriovNetworkNicSelector `json:"nicSelector"`
	DeviceType        string                  `json:"deviceType,omitempty"`
	IsRdma            bool                    `json:"isRdma,omitempty"`
	NeedVhostNet      bool                    `json:"needVhostNet,omitempty"`
	LinkType          string                  `json:"linkType,omitempty"`
	EswitchMode       string                  `json:"eSwitchMode,omitempty"`
	VdpaType          string                  `json:"vdpaType,omitempty"`
	ExcludeTopology   bool                    `json:"excludeTopology,omitempty"`
	ExternallyManaged bool                    `json:"externallyManaged,omitempty"`
	Bridge            sriovBridge             `json:"bridge,omitempty"`
}

type sriovNetworkNicSelector struct {
	Vendor      string   `json:"vendor,omitempty"`
	DeviceID    string   `json:"deviceID,omitempty"`
	RootDevices []string `json:"rootDevices,omitempty"`
	PfNames     []string `json:"pfNames,omitempty"`
	NetFilter   string   `json:"netFilter,omitempty"`
}

type sriovBridge struct {
	OVS *sriovOVSConfig `json:"ovs,omitempty"`
}

type sriovOVSConfig struct {
	Bridge sriovOVSBridgeConfig `json:"bridge,omitempty"`
	Uplink sriovOVSUplinkConfig `json:"uplink,omitempty"`
}

type sriovOVSBridgeConfig struct {
	DatapathType string            `json:"datapathType,omitempty"`
	ExternalIDs  map[string]string `json:"externalIDs,omitempty"`
	OtherConfig  map[string]string `json:"otherConfig,omitempty"`
}

type sriovOVSUplinkConfig struct {
	Interface sriovOVSInterfaceConfig `json:"interface,omitempty"`
}

type sriovOVSInterfaceConfig struct {
	Type        string            `json:"type,omitempty"`
	Options     map[string]string `json:"options,omitempty"`
	ExternalIDs map[string]string `json:"externalIDs,omitempty"`
	OtherConfig map[string]string `json:"otherConfig,omitempty"`
	MTURequest  *int              `json:"mtuRequest,omitempty"`
}

type sriovNetworkNodeState struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              sriovNetworkNodeStateSpec   `json:"spec,omitempty"`
	Status            sriovNetworkNodeStateStatus `json:"status,omitempty"`
}

type sriovNetworkNodeStateSpec struct {
	Interfaces []sriovInterface `json:"interfaces,omitempty"`
	Bridges    sriovBridges     `json:"bridges,omitempty"`
	System     sriovSystem      `json:"system,omitempty"`
}

type sriovInterface struct {
	PciAddress        string         `json:"pciAddress"`
	NumVfs            int            `json:"numVfs,omitempty"`
	Mtu               int            `json:"mtu,omitempty"`
	Name              string         `json:"name,omitempty"`
	LinkType          string         `json:"linkType,omitempty"`
	EswitchMode       string         `json:"eSwitchMode,omitempty"`
	VfGroups          []sriovVfGroup `json:"vfGroups,omitempty"`
	ExternallyManaged bool           `json:"externallyManaged,omitempty"`
}

type sriovVfGroup struct {
	ResourceName string `json:"resourceName,omitempty"`
	DeviceType   string `json:"deviceType,omitempty"`
	VfRange      string `json:"vfRange,omitempty"`
	PolicyName   string `json:"policyName,omitempty"`
	Mtu          int    `json:"mtu,omitempty"`
	IsRdma       bool   `json:"isRdma,omitempty"`
	VdpaType     string `json:"vdpaType,omitempty"`
}

type sriovInterfaceExt struct {
	Name              string                 `json:"name,omitempty"`
	Mac               string                 `json:"mac,omitempty"`
	Driver            string                 `json:"driver,omitempty"`
	PciAddress        string                 `json:"pciAddress"`
	Vendor            string                 `json:"vendor,omitempty"`
	DeviceID          string                 `json:"deviceID,omitempty"`
	NetFilter         string                 `json:"netFilter,omitempty"`
	Mtu               int                    `json:"mtu,omitempty"`
	NumVfs            int                    `json:"numVfs,omitempty"`
	LinkSpeed         string                 `json:"linkSpeed,omitempty"`
	LinkType          string                 `json:"linkType,omitempty"`
	LinkAdminState    string                 `json:"linkAdminState,omitempty"`
	EswitchMode       string                 `json:"eSwitchMode,omitempty"`
	ExternallyManaged bool                   `json:"externallyManaged,omitempty"`
	TotalVfs          int                    `json:"totalvfs,omitempty"`
	VFs               []sriovVirtualFunction `json:"Vfs,omitempty"`
}

type sriovVirtualFunction struct {
	Name            string `json:"name,omitempty"`
	Mac             string `json:"mac,omitempty"`
	Assigned        string `json:"assigned,omitempty"`
	Driver          string `json:"driver,omitempty"`
	PciAddress      string `json:"pciAddress"`
	Vendor          string `json:"vendor,omitempty"`
	DeviceID        string `json:"deviceID,omitempty"`
	Vlan            int    `json:"Vlan,omitempty"`
	Mtu             int    `json:"mtu,omitempty"`
	VfID            int    `json:"vfID"`
	VdpaType        string `json:"vdpaType,omitempty"`
	RepresentorName string `json:"representorName,omitempty"`
	GUID            string `json:"guid,omitempty"`
}

type sriovBridges struct {
	OVS []sriovOVSConfigExt `json:"ovs,omitempty"`
}

type sriovOVSConfigExt struct {
	Name    string                    `json:"name"`
	Bridge  sriovOVSBridgeConfig      `json:"bridge,omitempty"`
	Uplinks []sriovOVSUplinkConfigExt `json:"uplinks,omitempty"`
}

type sriovOVSUplinkConfigExt struct {
	PciAddress string                  `json:"pciAddress"`
	Name       string                  `json:"name,omitempty"`
	Interface  sriovOVSInterfaceConfig `json:"interface,omitempty"`
}

type sriovSystem struct {
	RdmaMode string `json:"rdmaMode,omitempty"`
}

type sriovNetworkNodeStateStatus struct {
	Interfaces    []sriovInterfaceExt `json:"interfaces,omitempty"`
	Bridges       sriovBridges        `json:"bridges,omitempty"`
	System        sriovSystem         `json:"system,omitempty"`
	SyncStatus    string              `json:"syncStatus,omitempty"`
	LastSyncError string              `json:"lastSyncError,omitempty"`
}

// mirrorDiffs compares a Go type's JSON shape with a schema, both ways:
// every field is a property of a matching type, every property a field.
// metav1 types (inline TypeMeta, metadata) are the API server's, not the
// CRD's, and are skipped.
func mirrorDiffs(path string, typ reflect.Type, s *schema) []string {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	var out []string
	want := map[reflect.Kind]string{reflect.String: "string", reflect.Int: "integer", reflect.Bool: "boolean",
		reflect.Struct: "object", reflect.Map: "object", reflect.Slice: "array"}[typ.Kind()]
	if want != s.Type {
		return []string{fmt.Sprintf("%s: Go %s, schema type %q", path, typ, s.Type)}
	}
	switch typ.Kind() {
	case reflect.Slice:
		return mirrorDiffs(path+"[]", typ.Elem(), s.Items)
	case reflect.Map:
		if s.AdditionalProperties == nil {
			return []string{path + ": Go map, schema has no additionalProperties"}
		}
		return mirrorDiffs(path+"{}", typ.Elem(), s.AdditionalProperties)
	case reflect.Struct:
		seen := map[string]bool{}
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Type.PkgPath() == "k8s.io/apimachinery/pkg/apis/meta/v1" {
				seen[name] = true
				continue
			}
			seen[name] = true
			p := s.Properties[name]
			if p == nil {
				out = append(out, fmt.Sprintf("%s.%s: Go field %s, not in the schema", path, name, f.Name))
				continue
			}
			out = append(out, mirrorDiffs(path+"."+name, f.Type, p)...)
		}
		var names []string
		for name := range s.Properties {
			if !seen[name] && !(path == "" && (name == "apiVersion" || name == "kind")) {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			out = append(out, fmt.Sprintf("%s.%s: in the schema, not in the Go type", path, name))
		}
	}
	return out
}

// TestMirrorMatchesCRD holds the mirrors to the operator's CRD schemas of
// the same release, field for field and type for type.
func TestMirrorMatchesCRD(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file, kind string
		typ        reflect.Type
	}{
		{"testdata/crd/sriovnetwork-v1.6.0-sriovnetworknodepolicies.yaml", "SriovNetworkNodePolicy", reflect.TypeFor[sriovNetworkNodePolicy]()},
		{"testdata/crd/sriovnetwork-v1.6.0-sriovnetworknodestates.yaml", "SriovNetworkNodeState", reflect.TypeFor[sriovNetworkNodeState]()},
	} {
		if d := mirrorDiffs("", c.typ, crdSchema(t, c.file, c.kind)); len(d) != 0 {
			t.Errorf("%s mirror and CRD differ:\n%s", c.kind, strings.Join(d, "\n"))
		}
	}
	// The comparison can fail: a field the schema lacks, and a wrong type.
	type wrong struct {
		Spec struct {
			NumVfs   string `json:"numVfs"`
			Priority int    `json:"prio"`
		} `json:"spec"`
	}
	d := mirrorDiffs("", reflect.TypeFor[wrong](), crdSchema(t, "testdata/crd/sriovnetwork-v1.6.0-sriovnetworknodepolicies.yaml", "SriovNetworkNodePolicy"))
	joined := strings.Join(d, "\n")
	for _, want := range []string{".spec.numVfs: Go string", ".spec.prio: Go field", ".spec.resourceName: in the schema", ".status: in the schema"} {
		if !strings.Contains(joined, want) {
			t.Errorf("mirrorDiffs missed %q:\n%s", want, joined)
		}
	}
}
