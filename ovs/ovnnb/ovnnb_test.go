package ovnnb_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/ovs/ovnnb"
	"github.com/offloadkit/offloadkit/ovs/ovnnb/ovnnbtest"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func TestLoadBalancersRealNB(t *testing.T) {
	t.Parallel()
	ep := ovnnbtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// An empty database: nothing blocks offload.
	lbs, err := ovnnb.LoadBalancers(ctx, ovnnb.Config{Endpoint: ep})
	if err != nil || len(lbs) != 0 || len(ovnnb.Blocking(lbs)) != 0 {
		t.Fatalf("empty NB: %v, %v", lbs, err)
	}

	tcp := "tcp"
	ovnnbtest.Seed(t, ep,
		// Kube-OVN's cluster-tcp-loadbalancer with a service VIP: dp_hash.
		&ovnnbtest.LoadBalancer{UUID: "lb1", Name: "cluster-tcp-loadbalancer", Protocol: &tcp,
			VIPs: map[string]string{"10.96.0.10:53": "10.16.0.2:53,10.16.0.3:53"}},
		// A load balancer with selection_fields: hash(ip_src,ip_dst).
		&ovnnbtest.LoadBalancer{UUID: "lb2", Name: "hashed", VIPs: map[string]string{"10.96.0.20:80": "10.16.0.4:80"},
			SelectionFields: []string{"ip_src", "ip_dst"}},
		// No VIPs yet: installs no flows.
		&ovnnbtest.LoadBalancer{UUID: "lb3", Name: "cluster-udp-loadbalancer"},
	)
	lbs, err = ovnnb.LoadBalancers(ctx, ovnnb.Config{Endpoint: ep})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, lb := range lbs {
		got = append(got, lb.Name+" "+lb.Protocol+" "+lb.Selection())
	}
	want := []string{"cluster-tcp-loadbalancer tcp dp_hash", "cluster-udp-loadbalancer  dp_hash", "hashed  hash(ip_dst,ip_src)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("load balancers (-want +got):\n%s", diff)
	}
	var blocking []string
	for _, lb := range ovnnb.Blocking(lbs) {
		blocking = append(blocking, lb.Name)
	}
	if diff := cmp.Diff([]string{"cluster-tcp-loadbalancer", "hashed"}, blocking); diff != "" {
		t.Errorf("blocking (-want +got):\n%s", diff)
	}
}

func TestLoadBalancersNoServer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := ovnnb.LoadBalancers(ctx, ovnnb.Config{Endpoint: "unix:" + filepath.Join(t.TempDir(), "missing.sock")})
	var e *errs.Error
	if !errors.As(err, &e) || e.Path == "" {
		t.Fatalf("no server: %v, want an *errs.Error naming the endpoint", err)
	}
}
