package upstreamcheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
	kubeovnv1 "github.com/kubeovn/kube-ovn/pkg/apis/kubeovn/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

const (
	k8sgenTestdata = "../../../examples/k8sgen/testdata/"
	kubeTestdata   = "../testdata/"
	kubeOVNCRDs    = "testdata/crd/kubeovn-v1.13.0.yaml"
	policyCRD      = "testdata/crd/sriovnetwork-v1.6.0-sriovnetworknodepolicies.yaml"
	nodeStateCRD   = "testdata/crd/sriovnetwork-v1.6.0-sriovnetworknodestates.yaml"
)

// docsOf reads a YAML stream into one JSON document per object.
func docsOf(t *testing.T, file string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, doc := range yamlDocs(string(data)) {
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatalf("%s: sigs.k8s.io/yaml: %v", file, err)
		}
		out = append(out, js)
	}
	return out
}

func kindOf(t *testing.T, js []byte) string {
	t.Helper()
	var m struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	return m.Kind
}

// TestUnderlayIntoUpstreamTypes: what `k8sgen -underlay` prints decodes
// strictly into Kube-OVN's own API types (the module, v1.13.0), Multus's
// NetworkAttachmentDefinition and NetworkSelectionElement (the
// network-attachment-definition-client module) and core/v1 Pod, and the
// Kube-OVN objects pass Kube-OVN's CRD schemas of the same release.
func TestUnderlayIntoUpstreamTypes(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(k8sgenTestdata + "k8sgen-underlay-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no underlay golden files: %v", err)
	}
	for _, f := range files {
		var kinds []string
		for _, js := range docsOf(t, f) {
			kind := kindOf(t, js)
			kinds = append(kinds, kind)
			switch kind {
			case "ProviderNetwork":
				var pn kubeovnv1.ProviderNetwork
				strict(t, js, &pn)
				if pn.Spec.DefaultInterface == "" || pn.APIVersion != "kubeovn.io/v1" {
					t.Errorf("%s: %+v", f, pn)
				}
			case "Vlan":
				var v kubeovnv1.Vlan
				strict(t, js, &v)
				if v.Spec.Provider == "" {
					t.Errorf("%s: %+v", f, v)
				}
			case "Subnet":
				var s kubeovnv1.Subnet
				strict(t, js, &s)
				if s.Spec.Protocol != kubeovnv1.ProtocolIPv4 || s.Spec.Vlan == "" || s.Spec.Provider != "ovn" || len(s.Spec.ExcludeIps) == 0 {
					t.Errorf("%s: %+v", f, s.Spec)
				}
			case "NetworkAttachmentDefinition":
				var nad nadv1.NetworkAttachmentDefinition
				strict(t, js, &nad)
				if !json.Valid([]byte(nad.Spec.Config)) || nad.Annotations["k8s.v1.cni.cncf.io/resourceName"] == "" {
					t.Errorf("%s: %+v", f, nad)
				}
			case "Pod":
				var p corev1.Pod
				strict(t, js, &p)
				if nets, ok := p.Annotations[nadv1.NetworkAttachmentAnnot]; ok {
					var sel []nadv1.NetworkSelectionElement
					strict(t, []byte(nets), &sel)
					if len(sel) != 1 || len(sel[0].GatewayRequest) != 1 || sel[0].GatewayRequest[0].String() != "10.10.204.254" {
						t.Errorf("%s: networks %+v", f, sel)
					}
					if len(p.Spec.Containers[0].Resources.Limits) != 1 {
						t.Errorf("%s: the VF pod requests %v", f, p.Spec.Containers[0].Resources.Limits)
					}
				} else if p.Annotations["ovn.kubernetes.io/logical_switch"] == "" || len(p.Spec.Containers[0].Resources.Limits) != 0 {
					t.Errorf("%s: the pod without a VF: %+v", f, p)
				}
			default:
				t.Errorf("%s: unexpected kind %q", f, kind)
			}
			if kind == "ProviderNetwork" || kind == "Vlan" || kind == "Subnet" {
				if errs := validateCR(crdSchema(t, kubeOVNCRDs, kind), js); len(errs) != 0 {
					t.Errorf("%s: %s against Kube-OVN's CRD:\n%s", f, kind, strings.Join(errs, "\n"))
				}
			}
		}
		if want := []string{"ProviderNetwork", "Vlan", "Subnet", "NetworkAttachmentDefinition", "Pod", "Pod"}; !slices.Equal(kinds, want) {
			t.Errorf("%s: kinds %v, want %v", f, kinds, want)
		}
	}
}

// TestGuideProviderNetworkNameRefused: guide 003's ProviderNetwork name,
// underlay-offload, fails Kube-OVN's own CRD (12 characters at most),
// which is why k8sgen names it "underlay".
func TestGuideProviderNetworkNameRefused(t *testing.T) {
	t.Parallel()
	s := crdSchema(t, kubeOVNCRDs, "ProviderNetwork")
	guide := []byte(`{"apiVersion":"kubeovn.io/v1","kind":"ProviderNetwork","metadata":{"name":"underlay-offload"},"spec":{"defaultInterface":"bond1"}}`)
	if errs := validateCR(s, guide); len(errs) != 1 || !strings.Contains(errs[0], "longer than 12") {
		t.Errorf("errors %v, want the name's length", errs)
	}
}

// TestPoliciesAgainstOperatorCRD: what `k8sgen -operator` prints, and the
// policy with every field offload/kube writes (its testdata), decode
// strictly into the mirrored operator types and pass the operator's CRD.
func TestPoliciesAgainstOperatorCRD(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(k8sgenTestdata + "k8sgen-operator-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no operator golden files: %v", err)
	}
	files = append(files, kubeTestdata+"policy-all-fields.yaml")
	s := crdSchema(t, policyCRD, "SriovNetworkNodePolicy")
	n := 0
	for _, f := range files {
		for _, js := range docsOf(t, f) {
			n++
			var p sriovNetworkNodePolicy
			strict(t, js, &p)
			if p.Kind != "SriovNetworkNodePolicy" || p.Spec.EswitchMode != "switchdev" || len(p.Spec.NicSelector.PfNames) == 0 ||
				p.Spec.NodeSelector["feature.node.kubernetes.io/network-sriov.capable"] != "true" || p.Spec.DeviceType != "netdevice" {
				t.Errorf("%s: %+v", f, p)
			}
			if errs := validateCR(s, js); len(errs) != 0 {
				t.Errorf("%s: against the operator's CRD:\n%s", f, strings.Join(errs, "\n"))
			}
		}
	}
	if n < 2 {
		t.Errorf("%d policies checked", n)
	}
}

// TestNodeStatesAgainstOperatorCRD: the node state with every field
// offload/kube reads (its testdata) passes the operator's CRD and decodes
// strictly into the mirror, so the reader's field names are the
// operator's; the guide's hand-abridged state fails exactly where the
// guide departs from what the operator writes.
func TestNodeStatesAgainstOperatorCRD(t *testing.T) {
	t.Parallel()
	s := crdSchema(t, nodeStateCRD, "SriovNetworkNodeState")
	for _, js := range docsOf(t, kubeTestdata+"nodestate-all-fields.yaml") {
		var st sriovNetworkNodeState
		strict(t, js, &st)
		if errs := validateCR(s, js); len(errs) != 0 {
			t.Errorf("against the operator's CRD:\n%s", strings.Join(errs, "\n"))
		}
		if len(st.Status.Interfaces) == 0 || len(st.Status.Interfaces[0].VFs) == 0 || len(st.Spec.Interfaces[0].VfGroups) == 0 {
			t.Errorf("fields missing: %+v", st)
		}
	}
	docs := docsOf(t, kubeTestdata+"nodestate-guide003.yaml")
	errs := validateCR(s, docs[0])
	var linkSeed, vfID int
	for _, e := range errs {
		switch {
		case strings.Contains(e, `"linkSeed" is not in the schema`):
			linkSeed++
		case strings.Contains(e, `required field "vfID" missing`):
			vfID++
		default:
			t.Errorf("unexpected: %s", e)
		}
	}
	if linkSeed != 2 || vfID != 6 {
		t.Errorf("guide's state: %d linkSeed, %d vfID errors, want 2 and 6:\n%s", linkSeed, vfID, strings.Join(errs, "\n"))
	}
}
