package upstreamcheck

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cnitypes "github.com/containernetworking/cni/pkg/types"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

func strict(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("strict decode into %T: %v\n%s", v, err, data)
	}
}

func TestGoldenYAMLIntoUpstreamTypes(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../../testdata/k8s/k8sgen-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	kinds := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range strings.Split(string(data), "\n---\n") {
			js, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				t.Fatalf("%s document %d: sigs.k8s.io/yaml: %v", f, i, err)
			}
			var meta struct {
				Kind string `json:"kind"`
			}
			if err := json.Unmarshal(js, &meta); err != nil {
				t.Fatal(err)
			}
			kinds[meta.Kind]++
			switch meta.Kind {
			case "ConfigMap":
				var cm corev1.ConfigMap
				strict(t, js, &cm)
				if cm.Name != "sriovdp-config" || !json.Valid([]byte(cm.Data["config.json"])) {
					t.Errorf("%s: ConfigMap %+v", f, cm)
				}
			case "Pod":
				var p corev1.Pod
				strict(t, js, &p)
				c := p.Spec.Containers[0]
				if len(c.Resources.Limits) != 1 || len(c.Resources.Requests) != 1 || p.Annotations["v1.multus-cni.io/default-network"] == "" {
					t.Errorf("%s: pod %+v", f, p)
				}
				for name, q := range c.Resources.Limits {
					if q.Value() != 1 {
						t.Errorf("%s: limit %s = %s", f, name, q.String())
					}
				}
			case "NetworkAttachmentDefinition":
				var nad struct {
					Spec struct {
						Config string `json:"config"`
					} `json:"spec"`
				}
				if err := json.Unmarshal(js, &nad); err != nil {
					t.Fatal(err)
				}
				// The conflist's own fields strictly; each plugin's
				// type-specific keys (server_socket, provider) are the
				// plugin's business, so plugins decode as CNI's NetConf
				// leniently, as libcni does.
				var list struct {
					cnitypes.NetConfList
					Plugins []json.RawMessage `json:"plugins"`
				}
				strict(t, []byte(nad.Spec.Config), &list)
				if list.CNIVersion == "" || list.Name == "" || len(list.Plugins) < 2 {
					t.Errorf("%s: conflist %+v", f, list)
				}
				for _, p := range list.Plugins {
					var nc cnitypes.NetConf
					if err := json.Unmarshal(p, &nc); err != nil || nc.Type == "" {
						t.Errorf("%s: plugin %s: %v", f, p, err)
					}
				}
			default:
				t.Errorf("%s: unexpected kind %q", f, meta.Kind)
			}
		}
	}
	if kinds["ConfigMap"] == 0 || kinds["Pod"] == 0 || kinds["NetworkAttachmentDefinition"] == 0 {
		t.Errorf("kinds seen: %v", kinds)
	}
	t.Logf("decoded %v from %d files", kinds, len(files))
}

// TestStrictCatchesWrongNames proves the check can fail: a misspelt field
// (the Antrea guide's isRdma next to resourceName has the same shape of
// mistake) is rejected by the real Pod type.
func TestStrictCatchesWrongNames(t *testing.T) {
	t.Parallel()
	js, err := yaml.YAMLToJSON([]byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: x\n    image: i\n    resource:\n      limits: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var p corev1.Pod
	if err := dec.Decode(&p); err == nil || !strings.Contains(err.Error(), "resource") {
		t.Errorf("misspelt field accepted: %v", err)
	}
}

// TestLineSeparatorsIntoUpstreamPod reads the pod whose command holds
// U+2028, U+2029 and U+0085 (offload/kube writes it, testdata/k8s/
// pod-line-separators.yaml) with sigs.k8s.io/yaml, strictly into k8s.io/api's
// Pod: the command comes back exactly, as plain strings, and none of the
// structure it spells (hostNetwork, an init container) appears.
func TestLineSeparatorsIntoUpstreamPod(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../../testdata/k8s/pod-line-separators.yaml")
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("sigs.k8s.io/yaml: %v", err)
	}
	var p corev1.Pod
	strict(t, js, &p)
	// The same strings as offload/kube's injectionCommand.
	want := []string{"sh", "-c", "echo ok\u2028hostNetwork: true\u2029initContainers:\u0085- name: x\n  image: evil\n"}
	if len(p.Spec.Containers) != 1 || strings.Join(p.Spec.Containers[0].Command, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("containers %+v, want one with command %q", p.Spec.Containers, want)
	}
	if p.Spec.HostNetwork || len(p.Spec.InitContainers) != 0 {
		t.Errorf("the command became structure: hostNetwork=%v initContainers=%v", p.Spec.HostNetwork, p.Spec.InitContainers)
	}
	if got := p.Annotations["example.com/note"]; got != "a\u2028b: c" {
		t.Errorf("annotation %q", got)
	}
}
