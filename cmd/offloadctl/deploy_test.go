package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// TestDeployConfigMap: the node config in deploy/configmap.yaml passes the
// agent's strict decoder and selects the PFs it says on the bundled trees
// (offload/kube/upstreamcheck decodes the ConfigMap and DaemonSet into the
// upstream types).
func TestDeployConfigMap(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../deploy/configmap.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal(b, &cm); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseConfig("deploy/configmap.yaml", []byte(cm.Data["node.yaml"]))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OVS == nil || cfg.OVS.HWOffload == nil || !*cfg.OVS.HWOffload {
		t.Error("example config does not turn OVS hw-offload on")
	}
	for tree, want := range map[string]int{"cx5-legacy": 2, "cx5-switchdev": 2, "e810-ice": 1, "agilio-flower": 0} {
		h := offloadtest.NewByName(t, tree).Host(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		ts, err := cfg.resolve(ctx, h)
		cancel()
		if err != nil || len(ts) != want {
			t.Errorf("%s: %d PFs selected (%v), want %d", tree, len(ts), err, want)
		}
	}
}

// TestDeployScrapeConfig: promtool accepts the scrape example.
func TestDeployScrapeConfig(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("needs promtool (Debian package prometheus; make deps installs it)")
	}
	out, err := exec.Command(promtool, "check", "config", "../../deploy/prometheus-scrape.yaml").CombinedOutput()
	if err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
}
