package offload_test

import (
	"context"
	"testing"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

func TestGroupBySwitch(t *testing.T) {
	ctx := context.Background()
	// Two ConnectX-5 ports in switchdev: two switches, each with its uplink
	// and four representors.
	pfs, err := offloadtest.NewByName(t, "cx5-switchdev").Host(t).Discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sws := offload.GroupBySwitch(pfs)
	if len(sws) != 2 || len(sws[0].Representors) != 4 || len(sws[0].Uplinks) != 1 || len(sws[0].PFs) != 1 || sws[0].ID == sws[1].ID {
		t.Fatalf("cx5-switchdev switches = %+v", sws)
	}
	// Merged eswitch (VF LAG): both PFs report one switch ID.
	spec := offloadtest.CX5Switchdev()
	spec.PFs[1].SwitchID = spec.PFs[0].SwitchID
	pfs, err = offloadtest.New(t, spec).Host(t).Discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sws = offload.GroupBySwitch(pfs)
	if len(sws) != 1 || len(sws[0].PFs) != 2 || len(sws[0].Representors) != 8 || len(sws[0].Uplinks) != 2 {
		t.Fatalf("merged switch = %+v", sws)
	}
	// Legacy mode: no switch IDs, no switches.
	pfs, _ = offloadtest.NewByName(t, "cx5-legacy").Host(t).Discover(ctx)
	if sws := offload.GroupBySwitch(pfs); len(sws) != 0 {
		t.Fatalf("legacy switches = %+v", sws)
	}
}
