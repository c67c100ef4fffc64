//go:build vmtest

package ethtool_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/internal/ethtool"
	"github.com/offloadkit/offloadkit/internal/vmtest"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// TestVMEthtoolNetdevsimPort toggles hw-tc-offload on a netdevsim port,
// which can change it, in the vmtest guest; the host-side live test
// (TestLiveVethFeatures) covers veth, which cannot.
func TestVMEthtoolNetdevsimPort(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create netdevsim devices")
	}
	var c *ethtool.Client
	vmtest.Require(t, vmtest.FeatureEthtoolNL, func() error {
		var err error
		c, err = ethtool.Dial(nil)
		return err
	})
	defer c.Close()
	vmtest.Require(t, vmtest.FeatureNetdevsim, func() error {
		_, err := os.Stat("/sys/bus/netdevsim/new_device")
		return err
	})
	const id = 31
	dev := fmt.Sprintf("netdevsim%d", id)
	if err := os.WriteFile("/sys/bus/netdevsim/new_device", []byte(fmt.Sprintf("%d 1", id)), 0); err != nil {
		t.Fatalf("create %s: %v", dev, err)
	}
	t.Cleanup(func() { _ = os.WriteFile("/sys/bus/netdevsim/del_device", []byte(strconv.Itoa(id)), 0) })
	var port string
	for i := 0; i < 300 && port == ""; i++ {
		ents, _ := os.ReadDir(filepath.Join("/sys/bus/netdevsim/devices", dev, "net"))
		if len(ents) > 0 {
			port = ents[0].Name()
		} else {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if port == "" {
		t.Fatalf("%s has no port netdev", dev)
	}
	ctx := t.Context()
	ifc := ethtool.Interface{Name: port}
	fs, err := c.Features(ctx, ifc)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := fs.Get("hw-tc-offload")
	if !ok || !f.Changeable {
		t.Fatalf("netdevsim hw-tc-offload = %+v (found %v), want changeable", f, ok)
	}
	for _, on := range []bool{!f.Active, f.Active} {
		res, err := c.SetFeatures(ctx, ifc, map[string]bool{"hw-tc-offload": on})
		if err != nil {
			t.Fatalf("set hw-tc-offload %v: %v (%+v)", on, err, res)
		}
		fs, err := c.Features(ctx, ifc)
		if err != nil {
			t.Fatal(err)
		}
		if g, _ := fs.Get("hw-tc-offload"); g.Active != on {
			t.Fatalf("hw-tc-offload after set %v: %+v", on, g)
		}
	}
	if _, err := c.Features(ctx, ethtool.Interface{Name: "nosuchdev0"}); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("missing device: %v, want ErrNotFound", err)
	}
}
