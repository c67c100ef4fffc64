package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/offloadkit/offloadkit/ovs/ovstest"
)

// TestDoctorOVSDB runs -doctor -ovsdb against a private OVS (ovstest skips
// without root or the openvswitch binaries) before and after hw-offload is
// set.
func TestDoctorOVSDB(t *testing.T) {
	t.Parallel()
	o := ovstest.Start(t)
	opt := opts("cx5-switchdev")
	opt.doctor, opt.ovsdb = true, o.Endpoint
	var buf bytes.Buffer
	// hw-offload is off: a failed check (exit code 2).
	if err := run(&buf, opt); !errors.Is(err, errDoctorFailed) {
		t.Fatalf("%v, want the failed-check result\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), "[FAIL   ] ovs-hw-offload") || !strings.Contains(buf.String(), "[ok     ] ovs ") {
		t.Errorf("before hw-offload:\n%s", buf.String())
	}
	if _, err := o.DB.SetHWOffload(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	// The report may still hold failed or unknown checks of the tree;
	// anything else is an error running the doctor.
	if err := run(&buf, opt); err != nil && !errors.Is(err, errDoctorFailed) && !errors.Is(err, errDoctorUncertain) {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "[ok     ] ovs-hw-offload") {
		t.Errorf("after hw-offload:\n%s", buf.String())
	}
}
