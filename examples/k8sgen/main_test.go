package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

var update = flag.Bool("update", false, "rewrite testdata/k8s/k8sgen-*.yaml")

func defaults() options {
	return options{root: "/", cni: "both", configNamespace: "kube-system", nadName: "sriov", nadNamespace: "default",
		podName: "nginx", podNamespace: "default", image: "docker.io/library/nginx:alpine", logicalSwitch: "ovn-default", withPod: true,
		install: installOptions{install: true}}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tree := range []string{"cx5-switchdev", "agilio-flower", "yusur-2200e"} {
		t.Run(tree, func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.tree = tree
			var out, warn bytes.Buffer
			if err := run(&out, &warn, o); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join("..", "..", "testdata", "k8s", "k8sgen-"+tree+".yaml")
			if *update {
				if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("%v (go test -update creates it)", err)
			}
			if d := cmp.Diff(string(want), out.String()); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			for _, kind := range []string{"kind: ConfigMap", "kind: NetworkAttachmentDefinition", "kind: Pod", "provider\": \"sriov.default.ovn\"", "host-local"} {
				if !strings.Contains(out.String(), kind) {
					t.Errorf("output lacks %q", kind)
				}
			}
		})
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.tree, o.cni, o.logicalSwitch = "cx5-switchdev", "antrea", ""
	var out, warn bytes.Buffer
	if err := run(&out, &warn, o); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "kube-ovn") || !strings.Contains(out.String(), "v1.multus-cni.io/default-network: default/sriov") {
		t.Errorf("antrea only:\n%s", out.String())
	}
	o.logicalSwitch = "ovn-default"
	if err := run(&out, &warn, o); err == nil {
		t.Error("logical switch with Antrea accepted")
	}
	o = defaults()
	o.tree, o.nadName = "cx5-switchdev", "Bad_Name"
	if err := run(&out, &warn, o); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad NAD name: %v", err)
	}
	o = defaults()
	o.tree, o.cni = "cx5-switchdev", "calico"
	if err := run(&out, &warn, o); err == nil {
		t.Error("unknown CNI accepted")
	}
	o = defaults()
	o.tree = "nope"
	if err := run(&out, &warn, o); err == nil {
		t.Error("unknown tree accepted")
	}
}

func TestNoOffloadPFs(t *testing.T) {
	t.Parallel()
	for _, o := range []options{func() options { o := defaults(); o.tree = "cx5-legacy"; return o }(), func() options { o := defaults(); o.root = t.TempDir(); return o }()} {
		var out, warn bytes.Buffer
		if err := run(&out, &warn, o); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), `"resourceList": []`) || strings.Contains(out.String(), "kind: Pod") {
			t.Errorf("output:\n%s", out.String())
		}
		if !strings.Contains(warn.String(), "no switchdev PF") {
			t.Errorf("no explanation on stderr: %q", warn.String())
		}
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.tree = "list"
	var out, warn bytes.Buffer
	if err := run(&out, &warn, o); err != nil || !strings.Contains(out.String(), "cx5-switchdev") {
		t.Errorf("%v\n%s", err, out.String())
	}
}

// TestMultiVendorRoot: -root on a host with two vendors gives one NAD pair
// and one pod per resource, with names that do not collide.
func TestMultiVendorRoot(t *testing.T) {
	t.Parallel()
	spec := offloadtest.CX5Switchdev()
	spec.PFs = append(spec.PFs, offloadtest.AgilioFlower().PFs...)
	dir := t.TempDir()
	if _, err := offloadtest.Build(dir, spec); err != nil {
		t.Fatal(err)
	}
	o := defaults()
	o.root = dir
	var out, warn bytes.Buffer
	if err := run(&out, &warn, o); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"name: sriov-agilio-sriov\n", "name: sriov-agilio-sriov-antrea\n", "name: sriov-cx5-sriov-switchdev\n",
		"name: nginx-0\n", "name: nginx-1\n", "corigine.com/agilio_sriov: \"1\"", "mellanox.com/cx5_sriov_switchdev: \"1\"",
		`"provider": "sriov-agilio-sriov.default.ovn"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if n := strings.Count(s, "\n---\n"); n != 6 { // ConfigMap + 2 x (2 NADs + pod) = 7 documents
		t.Errorf("%d document separators, want 6:\n%s", n, s)
	}
}
