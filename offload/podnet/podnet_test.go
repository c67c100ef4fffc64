package podnet

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/offloadkit/offloadkit/offload"
)

// TestRepresentorName checks the names against Kube-OVN's generateNicName
// (pkg/daemon/ovs_linux.go), worked out by hand from its rule: eth0 keeps
// 12 bytes of the ID, any other name n keeps 12-len(n) and embeds n, a
// KubeVirt "pod"+11 name embeds its 7 middle bytes.
func TestRepresentorName(t *testing.T) {
	t.Parallel()
	id := "d85b161b6840aaf3e9d2b7c1f0e4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c"
	cases := []struct{ id, ifName, want string }{
		{id, "eth0", "d85b161b6840_h"}, // the guides' flow dumps
		{"5b45c61b307e0000", "eth0", "5b45c61b307e_h"},
		{id, "eth1", "d85b161b_eth1_h"},
		{id, "net1", "d85b161b_net1_h"},
		{id, "vf0", "d85b161b6_vf0_h"},
		{id, "e", "d85b161b684_e_h"},
		{id, "twelve-bytes", "_twelve-bytes_h"},   // no room for the ID
		{id, "pod7d9e1e3ffff", "d85b1_7d9e1e3_h"}, // 14 bytes: the KubeVirt form
		{id, "podnet1", "d85b1_podnet1_h"},        // "pod" but not 14 bytes: as any name
	}
	for _, c := range cases {
		got, err := RepresentorName(c.id, c.ifName)
		if err != nil || got != c.want {
			t.Errorf("RepresentorName(%q, %q) = %q, %v; want %q", c.id, c.ifName, got, err, c.want)
		}
		if c.ifName != "eth0" && len(got) != errs.IFNAMSIZ-1 {
			t.Errorf("RepresentorName(%q, %q) = %q: %d bytes, want %d", c.id, c.ifName, got, len(got), errs.IFNAMSIZ-1)
		}
	}
	seen := map[string]string{}
	for _, ifn := range []string{"eth0", "eth1", "net1", "net2", "vf0", "twelve-bytes", "pod7d9e1e3ffff"} {
		got, err := RepresentorName(id, ifn)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) >= errs.IFNAMSIZ || errs.ValidateIfName(got) != nil {
			t.Errorf("%s: %q is not a valid interface name", ifn, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%s and %s both give %q", ifn, other, got)
		}
		seen[got] = ifn
	}
	for _, bad := range [][2]string{
		{"short", "eth0"}, {id[:20] + "/x", "eth0"}, {"-" + id, "eth0"},
		{id, "eth0/"}, {id, ""}, {id, "sixteen-bytes-xx"}, {id, "a b"},
		{id, "thirteen-byte"}, {id, "a-very-long-if"}, // 13 and 14 bytes: Kube-OVN panics on these
		{id, "pod7d9e1e3f0a1b"}, // "pod" but 15 bytes: not the KubeVirt form, too long
	} {
		if got, err := RepresentorName(bad[0], bad[1]); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("RepresentorName(%q, %q) = %q, %v; want ErrInvalidArgument", bad[0], bad[1], got, err)
		}
	}
}

func FuzzRepresentorName(f *testing.F) {
	f.Add("d85b161b6840aaf3e9d2b7c1f0e4a5b6", "eth0")
	f.Add("d85b161b6840", "net1")
	f.Add("xxxxxxxxxxxxxxxx", "a:b")
	f.Add("------------abcd", "eth0")
	f.Fuzz(func(t *testing.T, id, ifName string) {
		got, err := RepresentorName(id, ifName)
		if err != nil {
			if !errors.Is(err, errs.ErrInvalidArgument) {
				t.Fatalf("error %v is not ErrInvalidArgument", err)
			}
			return
		}
		if err := errs.ValidateIfName(got); err != nil {
			t.Fatalf("RepresentorName(%q, %q) = %q: %v", id, ifName, got, err)
		}
		if c := got[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			t.Fatalf("RepresentorName(%q, %q) = %q starts with %q", id, ifName, got, c)
		}
		if !strings.HasSuffix(got, "_h") {
			t.Fatalf("RepresentorName(%q, %q) = %q does not end in _h", id, ifName, got)
		}
		if ifName != "eth0" && !(strings.HasPrefix(ifName, "pod") && len(ifName) == 14) && !strings.HasSuffix(got, "_"+ifName+"_h") {
			t.Fatalf("RepresentorName(%q, %q) = %q does not embed the interface name", id, ifName, got)
		}
	})
}

func TestPorts(t *testing.T) {
	t.Parallel()
	pf := offload.MustParsePCIAddress("0000:00:0a.0")
	p, err := DPDKPort("d85b161b6840_h", pf, 3, "nginx.default")
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != "dpdk" || p.Options["dpdk-devargs"] != "0000:00:0a.0,representor=[3]" || p.ExternalIDs["iface-id"] != "nginx.default" {
		t.Errorf("DPDKPort = %+v", p)
	}
	k, err := KernelPort(offload.Representor{Netdev: "enp132s0f0r0"}, "")
	if err != nil || k.Name != "enp132s0f0r0" || k.Type != "" || k.ExternalIDs != nil {
		t.Errorf("KernelPort = %+v, %v", k, err)
	}
	if _, err := DPDKPort("x", pf, -1, ""); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("negative VF: %v", err)
	}
	if _, err := KernelPort(offload.Representor{Netdev: "a/b"}, ""); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad name: %v", err)
	}
}

// TestRepresentorNameNeverOption: container IDs that start with '-' (or
// anything but a letter or digit) are refused, as the CNI specification
// refuses them, so no representor name starts with '-'.
func TestRepresentorNameNeverOption(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"------------abcd", "-d85b161b6840aaf3", ".d85b161b6840aaf3", "_d85b161b6840aaf3"} {
		for _, ifn := range []string{"eth0", "net1"} {
			if got, err := RepresentorName(id, ifn); !errors.Is(err, errs.ErrInvalidArgument) {
				t.Errorf("RepresentorName(%q, %q) = %q, %v; want ErrInvalidArgument", id, ifn, got, err)
			}
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vf := offload.MustParsePCIAddress("0000:84:00.2")
	if r, err := loadRecord(dir, vf); r != nil || err != nil {
		t.Fatalf("no record yet: got %+v, %v", r, err)
	}
	vlan, on := 100, true
	want := &record{Version: recordVersion, VF: vf.String(), Container: Container{ID: "d85b161b6840aaf3", IfName: "eth0"}, NetNS: "/var/run/netns/p",
		HostIfName: "enp132s0f0v0", Applied: vfSettings{MAC: "0a:c9:1c:70:01:09", VLAN: &vlan, Trust: &on},
		Representor: &repRecord{HostName: "enp132s0f0r0", Name: "d85b161b6840_h", WasUp: true}}
	if err := saveRecord(dir, vf, want); err != nil {
		t.Fatal(err)
	}
	got, err := loadRecord(dir, vf)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-saved +loaded):\n%s", d)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temporary files left beside the record: %v", ents)
	}
	// A record for another VF, or of another version, is refused.
	other := offload.MustParsePCIAddress("0000:84:00.3")
	b, _ := os.ReadFile(vfFile(dir, vf, ".json"))
	if err := os.WriteFile(vfFile(dir, other, ".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadRecord(dir, other); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("record of another VF: got %v", err)
	}
	if err := removeRecord(dir, vf); err != nil {
		t.Fatal(err)
	}
	if err := removeRecord(dir, vf); err != nil {
		t.Errorf("removing twice: %v", err)
	}
	if r, err := loadRecord(dir, vf); r != nil || err != nil {
		t.Errorf("after remove: %+v, %v", r, err)
	}
}

func TestValidateNetNSPath(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"/var/run/netns/cni-1234", "/proc/42/ns/net"} {
		if err := validateNetNSPath(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "netns/x", "/var/run/netns/../x", "/a//b", "/a/\x00"} {
		if err := validateNetNSPath(bad); !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "network namespace path") {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}
