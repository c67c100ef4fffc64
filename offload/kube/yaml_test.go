package kube

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	yaml3 "gopkg.in/yaml.v3"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// The command of issue 17: each of U+2028, U+2029 and U+0085 is a line
// break to a YAML parser when written raw. The old hand-written emitter put
// it raw in a literal block, and gopkg.in/yaml.v3 read back a Pod with
// hostNetwork and an extra init container.
var injectionCommand = []string{"sh", "-c", "echo ok\u2028hostNetwork: true\u2029initContainers:\u0085- name: x\n  image: evil\n"}

func vfPodWith(t testing.TB, cmd []string, annValue string) *Pod {
	t.Helper()
	nad, err := KubeOVNNAD("sriov", "default", ResourceName{Prefix: "mellanox.com", Name: "cx5_sriov_switchdev"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := VFPod(VFPodSpec{Name: "nginx", Namespace: "default", Image: "docker.io/library/nginx:alpine", Command: cmd, NAD: nad, LogicalSwitch: "ovn-default"})
	if err != nil {
		t.Fatal(err)
	}
	if annValue != "" {
		p.Metadata.Annotations["example.com/note"] = annValue
	}
	return p
}

// viaJSON is what the object is: its JSON encoding read back generically.
func viaJSON(t testing.TB, o any) any {
	t.Helper()
	js, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// decodeYAML3 reads every document of y with gopkg.in/yaml.v3 and returns
// them in JSON's generic form (numbers as float64).
func decodeYAML3(t testing.TB, y []byte) []any {
	t.Helper()
	dec := yaml3.NewDecoder(strings.NewReader(string(y)))
	var out []any
	for {
		var v any
		if err := dec.Decode(&v); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("gopkg.in/yaml.v3 rejects the output: %v\n%s", err, y)
		}
		js, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("yaml.v3 gave %T, not JSON-able: %v", v, err)
		}
		var g any
		if err := json.Unmarshal(js, &g); err != nil {
			t.Fatal(err)
		}
		out = append(out, g)
	}
	return out
}

func TestYAMLKeepsLineSeparatorsInCommands(t *testing.T) {
	t.Parallel()
	p := vfPodWith(t, injectionCommand, "a\u2028b: c")
	y, err := YAML(p)
	if err != nil {
		t.Fatal(err)
	}
	// The golden file is what offload/kube/upstreamcheck decodes into
	// k8s.io/api's Pod.
	golden(t, "pod-line-separators.yaml", y)
	docs := decodeYAML3(t, y)
	if len(docs) != 1 {
		t.Fatalf("%d documents, want 1:\n%s", len(docs), y)
	}
	if d := cmp.Diff(viaJSON(t, p), docs[0]); d != "" {
		t.Errorf("gopkg.in/yaml.v3 reads back another object (-encoded +decoded):\n%s\n%s", d, y)
	}
	// sigs.k8s.io/yaml, as kubectl reads it, strictly into our type.
	var back Pod
	if err := sigsyaml.UnmarshalStrict(y, &back); err != nil {
		t.Fatalf("sigs.k8s.io/yaml: %v\n%s", err, y)
	}
	if d := cmp.Diff(p, &back); d != "" {
		t.Errorf("sigs.k8s.io/yaml reads back another pod (-encoded +decoded):\n%s", d)
	}
	for _, raw := range []string{"\u2028", "\u2029", "\u0085"} {
		if strings.Contains(string(y), raw) {
			t.Errorf("output holds %q raw:\n%s", raw, y)
		}
	}
}

func TestCommandValidation(t *testing.T) {
	t.Parallel()
	nad, err := AntreaNAD("sriov", "default", ResourceName{Prefix: "mellanox.com", Name: "cx5_sriov_switchdev"})
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"a\x00b"}, {"ok", "\xff"}} {
		if _, err := VFPod(VFPodSpec{Name: "p", Image: "i", Command: cmd, NAD: nad}); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("command %q: got %v, want ErrInvalidArgument", cmd, err)
		}
	}
	for _, img := range []string{"a b", "a\u2028b", "x\x00", ""} {
		if _, err := VFPod(VFPodSpec{Name: "p", Image: img, NAD: nad}); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("image %q: got %v, want ErrInvalidArgument", img, err)
		}
	}
	// A hand-made NAD whose namespace or provider would inject.
	bad := *nad
	bad.Metadata.Namespace = "default\nhostNetwork: true"
	if _, err := VFPod(VFPodSpec{Name: "p", Image: "i", NAD: &bad}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("NAD namespace with a line break: got %v", err)
	}
	ovn, err := KubeOVNNAD("sriov", "default", ResourceName{Prefix: "mellanox.com", Name: "cx5_sriov_switchdev"})
	if err != nil {
		t.Fatal(err)
	}
	ovn.Spec.Config = strings.Replace(ovn.Spec.Config, "sriov.default.ovn", "x: y\\n#", 1)
	if _, err := VFPod(VFPodSpec{Name: "p", Image: "i", NAD: ovn, LogicalSwitch: "ls"}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("provider %q: got %v, want ErrInvalidArgument", "x: y\n#", err)
	}
	for _, k := range []string{"a/b/c", "-a", "example.com/", "Example.com/x", strings.Repeat("a", 64), "a b"} {
		if err := ValidateQualifiedName("key", k); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("key %q: got %v", k, err)
		}
	}
	for _, k := range []string{"a", "example.com/a.b-c_d", "k8s.v1.cni.cncf.io/resourceName"} {
		if err := ValidateQualifiedName("key", k); err != nil {
			t.Errorf("key %q: %v", k, err)
		}
	}
}

// FuzzYAMLRoundTrip: for any strings as a pod's command, an annotation
// value and ConfigMap data keys and values, YAML either refuses the object
// with ErrInvalidArgument or produces a stream that gopkg.in/yaml.v3 and
// sigs.k8s.io/yaml both read back as exactly the object encoded.
func FuzzYAMLRoundTrip(f *testing.F) {
	f.Add(injectionCommand[2], "a: b", "key", "- x\n# y")
	f.Add("\x00", "\u0085", "yes", "0123")
	f.Add(" lead\n\ttab \n", "\u00a0\n\u00a0", "~", "\"q'\\")
	f.Add("a\r\nb", "\ufeff", "config.json", "{\n  \"a\": 1\n}\n")
	f.Fuzz(func(t *testing.T, cmd, ann, dataKey, dataVal string) {
		nad, err := KubeOVNNAD("sriov", "default", ResourceName{Prefix: "mellanox.com", Name: "cx5_sriov_switchdev"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := VFPod(VFPodSpec{Name: "nginx", Namespace: "default", Image: "nginx", Command: []string{"sh", "-c", cmd, ann}, NAD: nad, LogicalSwitch: "ovn-default"})
		if err != nil {
			if !errors.Is(err, errs.ErrInvalidArgument) {
				t.Fatalf("VFPod: %v is not ErrInvalidArgument", err)
			}
			if utf8.ValidString(cmd) && utf8.ValidString(ann) && !strings.ContainsRune(cmd+ann, 0) {
				t.Fatalf("VFPod refused a valid command: %v", err)
			}
			return
		}
		objs := []any{p}
		if utf8.ValidString(ann) {
			p.Metadata.Annotations["example.com/note"] = ann
		}
		if utf8.ValidString(dataKey + dataVal) {
			objs = append(objs, &ConfigMap{APIVersion: "v1", Kind: "ConfigMap", Metadata: ObjectMeta{Name: "c"}, Data: map[string]string{dataKey: dataVal}})
		}
		y, err := YAML(objs...)
		if err != nil {
			t.Fatalf("YAML: %v", err)
		}
		docs := decodeYAML3(t, y)
		want := make([]any, len(objs))
		for i, o := range objs {
			want[i] = viaJSON(t, o)
		}
		if d := cmp.Diff(want, docs); d != "" {
			t.Fatalf("gopkg.in/yaml.v3 reads back another object (-encoded +decoded):\n%s\n%s", d, y)
		}
		var back Pod
		first, _, _ := strings.Cut(string(y), "\n---\n")
		if err := sigsyaml.UnmarshalStrict([]byte(first), &back); err != nil {
			t.Fatalf("sigs.k8s.io/yaml: %v\n%s", err, y)
		}
		if d := cmp.Diff(p, &back); d != "" {
			t.Fatalf("sigs.k8s.io/yaml reads back another pod (-encoded +decoded):\n%s\n%s", d, y)
		}
	})
}
