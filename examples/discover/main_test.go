package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

func TestTreeTable(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := run(&buf, "/", "cx5-switchdev", false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"0000:84:00.0", "15b3:1017", "mlx5_core", "4/127", "switchdev", "enp132s0f0np0", "0000:84:00.3  1      15b3:1018  mlx5_core  enp132s0f0v1  enp132s0f0r1"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestEveryTreeJSON(t *testing.T) {
	t.Parallel()
	for _, name := range offloadtest.Names() {
		if name == "large" {
			continue
		}
		var buf bytes.Buffer
		if err := run(&buf, "/", name, true); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var out output
		if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(out.PFs) == 0 || out.Tree != name {
			t.Errorf("%s: %d PFs, tree %q", name, len(out.PFs), out.Tree)
		}
		// The tree's fake devlink answers the eswitch mode; cx5 trees
		// are named after theirs.
		for _, mode := range []string{"legacy", "switchdev"} {
			if strings.HasPrefix(name, "cx5-"+mode) && out.PFs[0].ESwitchMode.String() != mode {
				t.Errorf("%s: PF %s eswitch mode %s", name, out.PFs[0].Address, out.PFs[0].ESwitchMode)
			}
		}
	}
}

func TestEmptyRoot(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := run(&buf, t.TempDir(), "", false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "No SR-IOV capable PCI functions") {
		t.Errorf("no friendly message: %s", buf.String())
	}
	buf.Reset()
	if err := run(&buf, "/", "nope", false); err == nil {
		t.Error("unknown tree accepted")
	}
}
