package upstreamcheck

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

// Helm charts have no Go type for their values, so the values offload/kube
// writes (testdata/k8s/kube-ovn-values.yaml, antrea-values.yaml) are held
// against excerpts of the charts' own values.yaml: every key path they set
// must be one of upstream's, with a value of the same YAML type as
// upstream's default. The excerpts are upstream's lines, unchanged, with
// the parent keys they sit under.

// kubeOVNValuesExcerpt is from kubeovn/kube-ovn, branch release-1.12 (the
// branch whose install.sh the guides download), commit
// 69bd76141648b0152ad2b9dec56d2ef3814ada4e (chart version v1.12.35),
// charts/kube-ovn/values.yaml lines 24, 32, 57, 58, 61, 106 and 107.
const kubeOVNValuesExcerpt = `
networking:
  IFACE: ""
func:
  ENABLE_LB: true
  HW_OFFLOAD: false
debug:
  ENABLE_MIRROR: false
`

// antreaValuesExcerpt is from antrea-io/antrea v2.7.0, commit
// e59003c2c1b13a961ff58a6d7b8f1133049d0bf0,
// build/charts/antrea/values.yaml lines 94-99 (comments left out); the
// key is the same in v1.7.0, the chart's first release.
const antreaValuesExcerpt = `
ovs:
  bridgeName: "br-int"
  hwOffload: false
`

// leaves flattens a decoded YAML mapping into key path -> value.
func leaves(t *testing.T, prefix string, v any, out map[string]any) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		out[prefix] = v
		return
	}
	for k, sub := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		leaves(t, p, sub, out)
	}
}

func yamlLeaves(t *testing.T, name string, data []byte) map[string]any {
	t.Helper()
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: sigs.k8s.io/yaml: %v", name, err)
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if _, ok := v.(map[string]any); !ok {
		t.Fatalf("%s: not a mapping: %s", name, js)
	}
	out := map[string]any{}
	leaves(t, "", v, out)
	return out
}

// checkValues reports the key paths of got that upstream lacks or types
// differently, and the paths of need that got lacks.
func checkValues(t *testing.T, got, upstream map[string]any, need []string) []string {
	t.Helper()
	var bad []string
	for p, v := range got {
		u, ok := upstream[p]
		switch {
		case !ok:
			bad = append(bad, p+": not a key of the upstream chart")
		case reflect.TypeOf(u) != reflect.TypeOf(v):
			bad = append(bad, fmt.Sprintf("%s: %T, upstream's default is %T", p, v, u))
		}
	}
	for _, p := range need {
		if _, ok := got[p]; !ok {
			bad = append(bad, p+": missing")
		}
	}
	sort.Strings(bad)
	return bad
}

func TestHelmValuesAgainstCharts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, excerpt string
		need          []string
		want          map[string]any
	}{
		{"kube-ovn-values.yaml", kubeOVNValuesExcerpt, []string{"func.HW_OFFLOAD", "func.ENABLE_LB", "networking.IFACE"},
			map[string]any{"func.HW_OFFLOAD": true, "func.ENABLE_LB": false, "debug.ENABLE_MIRROR": false}},
		{"antrea-values.yaml", antreaValuesExcerpt, []string{"ovs.hwOffload"}, map[string]any{"ovs.hwOffload": true}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile("../../../testdata/k8s/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			got := yamlLeaves(t, tc.file, data)
			upstream := yamlLeaves(t, "excerpt", []byte(tc.excerpt))
			if bad := checkValues(t, got, upstream, tc.need); len(bad) > 0 {
				t.Errorf("%s:\n%s", tc.file, strings.Join(bad, "\n"))
			}
			for p, v := range tc.want {
				if got[p] != v {
					t.Errorf("%s = %v, want %v (hardware offload on, as the guides)", p, got[p], v)
				}
			}
		})
	}
}

// TestHelmValuesCheckCanFail feeds the check the mistakes it is there for:
// a key the chart does not have (hw_offload, Antrea's hw-offload spelling
// in Kube-OVN's chart), a value of the wrong type (the string "true"), and
// a missing key.
func TestHelmValuesCheckCanFail(t *testing.T) {
	t.Parallel()
	upstream := yamlLeaves(t, "excerpt", []byte(kubeOVNValuesExcerpt))
	got := yamlLeaves(t, "bad", []byte("func:\n  hw_offload: true\n  ENABLE_LB: \"false\"\n"))
	bad := checkValues(t, got, upstream, []string{"func.HW_OFFLOAD", "networking.IFACE"})
	want := []string{"func.ENABLE_LB: string, upstream's default is bool", "func.HW_OFFLOAD: missing", "func.hw_offload: not a key of the upstream chart", "networking.IFACE: missing"}
	if !slices.Equal(bad, want) {
		t.Errorf("got %q\nwant %q", bad, want)
	}
}

// TestAntreaAgentPatchIntoDaemonSet decodes the antrea-agent patch
// (testdata/k8s/antrea-agent-hw-offload-patch.yaml, written by
// offload/kube's tests) strictly into k8s.io/api's apps/v1 DaemonSet: a
// strategic merge patch has the object's shape, so every field must be
// one of the DaemonSet's. It then checks what the patch must do: name the
// antrea-ovs container (the merge key) and give it the guide's command,
// and nothing else, so the container's args and image stay as installed.
func TestAntreaAgentPatchIntoDaemonSet(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../../testdata/k8s/antrea-agent-hw-offload-patch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("sigs.k8s.io/yaml: %v", err)
	}
	var ds appsv1.DaemonSet
	strict(t, js, &ds)
	cs := ds.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Name != "antrea-ovs" {
		t.Fatalf("containers %+v, want antrea-ovs alone", cs)
	}
	if !slices.Equal(cs[0].Command, []string{"start_ovs", "--hw-offload"}) {
		t.Errorf("command %q, want the guide's start_ovs --hw-offload", cs[0].Command)
	}
	if cs[0].Args != nil || cs[0].Image != "" || len(ds.Spec.Template.Spec.InitContainers) != 0 {
		t.Errorf("the patch changes more than the command: %s", js)
	}
}
