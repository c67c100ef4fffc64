package offloadstate

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// Replies recorded from a private OVS 3.1.0 (Debian 3.1.0-2) started by
// ovs/ovstest: userspace datapath, one veth port, before and after
// `ovs-vsctl set Open_vSwitch . other_config:hw-offload=true`.
const (
	version31      = "ovs-vswitchd (Open vSwitch) 3.1.0\n"
	dpifShowNetdev = "netdev@ovs-netdev: hit:0 missed:0\n  br-p:\n    br-p 65534/1: (tap)\n    pp-a 1/2: (system)\n"
	upcallOff      = "netdev@ovs-netdev:\n  flows         : (current 0) (avg 0) (max 0) (limit 10000)\n  dump duration : 1ms\n  ufid enabled : true\n\n  5: (keys 0)\n"
	upcallOn       = "netdev@ovs-netdev:\n  flows         : (current 0) (avg 0) (max 0) (limit 10000)\n  offloaded flows : 0\n  dump duration : 1ms\n  ufid enabled : true\n\n  5: (keys 0)\n"
	// The kernel datapath variants follow the same format
	// (ofproto/ofproto-dpif-upcall.c upcall_unixctl_show).
	dpifShowSystem  = "system@ovs-system: hit:10 missed:4\n  br0:\n    br0 65534/1: (internal)\n    eth1 1/2: (system)\n    genev0 2/3: (geneve: key=flow, remote_ip=flow)\n"
	upcallSystemOn  = "system@ovs-system:\n  flows         : (current 3) (avg 2) (max 5) (limit 200000)\n  offloaded flows : 3\n  dump duration : 2ms\n  ufid enabled : true\n"
	upcallSystemOff = "system@ovs-system:\n  flows         : (current 3) (avg 2) (max 5) (limit 200000)\n  dump duration : 2ms\n  ufid enabled : true\n"
	// dpif/offload/show text of OVS 3.7 (ofproto/ofproto-dpif.c
	// ofproto_unixctl_dpif_offload_show: "Globally enabled: %s\nDatapaths:\n").
	offloadShow37On = "Globally enabled: true\nDatapaths:\nsystem@ovs-system:\n"
)

// fakeVswitchd answers unixctl JSON-RPC requests on a unix socket from
// replies (method to result; a missing method is an error reply, as OVS
// answers an unknown command).
func fakeVswitchd(t *testing.T, replies map[string]string) *unixctl.Client {
	t.Helper()
	dir, err := os.MkdirTemp("", "ostate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "ovs-vswitchd.1.ctl")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("skipping: cannot listen on a unix socket here: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				dec := json.NewDecoder(bufio.NewReader(conn))
				for {
					var req struct {
						ID     any    `json:"id"`
						Method string `json:"method"`
					}
					if err := dec.Decode(&req); err != nil {
						return
					}
					res, ok := replies[req.Method]
					var reply []byte
					if ok {
						reply, _ = json.Marshal(map[string]any{"id": req.ID, "result": res, "error": nil})
					} else {
						reply, _ = json.Marshal(map[string]any{"id": req.ID, "result": nil, "error": "\"" + req.Method + "\" is not a valid command"})
					}
					if _, err := conn.Write(reply); err != nil {
						return
					}
				}
			}()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := unixctl.Dial(ctx, unixctl.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestParseUpcallShow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want map[string]uint64
	}{
		{upcallOff, map[string]uint64{}},
		{upcallOn, map[string]uint64{"netdev@ovs-netdev": 0}},
		{upcallSystemOn + "\n" + upcallOn, map[string]uint64{"system@ovs-system": 3, "netdev@ovs-netdev": 0}},
		{"  offloaded flows : 5\n", map[string]uint64{}}, // no datapath header
		{"", map[string]uint64{}},
	} {
		if diff := cmp.Diff(tc.want, ParseUpcallShow(tc.in)); diff != "" {
			t.Errorf("ParseUpcallShow(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestParseOffloadShow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in          string
		enabled, ok bool
	}{
		{offloadShow37On, true, true},
		{"Globally enabled: false\nDatapaths:\n", false, true},
		{"Globally enabled: maybe\n", false, false},
		{"", false, false},
	} {
		if e, ok := ParseOffloadShow(tc.in); e != tc.enabled || ok != tc.ok {
			t.Errorf("ParseOffloadShow(%q) = %v, %v; want %v, %v", tc.in, e, ok, tc.enabled, tc.ok)
		}
	}
}

// TestCheckFake runs Check against a fake control socket answering with
// recorded and source-derived replies, one case per branch of the answer.
func TestCheckFake(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		replies map[string]string
		state   State
		reason  []string // substrings
		is      error    // what Err matches; nil for InEffect
	}{
		{"userspace off", map[string]string{"version": version31, "dpif/show": dpifShowNetdev, "upcall/show": upcallOff},
			NotInEffect, []string{"no port of netdev@ovs-netdev has a flow API", "userspace datapath without DPDK ports"}, errs.ErrNotApplied},
		{"userspace with tc flow API", map[string]string{"version": version31, "dpif/show": dpifShowNetdev, "upcall/show": upcallOn},
			NotInEffect, []string{"only through DPDK ports (rte_flow)"}, errs.ErrNotApplied},
		{"userspace with DPDK port", map[string]string{"version": version31, "dpif/show": dpifShowNetdev + "    dpdk0 2/3: (dpdk: configured_rx_queues=1)\n", "upcall/show": upcallOn},
			InEffect, []string{"flow API on netdev@ovs-netdev"}, nil},
		{"kernel on", map[string]string{"version": version31, "dpif/show": dpifShowSystem, "upcall/show": upcallSystemOn},
			InEffect, []string{"flow API on system@ovs-system"}, nil},
		{"kernel off", map[string]string{"version": version31, "dpif/show": dpifShowSystem, "upcall/show": upcallSystemOff},
			NotInEffect, []string{"no port of system@ovs-system has a flow API"}, errs.ErrNotApplied},
		{"3.7 on", map[string]string{"version": "ovs-vswitchd (Open vSwitch) 3.7.0\n", "dpif/show": dpifShowSystem, "dpif/offload/show": offloadShow37On},
			InEffect, []string{"flow API on system@ovs-system"}, nil},
		{"3.7 off", map[string]string{"version": "ovs-vswitchd (Open vSwitch) 3.7.0\n", "dpif/show": dpifShowSystem, "dpif/offload/show": "Globally enabled: false\n"},
			NotInEffect, []string{"no port of system@ovs-system"}, errs.ErrNotApplied},
		{"too old", map[string]string{"version": "ovs-vswitchd (Open vSwitch) 2.13.8\n", "dpif/show": dpifShowSystem, "upcall/show": upcallSystemOn},
			Unknown, []string{"does not report its flow API", "from 2.15"}, nil},
		{"no bridge", map[string]string{"version": version31, "dpif/show": "", "upcall/show": ""},
			Unknown, []string{"no datapath yet"}, nil},
		{"upcall/show refused", map[string]string{"version": version31, "dpif/show": dpifShowSystem},
			Unknown, []string{"cannot read the daemon's flow API state"}, nil},
		{"dpif/show refused", map[string]string{"version": version31},
			Unknown, []string{"cannot list the daemon's datapaths"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r := Check(ctx, Config{Unixctl: fakeVswitchd(t, tc.replies)})
			if r.State != tc.state {
				t.Errorf("state %v, want %v (reason %q)", r.State, tc.state, r.Reason)
			}
			for _, s := range tc.reason {
				if !strings.Contains(r.Reason, s) {
					t.Errorf("reason %q lacks %q", r.Reason, s)
				}
			}
			err := r.Err()
			switch {
			case tc.state == InEffect && err != nil:
				t.Errorf("Err() = %v, want nil", err)
			case tc.state != InEffect && err == nil:
				t.Errorf("Err() = nil for %v", r.State)
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Errorf("Err() = %v, want it to match %v", err, tc.is)
			case tc.state == Unknown && errors.Is(err, errs.ErrNotApplied):
				t.Errorf("Err() = %v: an unknown answer must not read as not applied", err)
			}
			if len(r.Evidence) == 0 {
				t.Error("no evidence")
			}
		})
	}
}

func TestCheckNoClient(t *testing.T) {
	t.Parallel()
	r := Check(context.Background(), Config{})
	if r.State != Unknown || !strings.Contains(r.Reason, "no unixctl client") || r.Err() == nil {
		t.Errorf("%+v", r)
	}
}

// TestCheckTimeout: a daemon that does not answer in time is Unknown,
// and Err says it timed out.
func TestCheckTimeout(t *testing.T) {
	t.Parallel()
	c := fakeVswitchd(t, map[string]string{"version": version31})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := Check(ctx, Config{Unixctl: c})
	if r.State != Unknown || r.Err() == nil || errors.Is(r.Err(), errs.ErrNotApplied) {
		t.Errorf("state %v, err %v", r.State, r.Err())
	}
}
