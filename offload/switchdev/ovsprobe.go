package switchdev

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/ovs/ovsdb"
)

// OVSDBStatus returns a DoctorConfig.OVS reader that asks the OVSDB
// server at endpoint ("" for ovsdb.DefaultEndpoint()) for OVS's offload
// settings. ovs-vswitchd counts as running when it has applied a
// configuration (cur_cfg > 0) or, for a unix socket, when the pid file next
// to it names a live process. OVN load balancers live in the northbound
// database (DoctorConfig.OVNNorthbound), so LoadBalancers is -1 (unknown).
// Each call connects, reads and disconnects within 5 seconds at most.
func OVSDBStatus(endpoint string) func(context.Context) (OVSStatus, error) {
	return func(ctx context.Context) (OVSStatus, error) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		c, err := ovsdb.Connect(ctx, ovsdb.Config{Endpoint: endpoint})
		if err != nil {
			return OVSStatus{}, err
		}
		defer c.Close()
		sys, err := c.System(ctx)
		if err != nil {
			return OVSStatus{}, err
		}
		oc, err := c.OffloadConfig(ctx)
		if err != nil {
			return OVSStatus{}, err
		}
		running := sys.CurCfg > 0
		if sock, ok := strings.CutPrefix(c.Endpoint(), "unix:"); ok {
			running = running || pidAlive(filepath.Join(filepath.Dir(sock), "ovs-vswitchd.pid"))
		}
		return OVSStatus{Running: running, HWOffload: oc.HWOffload, TCPolicy: string(oc.TCPolicy), LoadBalancers: -1}, nil
	}
}

// pidAlive reads a pid file and checks the process is alive in this PID
// namespace.
func pidAlive(pidfile string) bool {
	b, err := os.ReadFile(pidfile)
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
