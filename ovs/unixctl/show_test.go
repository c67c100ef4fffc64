package unixctl

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dpifShow31 was captured from ovs-vswitchd 3.1.0 (Debian bookworm) with a
// netdev bridge and two veth ports; the vxlan line is from a kernel
// datapath host (OVS 2.17).
const dpifShow31 = `netdev@ovs-netdev: hit:12 missed:9
  br0:
    br0 65534/1: (tap)
    ukv1 1/2: (system)
    ukv2 2/3: (system)
system@ovs-system: hit:14 missed:4
	br-int:
		br-int 65534/0: (internal)
		vxlan_sys_4789 2/none: (vxlan: key=flow, remote_ip=flow)
		pf0vf1_r 3/4:
`

func TestParseDpifShow(t *testing.T) {
	t.Parallel()
	n := func(v uint32) *uint32 { return &v }
	want := []DpifDatapath{
		{Type: "netdev", Name: "ovs-netdev", Hit: 12, Missed: 9, Bridges: []DpifBridge{{Name: "br0", Ports: []DpifPort{
			{Name: "br0", OFPort: n(65534), DPPort: n(1), Type: "tap"},
			{Name: "ukv1", OFPort: n(1), DPPort: n(2), Type: "system"},
			{Name: "ukv2", OFPort: n(2), DPPort: n(3), Type: "system"},
		}}}},
		{Type: "system", Name: "ovs-system", Hit: 14, Missed: 4, Bridges: []DpifBridge{{Name: "br-int", Ports: []DpifPort{
			{Name: "br-int", OFPort: n(65534), DPPort: n(0), Type: "internal"},
			{Name: "vxlan_sys_4789", OFPort: n(2), DPPort: nil, Type: "vxlan", Config: "key=flow, remote_ip=flow"},
			{Name: "pf0vf1_r", OFPort: n(3), DPPort: n(4)},
		}}}},
	}
	if diff := cmp.Diff(want, ParseDpifShow(dpifShow31)); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

// dpctlShow31 was captured from ovs-vswitchd 3.1.0 (netdev datapath); the
// masks line and the vxlan port are the kernel datapath's format.
const dpctlShow31 = `netdev@ovs-netdev:
  lookups: hit:5 missed:7 lost:1
  flows: 9
  masks: hit:40 total:3 hit/pkt:1.20
  port 0: ovs-netdev (tap)
  port 1: br0 (tap)
  port 2: ukv1
    RX packets:10 errors:0 dropped:0 overruns:0 frame:0
  port 3: vxlan_sys_4789 (vxlan: packet_type=ptap)
`

func TestParseDpctlShow(t *testing.T) {
	t.Parallel()
	want := []DpctlDatapath{{Type: "netdev", Name: "ovs-netdev", Hit: 5, Missed: 7, Lost: 1, Flows: 9, MasksHit: 40, MasksTotal: 3,
		Ports: []DpctlPort{
			{Number: 0, Name: "ovs-netdev", Type: "tap"},
			{Number: 1, Name: "br0", Type: "tap"},
			{Number: 2, Name: "ukv1"},
			{Number: 3, Name: "vxlan_sys_4789", Type: "vxlan", Config: "packet_type=ptap"},
		}}}
	if diff := cmp.Diff(want, ParseDpctlShow(dpctlShow31)); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Version{
		"ovs-vswitchd (Open vSwitch) 3.1.0\n":                {Program: "ovs-vswitchd", Version: "3.1.0", Major: 3, Minor: 1},
		"ovs-vswitchd (Open vSwitch) 2.17.9\nDPDK 21.11.6\n": {Program: "ovs-vswitchd", Version: "2.17.9", Major: 2, Minor: 17, Patch: 9, DPDK: "21.11.6"},
		"ovsdb-server (Open vSwitch) 3.3.0-1.el9\n":          {Program: "ovsdb-server", Version: "3.3.0-1.el9", Major: 3, Minor: 3},
		"": {},
	} {
		want.Raw = in
		if diff := cmp.Diff(want, ParseVersion(in)); diff != "" {
			t.Errorf("ParseVersion(%q) -want +got:\n%s", in, diff)
		}
	}
}

// FuzzShowParsers checks the text parsers never panic and always account
// for every port line they keep.
func FuzzShowParsers(f *testing.F) {
	f.Add(dpifShow31)
	f.Add(dpctlShow31)
	f.Add("ovs-vswitchd (Open vSwitch) 3.1.0\nDPDK 22.11\n")
	f.Fuzz(func(t *testing.T, s string) {
		for _, dp := range ParseDpifShow(s) {
			for _, br := range dp.Bridges {
				for _, p := range br.Ports {
					if p.Name == "" {
						t.Errorf("port without a name in %q", s)
					}
				}
			}
		}
		ParseDpctlShow(s)
		for _, c := range ParseCommands(s) {
			if c == "" || strings.ContainsAny(c, " \t\n") {
				t.Errorf("command %q", c)
			}
		}
		v := ParseVersion(s)
		if v.Raw != s {
			t.Error("Raw lost")
		}
	})
}

func TestParseCommands(t *testing.T) {
	t.Parallel()
	// Head of ovs-vswitchd 3.1's list-commands output.
	in := "The available commands are:\n  autoattach/show-isid    [bridge]\n  bfd/set-forwarding      [interface] normal|false|true\n  dpctl/dump-flows        [-m] [--names] [dp] [filter=..] [type=..] [pmd=..]\n  exit                    [--cleanup]\n"
	want := []string{"autoattach/show-isid", "bfd/set-forwarding", "dpctl/dump-flows", "exit"}
	if diff := cmp.Diff(want, ParseCommands(in)); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}
