//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/vishvananda/netlink"

	"github.com/offloadkit/offloadkit/offload/offloadtest"
	"github.com/offloadkit/offloadkit/offload/podnet"
	"github.com/offloadkit/offloadkit/offload/podnet/podnettest"
	"github.com/offloadkit/offloadkit/ovs/ovstest"
)

// TestCNIWithOVS runs ADD and DEL with "bridge" set against a real
// ovs-vswitchd, whose private network namespace plays the host: the port
// must appear with its iface-id on ADD and be gone after DEL.
func TestCNIWithOVS(t *testing.T) {
	t.Parallel()
	o := ovstest.Start(t)
	hostNS := fmt.Sprintf("/proc/%d/ns/net", o.VswitchdPID())
	o.AddBridge(t, "br-int")
	podnettest.StandIn(t, hostNS, "enp132s0f0v1", "enp132s0f0r1")
	podNS := podnettest.NetNS(t, "cni-attach-test")
	h := offloadtest.NewByName(t, "cx5-switchdev").Host(t)
	p := podnet.New(h, podnet.Config{HostNetNS: hostNS})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conf := netConf{CNIVersion: "1.0.0", DeviceID: "0000:84:00.3", IfaceID: "nginx.default", Bridge: "br-int"}
	env := cniEnv{Command: "ADD", ContainerID: "d85b161b6840aaf3e9d2", NetNS: podNS, IfName: "eth0"}
	res, err := cniCall(ctx, p, o.DB, conf, env)
	if err != nil {
		t.Fatal(err)
	}
	if res.OVSPort.Name != "d85b161b6840_h" {
		t.Errorf("result %+v", res)
	}
	i, err := o.DB.Interface(ctx, "d85b161b6840_h")
	if err != nil || i.ExternalIDs["iface-id"] != "nginx.default" || i.OFPort == nil || *i.OFPort <= 0 {
		t.Errorf("interface %+v, %v", i, err)
	}
	env.Command = "CHECK"
	if _, err := cniCall(ctx, p, o.DB, conf, env); err != nil {
		t.Errorf("CHECK after ADD: %v", err)
	}
	env.Command = "DEL"
	for range 2 { // DEL twice: the second finds nothing to do
		if _, err := cniCall(ctx, p, o.DB, conf, env); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := o.DB.Interface(ctx, "d85b161b6840_h"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("interface after DEL: %v", err)
	}
	env.Command = "CHECK"
	if _, err := cniCall(ctx, p, o.DB, conf, env); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("CHECK after DEL: got %v, want ErrNotFound", err)
	}
	var names []string
	if err := podnettest.InNS(hostNS, func(h *netlink.Handle) error {
		ls, err := h.LinkList()
		for _, l := range ls {
			names = append(names, l.Attrs().Name)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(names, " "), "enp132s0f0r1") || !strings.Contains(strings.Join(names, " "), "enp132s0f0v1") {
		t.Errorf("host namespace after DEL: %v", names)
	}
}
