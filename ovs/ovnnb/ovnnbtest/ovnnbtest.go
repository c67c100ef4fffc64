// Package ovnnbtest starts a real OVN northbound ovsdb-server for tests,
// in a temporary directory, and seeds it with load balancers the way
// ovn-nbctl lb-add does. It needs ovsdb-server and ovsdb-tool (Debian
// openvswitch-common) and the OVN northbound schema (Debian ovn-common),
// and skips the test with the reason when they are missing.
package ovnnbtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ovn-kubernetes/libovsdb/client"
	"github.com/ovn-kubernetes/libovsdb/model"
	libovsdb "github.com/ovn-kubernetes/libovsdb/ovsdb"

	"github.com/offloadkit/offloadkit/ovs/ovnnb"
)

// LoadBalancer is a Load_Balancer row to seed.
type LoadBalancer struct {
	UUID            string            `ovsdb:"_uuid"`
	Name            string            `ovsdb:"name"`
	VIPs            map[string]string `ovsdb:"vips"`
	Protocol        *string           `ovsdb:"protocol"`
	SelectionFields []string          `ovsdb:"selection_fields"`
}

// nbSchema is the OVN northbound schema Debian's ovn-common ships (23.03 in
// bookworm).
const nbSchema = "/usr/share/ovn/ovn-nb.ovsschema"

// Start starts a real ovsdb-server serving an empty northbound database
// created from the installed schema, in a temporary directory, and returns
// its endpoint. It skips when the server or the schema is missing.
func Start(t testing.TB) string {
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

// Seed inserts rows as ovn-nbctl lb-add (and set selection_fields) would.
func Seed(t testing.TB, ep string, rows ...*LoadBalancer) {
	t.Helper()
	dbModel, err := model.NewClientDBModel(ovnnb.DatabaseName, map[string]model.Model{"Load_Balancer": &LoadBalancer{}})
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
