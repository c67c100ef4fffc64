package devlink

import (
	"bufio"
	"context"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// recorded is one reply from testdata/linux-6.1-netdevsim.txt.
type recorded struct {
	name string
	cmd  uint8
	data []byte
}

// loadRecorded reads the replies recorded from a real kernel (see the
// file's header for how they were captured).
func loadRecorded(t testing.TB) map[string][]recorded {
	t.Helper()
	f, err := os.Open("testdata/linux-6.1-netdevsim.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]recorded{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 && !(len(fs) == 2 && strings.HasPrefix(fs[1], "cmd=")) {
			t.Fatalf("bad fixture line %q", line)
		}
		cmd, err := strconv.Atoi(strings.TrimPrefix(fs[1], "cmd="))
		if err != nil {
			t.Fatalf("bad fixture line %q: %v", line, err)
		}
		var data []byte
		if len(fs) == 3 {
			if data, err = hex.DecodeString(fs[2]); err != nil {
				t.Fatalf("bad fixture line %q: %v", line, err)
			}
		}
		out[fs[0]] = append(out[fs[0]], recorded{name: fs[0], cmd: uint8(cmd), data: data})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDecodeRecordedReplies decodes what Linux 6.1 sent for a netdevsim
// device (netdevsim32, 1 port, 2 VFs): the port dump came back with
// DEVLINK_CMD_NEW, the eswitch reports only its mode, params carry their
// driverinit values, reload reports driver_reinit.
func TestDecodeRecordedReplies(t *testing.T) {
	t.Parallel()
	rs := loadRecorded(t)
	nsim := Handle{Bus: "netdevsim", Device: "netdevsim32"}
	one := func(name string) recorded {
		t.Helper()
		if len(rs[name]) != 1 {
			t.Fatalf("%s: %d recorded replies, want 1", name, len(rs[name]))
		}
		return rs[name][0]
	}

	in, err := DecodeInstance(one("dev-get").data)
	if err != nil || in != (Instance{Handle: nsim}) {
		t.Errorf("dev-get: %+v, %v", in, err)
	}
	for name, mode := range map[string]ESwitchMode{"eswitch-get-legacy": ESwitchModeLegacy, "eswitch-get-switchdev": ESwitchModeSwitchdev} {
		r := one(name)
		h, e, err := DecodeESwitch(r.data)
		if err != nil || r.cmd != CmdESwitchGet || h != nsim || e != (ESwitch{Mode: mode, HasMode: true}) {
			t.Errorf("%s: cmd %d %v %+v %v", name, r.cmd, h, e, err)
		}
	}

	var ports []Port
	for _, r := range rs["port-dump"] {
		if r.cmd != CmdNew {
			t.Errorf("port dump reply command %d; 6.1 sends DEVLINK_CMD_NEW (%d)", r.cmd, CmdNew)
		}
		p, err := DecodePort(r.data)
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, p)
	}
	want := []Port{
		{Handle: nsim, Index: 0, Type: PortTypeEth, Flavour: PortFlavourPhysical, HasFlavour: true, Netdev: "eth0", NetdevIfindex: 5, Number: 1, HasNumber: true},
		{Handle: nsim, Index: 128, Type: PortTypeEth, Flavour: PortFlavourPCIVF, HasFlavour: true, Netdev: "eth1", NetdevIfindex: 6, HasPF: true, VF: 0, HasVF: true, HasController: true},
		{Handle: nsim, Index: 129, Type: PortTypeEth, Flavour: PortFlavourPCIVF, HasFlavour: true, Netdev: "eth2", NetdevIfindex: 7, HasPF: true, VF: 1, HasVF: true, HasController: true},
	}
	if d := cmp.Diff(want, ports); d != "" {
		t.Errorf("port dump (-want +got):\n%s", d)
	}

	p, err := DecodeParam(one("param-get-max_macs").data)
	wantP := Param{Handle: nsim, Name: "max_macs", Generic: true, Type: ParamTypeU32, Values: []ParamValue{{CMode: CModeDriverInit, Uint: 32}}}
	if err != nil || !cmp.Equal(wantP, p) {
		t.Errorf("max_macs: %v\n%s", err, cmp.Diff(wantP, p))
	}
	p, err = DecodeParam(one("param-get-test1").data)
	wantP = Param{Handle: nsim, Name: "test1", Type: ParamTypeBool, Values: []ParamValue{{CMode: CModeDriverInit, Bool: true}}}
	if err != nil || !cmp.Equal(wantP, p) {
		t.Errorf("test1: %v\n%s", err, cmp.Diff(wantP, p))
	}

	a, err := DecodeReloadReply(one("reload").data)
	if err != nil || len(a) != 1 || a[0] != ReloadDriverReinit {
		t.Errorf("reload: %v, %v", a, err)
	}
	// The acknowledgements decode as nothing, without error.
	for _, name := range []string{"eswitch-set-switchdev", "eswitch-set-legacy"} {
		r := one(name)
		if p, err := DecodePort(r.data); err == nil && p.Handle.Bus != "" {
			t.Errorf("%s: an acknowledgement decoded as a port: %+v", name, p)
		}
	}
}

// TestClientOnRecordedReplies runs the Client against a fake that answers
// with the recorded bytes.
func TestClientOnRecordedReplies(t *testing.T) {
	t.Parallel()
	rs := loadRecorded(t)
	var replies []genetlink.Message
	for _, r := range rs["port-dump"] {
		replies = append(replies, genetlink.Message{Header: genetlink.Header{Command: r.cmd, Version: 1}, Data: r.data})
	}
	c := dial(t, exchange{cmd: CmdPortGet, flags: netlink.Request | netlink.Dump, attrs: handleAttrs("netdevsim", "netdevsim32"), reply: replies})
	ports, err := c.Ports(context.Background(), Handle{Bus: "netdevsim", Device: "netdevsim32"})
	if err != nil || len(ports) != 3 {
		t.Fatalf("Ports = %d, %v", len(ports), err)
	}
}
