//go:build vmtest

package devlink_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// TestVMRecordReplies sends raw devlink requests to the guest kernel and
// logs every reply as "okt-record <name> cmd=<n> <hex>" lines.
// hack/devlink-record.sh (or a copy by hand) turns a `make vmtest
// VMTEST_FLAGS="-v -run TestVMRecordReplies"` log into the fixtures under
// testdata/, which the unit tests decode: real kernel bytes, not
// hand-built ones.
func TestVMRecordReplies(t *testing.T) {
	dialDevlink(t) // skips or fails like the other tests when devlink is missing
	h := newNetdevsim(t, nsimID+2)
	numvfs := filepath.Join("/sys/bus/netdevsim/devices", h.Device, "sriov_numvfs")
	if err := os.WriteFile(numvfs, []byte("2"), 0); err != nil {
		t.Fatal(err)
	}
	c, err := genetlink.Dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := c.GetFamily("devlink")
	if err != nil {
		t.Fatal(err)
	}
	handle := func(ae *netlink.AttributeEncoder) {
		ae.String(1, h.Bus)    // DEVLINK_ATTR_BUS_NAME
		ae.String(2, h.Device) // DEVLINK_ATTR_DEV_NAME
	}
	do := func(name string, cmd uint8, flags netlink.HeaderFlags, attrs func(ae *netlink.AttributeEncoder)) {
		t.Helper()
		ae := netlink.NewAttributeEncoder()
		if attrs != nil {
			attrs(ae)
		}
		b, err := ae.Encode()
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := c.Execute(genetlink.Message{Header: genetlink.Header{Command: cmd, Version: 1}, Data: b}, f.ID, flags)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, m := range msgs {
			t.Logf("okt-record %s cmd=%d %x", name, m.Header.Command, m.Data)
		}
	}
	do("dev-get", 1, netlink.Request, handle)               // DEVLINK_CMD_GET
	do("eswitch-get-legacy", 0x1d, netlink.Request, handle) // ESWITCH_GET
	do("eswitch-set-switchdev", 0x1e, netlink.Request|netlink.Acknowledge, func(ae *netlink.AttributeEncoder) {
		handle(ae)
		ae.Uint16(0x19, 1) // DEVLINK_ATTR_ESWITCH_MODE switchdev
	})
	waitNetdevs(t, h.Device, 3)
	do("eswitch-get-switchdev", 0x1d, netlink.Request, handle)
	do("port-dump", 5, netlink.Request|netlink.Dump, nil) // PORT_GET dump, every instance
	do("param-get-max_macs", 0x26, netlink.Request, func(ae *netlink.AttributeEncoder) {
		handle(ae)
		ae.String(0x51, "max_macs") // DEVLINK_ATTR_PARAM_NAME
	})
	do("param-get-test1", 0x26, netlink.Request, func(ae *netlink.AttributeEncoder) {
		handle(ae)
		ae.String(0x51, "test1")
	})
	do("eswitch-set-legacy", 0x1e, netlink.Request|netlink.Acknowledge, func(ae *netlink.AttributeEncoder) {
		handle(ae)
		ae.Uint16(0x19, 0)
	})
	waitNetdevs(t, h.Device, 1)
	if err := os.WriteFile(numvfs, []byte("0"), 0); err != nil {
		t.Fatal(err)
	}
	do("reload", 0x25, netlink.Request, func(ae *netlink.AttributeEncoder) {
		handle(ae)
		ae.Uint8(0x99, 1) // DEVLINK_ATTR_RELOAD_ACTION driver_reinit
	})
	waitNetdevs(t, h.Device, 1)
	fmt.Fprintln(os.Stderr, "recorded devlink replies of", h)
}
