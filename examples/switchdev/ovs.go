package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/offload/switchdev"

	"github.com/offloadkit/offloadkit/ovs/ovsdb"
)

// ovsProbe returns a Doctor probe that reads OVS's offload settings over
// OVSDB at endpoint ("" for the default socket). ovs-vswitchd is taken to
// be running when its pid file next to a unix socket names a live process,
// or, for other endpoints, when it has applied a configuration (cur_cfg >
// 0). OVN load balancers live in the OVN northbound database, which this
// example does not read (-1: unknown).
func ovsProbe(endpoint string) switchdev.DoctorOption {
	return switchdev.WithOVSProbe(func(ctx context.Context) (switchdev.OVSStatus, error) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		c, err := ovsdb.Connect(ctx, ovsdb.Config{Endpoint: endpoint})
		if err != nil {
			return switchdev.OVSStatus{}, err
		}
		defer c.Close()
		sys, err := c.System(ctx)
		if err != nil {
			return switchdev.OVSStatus{}, err
		}
		oc, err := c.OffloadConfig(ctx)
		if err != nil {
			return switchdev.OVSStatus{}, err
		}
		running := sys.CurCfg > 0
		ep := endpoint
		if ep == "" {
			ep = ovsdb.DefaultEndpoint()
		}
		if sock, ok := strings.CutPrefix(ep, "unix:"); ok {
			running = running || vswitchdRunning(filepath.Dir(sock))
		}
		return switchdev.OVSStatus{Running: running, HWOffload: oc.HWOffload, TCPolicy: string(oc.TCPolicy), LoadBalancers: -1}, nil
	})
}

// vswitchdRunning reads <dir>/ovs-vswitchd.pid and checks the process is
// alive (in this PID namespace).
func vswitchdRunning(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "ovs-vswitchd.pid"))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return false
	}
	_, err = os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}
