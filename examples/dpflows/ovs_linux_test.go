package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/ovs/ovstest"
)

// TestRealOVS runs dpflows -unixctl against a private ovs-vswitchd
// (userspace datapath, veth ports in namespaces, real ICMP) and checks
// every flow line of `ovs-appctl dpctl/dump-flows -m` came out as a JSON
// flow. ovstest.Start skips when not root or without openvswitch-switch.
func TestRealOVS(t *testing.T) {
	t.Parallel()
	o := ovstest.Start(t)
	o.AddBridge(t, "br-dpf")
	a := o.AddNetnsPort(t, "br-dpf", "dpf-a", "10.77.0.1/24")
	b := o.AddNetnsPort(t, "br-dpf", "dpf-b", "10.77.0.2/24")
	if err := a.Ping(b.IP, 3); err != nil {
		t.Fatal(err)
	}
	sock, err := o.Target().SocketPath()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, nil, config{json: true, strict: true, unixctl: true, ctl: sock, verbose: true, timeout: 10 * time.Second}); err != nil {
		t.Fatalf("dpflows -unixctl -strict: %v\n%s", err, out.String())
	}
	var ours []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var f struct {
			UFID  string `json:"ufid"`
			Error string `json:"error"`
			DP    string `json:"dp"`
		}
		if err := json.Unmarshal([]byte(l), &f); err != nil || f.Error != "" || f.UFID == "" || f.DP != "ovs" {
			t.Errorf("bad JSON flow %q: %v", l, err)
		}
		ours = append(ours, f.UFID)
	}
	appctl, ok := o.Bin("ovs-appctl")
	if !ok {
		t.Skip("skipping the cross-check: ovs-appctl not installed")
	}
	cmd := exec.CommandContext(ctx, appctl, "-t", sock, "dpctl/dump-flows", "-m")
	cmd.Env = o.Env()
	text, err := cmd.Output()
	if err != nil {
		t.Fatalf("ovs-appctl: %v", err)
	}
	var theirs []string
	for _, l := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(l, "ufid:") {
			theirs = append(theirs, l[len("ufid:"):len("ufid:")+36])
		}
	}
	if len(theirs) == 0 {
		t.Fatalf("ovs-appctl shows no flows after a ping:\n%s", text)
	}
	// The two dumps are taken one after the other; flows may come and go
	// in between, but the ping's flows stay for the 10 s idle timeout.
	seen := map[string]bool{}
	for _, u := range ours {
		seen[u] = true
	}
	for _, u := range theirs {
		if !seen[u] {
			t.Errorf("ufid %s from ovs-appctl missing from dpflows -unixctl (%d vs %d flows)", u, len(ours), len(theirs))
		}
	}
}
