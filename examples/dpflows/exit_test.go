package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binary is the dpflows command built once by TestMain, so the exit
// status tests run the program itself, os.Exit and flag parsing included.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dpflows-bin")
	if err != nil {
		panic(err)
	}
	out := filepath.Join(dir, "dpflows")
	if gobin, err := exec.LookPath("go"); err != nil {
		fmt.Fprintln(os.Stderr, "dpflows exit tests: no go command in PATH:", err) // they skip
	} else if b, err := exec.Command(gobin, "build", "-o", out, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(b) // the exit tests skip and say why
	} else {
		binary = out
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBinary runs dpflows with args and returns its exit status, stdout
// and stderr.
func runBinary(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	if binary == "" {
		t.Skip("skipping: could not build the dpflows binary with the go command (see the output above)")
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("run %v: %v", args, err)
	return 0, "", ""
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	passwd := filepath.Join(dir, "passwd")
	if err := os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	const antrea = "../../testdata/ovs/antrea-cx5-names.txt"
	for _, tc := range []struct {
		name    string
		args    []string
		stdin   string
		code    int
		stdout  string // substring, when set
		stderr  string // substring, when set
		noPrint bool   // nothing on stdout
	}{
		{name: "type offloaded file", args: []string{"-type", "offloaded", antrea}, code: 0, stdout: "In hardware: 4 of 4 flows (100.0%)"},
		{name: "file of unknown type", args: []string{antrea}, code: 0, stdout: "In hardware: 0 of 4 flows"},
		{name: "not a dump", args: []string{passwd}, code: 1, stderr: "0 of 2 lines are flows", noPrint: true},
		{name: "not a dump, json", args: []string{"-json", passwd}, code: 1, stderr: "0 of 2 lines are flows", noPrint: true},
		{name: "only bad lines", stdin: "in_port(1),eth(\nin_port(2),eth(\n", code: 1, stderr: "0 of 2 lines are flows (2 did not parse"},
		{name: "empty file", args: []string{empty}, code: 0, stdout: "the dump is empty"},
		{name: "headers only", stdin: "flow-dump from the main thread:\n\n", code: 0, stdout: "the dump is empty"},
		{name: "strict bad line", args: []string{"-strict"}, stdin: yusurLineForExit + "\nin_port(1),eth(\n", code: 1, stderr: "some lines did not parse"},
		{name: "timeout zero", args: []string{"-timeout", "0", antrea}, code: 2, stderr: "-timeout 0s: want a positive duration"},
		{name: "timeout negative", args: []string{"-timeout", "-1s", antrea}, code: 2, stderr: "want a positive duration"},
		{name: "timeout 1ns is fine as a flag", args: []string{"-timeout", "1ns", antrea}, code: 0},
		{name: "bad type", args: []string{"-type", "offload", antrea}, code: 2, stderr: "dump type"},
		{name: "two files", args: []string{antrea, antrea}, code: 2},
		{name: "missing file", args: []string{filepath.Join(dir, "none")}, code: 1, stderr: "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runBinary(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if tc.stdout != "" && !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout)
			}
			if tc.stderr != "" && !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
			}
			if tc.noPrint && stdout != "" {
				t.Errorf("printed a report of input that is not a dump:\n%s", stdout)
			}
		})
	}
}

// TestExitTimeout runs -unixctl against a socket that accepts and never
// answers: the run fails (1) and names the -timeout that expired.
func TestExitTimeout(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp("", "dpflows")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "ovs-vswitchd.1.ctl")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("skipping: cannot listen on a unix socket here: %v", err)
	}
	conns := make(chan net.Conn, 16)
	t.Cleanup(func() {
		ln.Close()
		for len(conns) > 0 {
			(<-conns).Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c // held open, never answered
		}
	}()
	code, _, stderr := runBinary(t, "", "-unixctl", "-ctl", path, "-timeout", "300ms")
	if code != 1 || !strings.Contains(stderr, "-timeout 300ms expired") {
		t.Errorf("exit %d, stderr %q; want 1 and the -timeout that expired", code, stderr)
	}
}

const yusurLineForExit = `ufid:7940666e-a0bd-42a5-8116-1e84e81bb338, recirc_id(0),in_port(genev_sys_6081),eth_type(0x0800),ipv4(frag=no), packets:6946, bytes:459664, used:4.170s, dp:tc,offloaded:yes,actions:d85b161b6840_h`
