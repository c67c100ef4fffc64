package podnet

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/offloadkit/offloadkit/offload"
)

func TestRepresentorName(t *testing.T) {
	id := "d85b161b6840aaf3e9d2b7c1f0e4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c"
	cases := []struct{ id, ifName, want string }{
		{id, "eth0", "d85b161b6840_h"},
		{"5b45c61b307e0000", "eth0", "5b45c61b307e_h"},
	}
	for _, c := range cases {
		got, err := RepresentorName(c.id, c.ifName)
		if err != nil || got != c.want {
			t.Errorf("RepresentorName(%q, %q) = %q, %v; want %q", c.id, c.ifName, got, err, c.want)
		}
	}
	seen := map[string]string{}
	for _, ifn := range []string{"eth0", "eth1", "net1", "net2", "vf0", "a-very-long-if"} {
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
	for _, bad := range [][2]string{{"short", "eth0"}, {id[:20] + "/x", "eth0"}, {id, "eth0/"}, {id, ""}, {id, "sixteen-bytes-xx"}} {
		if _, err := RepresentorName(bad[0], bad[1]); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("RepresentorName(%q, %q): got %v, want ErrInvalidArgument", bad[0], bad[1], err)
		}
	}
}

func FuzzRepresentorName(f *testing.F) {
	f.Add("d85b161b6840aaf3e9d2b7c1f0e4a5b6", "eth0")
	f.Add("d85b161b6840", "net1")
	f.Add("xxxxxxxxxxxxxxxx", "a:b")
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
	})
}

func TestPorts(t *testing.T) {
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

func TestLockTable(t *testing.T) {
	lt := lockTable{m: map[offload.PCIAddress]*vfLock{}}
	a := offload.MustParsePCIAddress("0000:84:00.2")
	b := offload.MustParsePCIAddress("0000:84:00.3")
	ctx := context.Background()
	unlockA, err := lt.lock(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	unlockB, err := lt.lock(ctx, b) // another VF is independent
	if err != nil {
		t.Fatal(err)
	}
	unlockB()
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := lt.lock(short, a); !errors.Is(err, errs.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock of the same VF: got %v, want ErrTimeout wrapping the deadline", err)
	}
	got := make(chan struct{})
	go func() {
		u, err := lt.lock(ctx, a)
		if err == nil {
			u()
		}
		close(got)
	}()
	unlockA()
	<-got
	lt.mu.Lock()
	n := len(lt.m)
	lt.mu.Unlock()
	if n != 0 {
		t.Errorf("lock table keeps %d entries after every lock was released", n)
	}
}

func TestValidateNetNSPath(t *testing.T) {
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
