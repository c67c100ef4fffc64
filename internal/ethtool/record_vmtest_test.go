//go:build vmtest

package ethtool_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	vnl "github.com/vishvananda/netlink"

	"github.com/offloadkit/offloadkit/internal/ethtool"
	"github.com/offloadkit/offloadkit/internal/vmtest"
)

// TestVMRecordReplies logs the guest kernel's FEATURES_GET and FEATURES_SET
// replies for a netdevsim port and a veth as "okt-record <name> cmd=<n>
// <hex>" lines, from which the fixtures under testdata/ are made.
func TestVMRecordReplies(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	vmtest.Require(t, vmtest.FeatureEthtoolNL, func() error {
		c, err := ethtool.Dial(nil)
		if err == nil {
			c.Close()
		}
		return err
	})
	vmtest.Require(t, vmtest.FeatureNetdevsim, func() error {
		_, err := os.Stat("/sys/bus/netdevsim/new_device")
		return err
	})
	const id = 33
	dev := fmt.Sprintf("netdevsim%d", id)
	if err := os.WriteFile("/sys/bus/netdevsim/new_device", []byte(fmt.Sprintf("%d 1", id)), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.WriteFile("/sys/bus/netdevsim/del_device", []byte(strconv.Itoa(id)), 0) })
	var port string
	for i := 0; i < 300 && port == ""; i++ {
		if ents, _ := os.ReadDir(filepath.Join("/sys/bus/netdevsim/devices", dev, "net")); len(ents) > 0 {
			port = ents[0].Name()
		} else {
			time.Sleep(100 * time.Millisecond)
		}
	}
	veth := &vnl.Veth{LinkAttrs: vnl.LinkAttrs{Name: "oktrec0"}, PeerName: "oktrec1"}
	vmtest.Require(t, vmtest.FeatureVeth, func() error { return vnl.LinkAdd(veth) })
	t.Cleanup(func() { _ = vnl.LinkDel(veth) })

	c, err := genetlink.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := c.GetFamily("ethtool")
	if err != nil {
		t.Fatal(err)
	}
	do := func(name string, cmd uint8, ifname string, want map[string]bool) {
		t.Helper()
		var b []byte
		var err error
		if want == nil {
			b, err = ethtool.EncodeFeaturesGet(ethtool.Interface{Name: ifname})
		} else {
			b, err = ethtool.EncodeFeaturesSet(ethtool.Interface{Name: ifname}, want)
		}
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := c.Execute(genetlink.Message{Header: genetlink.Header{Command: cmd, Version: 1}, Data: b}, f.ID, netlink.Request)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, m := range msgs {
			t.Logf("okt-record %s cmd=%d %x", name, m.Header.Command, m.Data)
		}
	}
	do("features-get-netdevsim", ethtool.MsgFeaturesGet, port, nil)
	do("features-set-netdevsim-hw-tc-on", ethtool.MsgFeaturesSet, port, map[string]bool{"hw-tc-offload": true})
	do("features-get-veth", ethtool.MsgFeaturesGet, "oktrec0", nil)
	do("features-set-veth-hw-tc-on", ethtool.MsgFeaturesSet, "oktrec0", map[string]bool{"hw-tc-offload": true, "tx-checksum-ip-generic": false})
}
