package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestCNIVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := cniMain(strings.NewReader(""), &out, "/", cniEnv{Command: "VERSION"}); code != 0 || !strings.Contains(out.String(), "supportedVersions") {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

// TestCNIErrors checks that failures come back as CNI error objects with
// the spec's codes, and that they happen before anything is touched (the
// root is an empty directory: no VF can be found there).
func TestCNIErrors(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if err := os.MkdirAll(root+"/sys", 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, conf string
		env        cniEnv
		code       int
		msg        string
	}{
		{"bad json", `{`, cniEnv{Command: "ADD"}, 6, "decode"},
		{"bad deviceID", `{"cniVersion":"1.0.0","deviceID":"../../x"}`, cniEnv{Command: "ADD", NetNS: "/var/run/netns/x", IfName: "eth0"}, 7, "deviceID"},
		{"bad ifname", `{"cniVersion":"1.0.0","deviceID":"0000:84:00.2"}`, cniEnv{Command: "ADD", ContainerID: "d85b161b6840aaf3", NetNS: "/var/run/netns/x", IfName: "eth0/.."}, 7, "interface name"},
		{"bad mac", `{"cniVersion":"1.0.0","deviceID":"0000:84:00.2","mac":"zz"}`, cniEnv{Command: "ADD", NetNS: "/var/run/netns/x", IfName: "eth0"}, 7, "mac"},
		{"no such VF", `{"cniVersion":"0.4.0","deviceID":"0000:84:00.2"}`, cniEnv{Command: "ADD", ContainerID: "d85b161b6840aaf3", NetNS: "/var/run/netns/x", IfName: "eth0"}, 100, "not found"},
		{"unknown command", `{"cniVersion":"1.0.0","deviceID":"0000:84:00.2"}`, cniEnv{Command: "GC"}, 100, "not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if code := cniMain(strings.NewReader(c.conf), &out, root, c.env); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			var e cniError
			if err := json.Unmarshal(out.Bytes(), &e); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			if e.Code != c.code || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("got %+v, want code %d and %q", e, c.code, c.msg)
			}
		})
	}
}

// TestDemo runs ADD and DEL on bundled trees in real network namespaces.
func TestDemo(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the -tree demo creates network namespaces and veth pairs")
	}
	for _, c := range []struct{ tree, vf, mac, want string }{
		{"cx5-switchdev", "0000:84:00.3", "0a:c9:1c:70:01:09", `host namespace: d85b161b6840_h (alias enp132s0f0r1) up`},
		{"agilio-flower", "", "0a:c9:1c:70:01:0a", `pod namespace: eth0 (alias ens47v0) up`},
		{"yusur-2200e", "", "0a:c9:1c:70:01:09", `"dpdk-devargs": "0000:00:0a.0,representor=[0]"`},
	} {
		t.Run(c.tree, func(t *testing.T) {
			var out bytes.Buffer
			if err := demo(&out, c.tree, c.vf, "eth0", "d85b161b6840aaf3e9d2b7c1f0e4a5b6", c.mac); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			s := out.String()
			if !strings.Contains(s, c.want) || !strings.Contains(s, "DEL done (twice") || !strings.Contains(s, "CHECK: the host agrees") || !strings.HasSuffix(s, "pod namespace:\n") {
				t.Errorf("output lacks %q, or the pod is not empty after DEL:\n%s", c.want, s)
			}
		})
	}
	if err := demo(&bytes.Buffer{}, "cx5-legacy", "", "eth0", "d85b161b6840aaf3", ""); err == nil {
		t.Error("a legacy tree has no representors: want an error")
	}
}
