package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/ovs/ovstest"
)

// TestDoctorOVSDB runs -doctor -ovsdb against a private OVS (ovstest skips
// without root or the openvswitch binaries) before and after hw-offload is
// set.
func TestDoctorOVSDB(t *testing.T) {
	o := ovstest.Start(t)
	opt := opts("cx5-switchdev")
	opt.doctor, opt.ovsdb = true, o.Endpoint
	var buf bytes.Buffer
	if err := run(&buf, opt); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "[FAIL   ] ovs-hw-offload") || !strings.Contains(buf.String(), "[ok     ] ovs ") {
		t.Errorf("before hw-offload:\n%s", buf.String())
	}
	if _, err := o.DB.SetHWOffload(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := run(&buf, opt); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "[ok     ] ovs-hw-offload") {
		t.Errorf("after hw-offload:\n%s", buf.String())
	}
}
