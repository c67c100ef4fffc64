package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func opts(tree string) options {
	return options{root: "/", tree: tree, vfs: -1, bond: "refuse", timeout: 60e9}
}

func TestDryRun(t *testing.T) {
	o := opts("cx5-legacy")
	o.pf, o.vfs = "0000:84:00.0", 4
	var buf bytes.Buffer
	if err := run(&buf, o); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"backend mellanox, order vfs-first", "echo 0000:84:00.2 > /sys/bus/pci/drivers/mlx5_core/unbind",
		"devlink dev eswitch set pci/0000:84:00.0 mode switchdev", "ethtool -K enp132s0f0np0 hw-tc-offload on", "(dry run: -apply runs it)"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
}

func TestApplyTree(t *testing.T) {
	o := opts("cx5-bond")
	o.vfs, o.bond, o.apply = 2, "vf-lag", true
	var buf bytes.Buffer
	if err := run(&buf, o); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	// The VF LAG plan of 84:00.0 covers 84:00.1, whose own plan is then
	// empty; both end in switchdev, bonded again.
	out := buf.String()
	for _, want := range []string{"applied: 18 steps", "applied: nothing to do",
		"0000:84:00.0 eswitch switchdev, 2/127 VFs (2 bound to mlx5_core), hw-tc-offload of enp132s0f0np0 on, flow_steering_mode dmfs, in bond bond1 (802.3ad)",
		"0000:84:00.1 eswitch switchdev, 2/127 VFs (2 bound to mlx5_core), hw-tc-offload of enp132s0f1np1 on, flow_steering_mode dmfs, in bond bond1 (802.3ad)"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	o = opts("e810-ice")
	o.vfs, o.apply = 4, true
	buf.Reset()
	if err := run(&buf, o); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if out := buf.String(); !strings.Contains(out, "applied: 3 steps") || !strings.Contains(out, "state after:\n  0000:3b:00.0 eswitch switchdev, 4/256 VFs (4 bound to iavf), hw-tc-offload of ens785f0 on") {
		t.Errorf("apply output:\n%s", out)
	}
}

func TestJSON(t *testing.T) {
	o := opts("agilio-flower")
	o.vfs, o.apply, o.asJSON = 2, true, true
	var buf bytes.Buffer
	if err := run(&buf, o); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	var out struct {
		Tree  string `json:"tree"`
		Plans []struct {
			PF      string `json:"pf"`
			Applied bool   `json:"applied"`
			Plan    struct {
				Backend string `json:"backend"`
				Steps   []struct {
					Kind    string `json:"kind"`
					Command string `json:"command"`
				} `json:"steps"`
			} `json:"plan"`
		} `json:"plans"`
		After []struct {
			NumVFs int    `json:"num_vfs"`
			Mode   string `json:"mode"`
		} `json:"after"`
	}
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if out.Tree != "agilio-flower" || len(out.Plans) != 1 || !out.Plans[0].Applied || out.Plans[0].Plan.Backend != "corigine" ||
		len(out.Plans[0].Plan.Steps) != 2 || out.Plans[0].Plan.Steps[0].Kind != "set-numvfs" || len(out.After) != 1 || out.After[0].NumVFs != 2 || out.After[0].Mode != "switchdev" {
		t.Errorf("JSON: %+v\n%s", out, buf.String())
	}
}

func TestDoctorFlag(t *testing.T) {
	o := opts("yusur-2200e")
	o.doctor = true
	var buf bytes.Buffer
	if err := run(&buf, o); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"yusur-hados", "yusur-card", "ovn-lb", "worst:"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("doctor lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestRefusals(t *testing.T) {
	var buf bytes.Buffer
	o := opts("")
	o.root, o.apply = t.TempDir(), true
	if err := run(&buf, o); err == nil || !strings.Contains(err.Error(), "plain files") {
		t.Errorf("-apply on -root: %v", err)
	}
	if err := run(&buf, opts("nope")); err == nil {
		t.Error("unknown tree accepted")
	}
	o = opts("cx5-legacy")
	o.bond = "glue"
	if err := run(&buf, o); err == nil {
		t.Error("bad -bond accepted")
	}
	buf.Reset()
	if err := run(&buf, opts("list")); err != nil || !strings.Contains(buf.String(), "cx5-legacy") {
		t.Errorf("list: %v\n%s", err, buf.String())
	}
}

func TestFirmwareFlag(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "flower"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flower", "nic_AMDA0097.nffw"), []byte("nffw"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := opts("agilio-flower")
	o.firmware, o.firmwareDir, o.assembly = true, dir, "AMDA0097"
	var buf bytes.Buffer
	if err := run(&buf, o); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), "pci-0000:af:00.0.nffw -> flower/nic_AMDA0097.nffw (now missing)") {
		t.Errorf("dry run:\n%s", buf.String())
	}
	if _, err := os.Lstat(filepath.Join(dir, "pci-0000:af:00.0.nffw")); err == nil {
		t.Fatal("the dry run created the link")
	}
	o.apply = true
	buf.Reset()
	if err := run(&buf, o); err != nil || !strings.Contains(buf.String(), "links in place") {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if got, err := os.Readlink(filepath.Join(dir, "pci-0000:af:00.0.nffw")); err != nil || got != "flower/nic_AMDA0097.nffw" {
		t.Errorf("link: %q, %v", got, err)
	}
	// No assembly anywhere: the error says how to find it by hand.
	o.assembly, o.apply = "", false
	buf.Reset()
	if err := run(&buf, o); err == nil || !strings.Contains(buf.String(), "ethtool -w") {
		t.Errorf("%v\n%s", err, buf.String())
	}
}
