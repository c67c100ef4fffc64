//go:build linux

package collector_test

import (
	"strings"
	"syscall"
	"testing"

	"github.com/offloadkit/offloadkit/offload/collector"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
	"github.com/offloadkit/offloadkit/ovs/ovstest"
)

// TestRealOVSKilledBetweenScrapes: with the suite's real ovs-vswitchd the
// ovs subsystem reports; once ovs-vswitchd is killed, the next scrape
// reports ovs_up 0 and the ovs error, and the host and doctor metrics are
// as before.
func TestRealOVSKilledBetweenScrapes(t *testing.T) {
	t.Parallel()
	o := ovstest.Start(t)
	o.AddBridge(t, "br0")
	tr := offloadtest.NewByName(t, "cx5-switchdev")
	h := tr.Host(t)
	c := collector.New(collector.Config{Host: h, Engine: engine(h), OVS: &collector.OVSConfig{Control: o.Target(), DBEndpoint: o.Endpoint}})
	defer c.Close()
	first := gather(t, c)
	want(t, first, map[string]float64{
		`offloadkit_ovs_up{}`:                                            1,
		`offloadkit_ovs_hw_offload_enabled{}`:                            0,
		`offloadkit_scrape_error{subsystem="ovs"}`:                       0,
		`offloadkit_doctor_check{check="ovs",state="ok",subject="host"}`: 1,
	})
	if _, ok := first[`offloadkit_ovs_datapath_flows{datapath="netdev@ovs-netdev",placement="ovs"}`]; !ok {
		t.Error("no datapath flow series for netdev@ovs-netdev")
	}
	if err := syscall.Kill(o.VswitchdPID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	second := gather(t, c)
	want(t, second, map[string]float64{
		`offloadkit_ovs_up{}`:                         0,
		`offloadkit_scrape_error{subsystem="ovs"}`:    1,
		`offloadkit_scrape_error{subsystem="host"}`:   0,
		`offloadkit_scrape_error{subsystem="doctor"}`: 0,
		`offloadkit_ovs_hw_offload_enabled{}`:         0, // ovsdb-server is still up
	})
	for k, v := range first {
		if strings.HasPrefix(k, "offloadkit_ovs") || strings.HasPrefix(k, "offloadkit_scrape") || strings.HasPrefix(k, "offloadkit_doctor_last") {
			continue
		}
		if second[k] != v {
			t.Errorf("%s: %v before, %v after ovs-vswitchd died", k, v, second[k])
		}
	}
}
