package ovsdb

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/ovn-kubernetes/libovsdb/client"
	"github.com/ovn-kubernetes/libovsdb/database/inmemory"
	"github.com/ovn-kubernetes/libovsdb/model"
	libovsdb "github.com/ovn-kubernetes/libovsdb/ovsdb"
	"github.com/ovn-kubernetes/libovsdb/server"
)

// systemSchema is the schema Debian's openvswitch-common installs. The
// unit tests serve it from libovsdb's in-memory server, so they check the
// hand-written model against the real schema.
const systemSchema = "/usr/share/openvswitch/vswitch.ovsschema"

// testServer starts libovsdb's in-memory OVSDB server with the real
// Open_vSwitch schema, one Open_vSwitch row (ovs_version 3.1.0) and a bridge
// br0, and returns its endpoint.
func testServer(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(systemSchema)
	if err != nil {
		t.Skipf("needs the Open_vSwitch schema from openvswitch-common: %v", err)
	}
	var schema libovsdb.DatabaseSchema
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	clientModel, err := NewDatabaseModel()
	if err != nil {
		t.Fatal(err)
	}
	dbModel, errsList := model.NewDatabaseModel(schema, clientModel)
	if len(errsList) > 0 {
		t.Fatalf("model does not fit the schema: %v", errsList)
	}
	logger := logr.Discard()
	db := inmemory.NewDatabase(map[string]model.ClientDBModel{DatabaseName: clientModel}, &logger)
	srv, err := server.NewOvsdbServer(db, &logger, dbModel)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "ovsdbt")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "db.sock")
	done := make(chan error, 1)
	go func() { done <- srv.Serve("unix", sock) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
		os.RemoveAll(dir)
	})
	deadline := time.Now().Add(5 * time.Second)
	for !srv.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("in-memory OVSDB server not ready")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ep := "unix:" + sock

	// Seed it the way ovs-ctl and ovs-vsctl add-br would.
	c := rawClient(t, ep)
	ver := "3.1.0"
	root := &OpenvSwitch{UUID: "root", OVSVersion: &ver, DatapathTypes: []string{"netdev", "system"},
		OtherConfig: map[string]string{"foo": "bar"}, Bridges: []string{"br"}}
	brPort := &Port{UUID: "brport", Name: "br0", Interfaces: []string{"briface"}}
	brIface := &Interface{UUID: "briface", Name: "br0", Type: "internal"}
	br := &Bridge{UUID: "br", Name: "br0", Ports: []string{"brport"}, DatapathType: "netdev"}
	var ops []libovsdb.Operation
	for _, m := range []model.Model{root, br, brPort, brIface} {
		o, err := c.Create(m)
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, o...)
	}
	res, err := c.Transact(context.Background(), ops...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := libovsdb.CheckOperationResults(res, ops); err != nil {
		t.Fatal(err)
	}
	return ep
}

func rawClient(t *testing.T, ep string) client.Client {
	t.Helper()
	m, err := NewDatabaseModel()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.NewOVSDBClient(m, client.WithEndpoint(ep))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.MonitorAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// fakeVswitchd plays ovs-vswitchd's part: whenever next_cfg moves ahead of
// cur_cfg it gives new interfaces an ofport (or, for names starting with
// "missing", ofport -1 and the error ovs-vswitchd writes for an absent
// netdev) and copies next_cfg to cur_cfg. stop ends it.
func fakeVswitchd(t *testing.T, ep string) (stop func()) {
	t.Helper()
	c := rawClient(t, ep)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		next := 1
		for ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
			var roots []OpenvSwitch
			if err := c.List(ctx, &roots); err != nil || len(roots) != 1 || roots[0].CurCfg >= roots[0].NextCfg {
				continue
			}
			var ifaces []Interface
			if err := c.List(ctx, &ifaces); err != nil {
				continue
			}
			var ops []libovsdb.Operation
			for _, i := range ifaces {
				if i.OFPort != nil {
					continue
				}
				i := i
				var fields []any
				if strings.HasPrefix(i.Name, "missing") {
					n, msg := -1, "could not open network device "+i.Name+" (No such device)"
					i.OFPort, i.Error = &n, &msg
					fields = []any{&i.OFPort, &i.Error}
				} else {
					n := next
					next++
					i.OFPort = &n
					fields = []any{&i.OFPort}
				}
				o, err := c.Where(&i).Update(&i, fields...)
				if err != nil {
					t.Error(err)
					return
				}
				ops = append(ops, o...)
			}
			r := roots[0]
			r.CurCfg = r.NextCfg
			o, err := c.Where(&r).Update(&r, &r.CurCfg)
			if err != nil {
				t.Error(err)
				return
			}
			ops = append(ops, o...)
			if _, err := c.Transact(ctx, ops...); err != nil && ctx.Err() == nil {
				t.Error(err)
				return
			}
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}
