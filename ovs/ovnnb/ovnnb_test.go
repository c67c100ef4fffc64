package ovnnb

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ovn-kubernetes/libovsdb/client"
	"github.com/ovn-kubernetes/libovsdb/model"
	libovsdb "github.com/ovn-kubernetes/libovsdb/ovsdb"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// nbSchema is the OVN northbound schema Debian's ovn-common ships (23.03 in
// bookworm).
const nbSchema = "/usr/share/ovn/ovn-nb.ovsschema"

// startNB starts a real ovsdb-server serving an empty northbound database
// created from the installed schema, in a temporary directory, and returns
// its endpoint. It skips when the server or the schema is missing.
func startNB(t *testing.T) string {
	t.Helper()
	server, err1 := exec.LookPath("ovsdb-server")
	tool, err2 := exec.LookPath("ovsdb-tool")
	if err1 != nil || err2 != nil {
		t.Skip("needs ovsdb-server and ovsdb-tool (Debian openvswitch-common)")
	}
	if _, err := os.Stat(nbSchema); err != nil {
		t.Skipf("needs the OVN northbound schema (Debian ovn-common): %v", err)
	}
	// A short directory: unix socket paths are limited to 107 bytes.
	dir, err := os.MkdirTemp("", "ovnnb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	db := filepath.Join(dir, "nb.db")
	if out, err := exec.Command(tool, "create", db, nbSchema).CombinedOutput(); err != nil {
		t.Fatalf("ovsdb-tool create: %v\n%s", err, out)
	}
	sock := filepath.Join(dir, "nb.sock")
	cmd := exec.Command(server, db, "--remote=punix:"+sock, "--unixctl="+filepath.Join(dir, "ctl"),
		"--log-file="+filepath.Join(dir, "log"), "--no-chdir", "-vconsole:off")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ovsdb-server did not create its socket")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "unix:" + sock
}

// seed inserts rows as ovn-nbctl lb-add (and set selection_fields) would.
func seed(t *testing.T, ep string, rows ...*loadBalancerRow) {
	t.Helper()
	dbModel, err := model.NewClientDBModel(DatabaseName, map[string]model.Model{"Load_Balancer": &loadBalancerRow{}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.NewOVSDBClient(dbModel, client.WithEndpoint(ep))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ops []libovsdb.Operation
	for _, r := range rows {
		o, err := c.Create(r)
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, o...)
	}
	res, err := c.Transact(ctx, ops...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := libovsdb.CheckOperationResults(res, ops); err != nil {
		t.Fatal(err)
	}
}

func TestLoadBalancersRealNB(t *testing.T) {
	t.Parallel()
	ep := startNB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// An empty database: nothing blocks offload.
	lbs, err := LoadBalancers(ctx, Config{Endpoint: ep})
	if err != nil || len(lbs) != 0 || len(Blocking(lbs)) != 0 {
		t.Fatalf("empty NB: %v, %v", lbs, err)
	}

	tcp := "tcp"
	seed(t, ep,
		// Kube-OVN's cluster-tcp-loadbalancer with a service VIP: dp_hash.
		&loadBalancerRow{UUID: "lb1", Name: "cluster-tcp-loadbalancer", Protocol: &tcp,
			VIPs: map[string]string{"10.96.0.10:53": "10.16.0.2:53,10.16.0.3:53"}},
		// A load balancer with selection_fields: hash(ip_src,ip_dst).
		&loadBalancerRow{UUID: "lb2", Name: "hashed", VIPs: map[string]string{"10.96.0.20:80": "10.16.0.4:80"},
			SelectionFields: []string{"ip_src", "ip_dst"}},
		// No VIPs yet: installs no flows.
		&loadBalancerRow{UUID: "lb3", Name: "cluster-udp-loadbalancer"},
	)
	lbs, err = LoadBalancers(ctx, Config{Endpoint: ep})
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
	for _, lb := range Blocking(lbs) {
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
	_, err := LoadBalancers(ctx, Config{Endpoint: "unix:" + filepath.Join(t.TempDir(), "missing.sock")})
	var e *errs.Error
	if !errors.As(err, &e) || e.Path == "" {
		t.Fatalf("no server: %v, want an *errs.Error naming the endpoint", err)
	}
}
