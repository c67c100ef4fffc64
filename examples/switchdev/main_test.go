package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func opts(tree string) options {
	return options{root: "/", tree: tree, vfs: -1, bond: "refuse", timeout: 60e9}
}

func TestDryRun(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
	o := opts("yusur-2200e")
	o.doctor = true
	var buf bytes.Buffer
	// Port 1 has no VFs: a failed check, exit code 2.
	if err := run(&buf, o); !errors.Is(err, errDoctorFailed) || exitCode(err) != 2 {
		t.Fatalf("doctor on yusur-2200e: %v (exit %d), want the failed-check result (exit 2)", err, exitCode(err))
	}
	for _, want := range []string{"yusur-hados", "yusur-card", "ovn-lb", "worst:"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("doctor lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestFirmwareFromNICFirmware: from the NIC firmware, -firmware prints the
// firmware change as plan steps, the reload and initramfs as operator
// actions with their risk; -apply makes the link only, leaves the manual
// steps to the operator and exits 4.
func TestFirmwareFromNICFirmware(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "flower"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flower", "nic_AMDA0097.nffw"), []byte("nffw"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := opts("agilio-flower")
	o.firmware, o.nicFirmware, o.firmwareDir, o.assembly = true, true, dir, "AMDA0097"
	var buf bytes.Buffer
	if err := run(&buf, o); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	for _, want := range []string{
		"1. link firmware " + filepath.Join(dir, "pci-0000:af:00.0.nffw") + " (no link) -> flower/nic_AMDA0097.nffw",
		"2. rebuild the initramfs", "3. reload nfp", "risk: rmmod nfp unbinds every device nfp drives",
		"$ rmmod nfp; modprobe nfp", "(dry run",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, buf.String())
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "pci-0000:af:00.0.nffw")); err == nil {
		t.Fatal("the dry run created the link")
	}
	o.apply = true
	buf.Reset()
	err := run(&buf, o)
	if got := exitCode(err); got != exitOperatorAction {
		t.Errorf("exit code %d (%v), want %d\n%s", got, err, exitOperatorAction, buf.String())
	}
	if !strings.Contains(buf.String(), "stopped at step 2") || !strings.Contains(buf.String(), "to do: reload nfp") {
		t.Errorf("apply output:\n%s", buf.String())
	}
	if got, err := os.Readlink(filepath.Join(dir, "pci-0000:af:00.0.nffw")); err != nil || got != "flower/nic_AMDA0097.nffw" {
		t.Errorf("link: %q, %v", got, err)
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]int{nil: 0, errDoctorFailed: 2, errDoctorUncertain: 3, errors.New("no such PF"): 1} {
		if got := exitCode(err); got != want {
			t.Errorf("exitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

// TestDoctorBinary builds the command and runs -doctor (and -doctor
// -json) on bundled trees: a tree with a failed check exits 2, the output
// has no raw file error, and no host-only check says ok on a tree without
// /proc.
func TestDoctorBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the command with the go tool; -short skips it")
	}
	bin := filepath.Join(t.TempDir(), "switchdev")
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("builds the command with the go tool, which is not on PATH: %v", err)
	}
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		tree string
		json bool
	}{{"agilio-flower", false}, {"agilio-flower", true}, {"bf2-dpu", false}, {"cx5-legacy", false}} {
		args := []string{"-tree", tc.tree, "-doctor"}
		if tc.json {
			args = append(args, "-json")
		}
		cmd := exec.Command(bin, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("%v: %v, want exit code 2 (a check fails on every bundled tree: hw-tc-offload off or no VFs)\n%s%s", args, err, stdout.String(), stderr.String())
		}
		out := stdout.String()
		for _, bad := range []string{"no such file", "open /", "[ok     ] kernel", "[ok     ] networkmanager", "[ok     ] ovs ", "create VFs: echo N > /sys/bus/pci/devices/0000:03:00.0"} {
			if strings.Contains(out, bad) {
				t.Errorf("%v prints %q:\n%s", args, bad, out)
			}
		}
		if tc.json {
			var rep struct {
				Doctor struct {
					Notes  []string `json:"notes"`
					Checks []struct {
						Name, Status string
					} `json:"checks"`
				} `json:"doctor"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, out)
			}
			for _, c := range rep.Doctor.Checks {
				if (c.Name == "kernel" || c.Name == "networkmanager") && c.Status != "unknown" {
					t.Errorf("%v: %s is %s on a tree without /proc", args, c.Name, c.Status)
				}
			}
			if len(rep.Doctor.Notes) == 0 || !strings.Contains(rep.Doctor.Notes[0], "host-only checks were not run") {
				t.Errorf("%v: no note that host-only checks were not run: %v", args, rep.Doctor.Notes)
			}
			continue
		}
		if !strings.Contains(out, "host-only checks were not run") {
			t.Errorf("%v does not say host-only checks were not run:\n%s", args, out)
		}
	}
}

// TestVFLAGFlags: -vflag-bond and -vflag-mode form a VF LAG from the two
// ports of a ConnectX-5 in no bond (issue 15 item 4): the dry run shows
// the guide's commands in mlx5's order, -apply leaves both PFs in bond1
// in the mode asked, and bad values are refused before anything runs.
func TestVFLAGFlags(t *testing.T) {
	t.Parallel()
	o := opts("cx5-switchdev")
	o.pf, o.vfs, o.vflagBond, o.vflagMode = "0000:84:00.0", 2, "bond1", "active-backup"
	var buf bytes.Buffer
	if err := run(&buf, o); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	out := buf.String()
	last := -1
	for _, want := range []string{"ip link set dev enp132s0f0np0 down", "ip link set dev enp132s0f1np1 down",
		"ip link add name bond1 type bond mode active-backup", "echo +enp132s0f0np0 > /sys/class/net/bond1/bonding/slaves",
		"echo +enp132s0f1np1 > /sys/class/net/bond1/bonding/slaves", "ip link set dev bond1 up",
		"echo 0000:84:00.2 > /sys/bus/pci/drivers/mlx5_core/bind"} {
		i := strings.Index(out, want)
		if i < 0 || i < last {
			t.Errorf("dry run lacks %q, or has it out of order:\n%s", want, out)
		}
		last = i
	}
	// Every PF: the plan of 84:00.0 forms the LAG of both ports, so the
	// plan of 84:00.1 that follows is empty.
	o.apply, o.pf = true, ""
	buf.Reset()
	if err := run(&buf, o); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	for _, want := range []string{"applied: 18 steps", "in bond bond1 (active-backup)", "applied: nothing to do"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("apply output lacks %q:\n%s", want, buf.String())
		}
	}
	for _, bad := range []options{
		func() options { o := opts("cx5-switchdev"); o.vflagBond, o.vflagMode = "bond1", "balance-rr"; return o }(),
		func() options { o := opts("cx5-switchdev"); o.vflagMode = "802.3ad"; return o }(),
		func() options { o := opts("cx5-switchdev"); o.vflagBond, o.bond = "bond1", "release"; return o }(),
		func() options {
			o := opts("cx5-switchdev")
			o.pf, o.vflagBond, o.vflagMode = "0000:84:00.0", "bond/1", "802.3ad"
			return o
		}(),
	} {
		buf.Reset()
		if err := run(&buf, bad); err == nil {
			t.Errorf("-vflag-bond %q -vflag-mode %q -bond %s: no error\n%s", bad.vflagBond, bad.vflagMode, bad.bond, buf.String())
		}
	}
}
