package offload_test

import (
	"context"
	"testing"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

func TestGroupBySwitch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Both ports of one ConnectX-5 in switchdev report the card's switch
	// ID (mlx5 takes it from the card-wide system image GUID): one switch
	// with both uplinks and eight representors.
	pfs, err := offloadtest.NewByName(t, "cx5-switchdev").Host(t).Discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sws := offload.GroupBySwitch(pfs)
	if len(sws) != 1 || len(sws[0].PFs) != 2 || len(sws[0].Representors) != 8 || len(sws[0].Uplinks) != 2 {
		t.Fatalf("cx5-switchdev switches = %+v", sws)
	}
	// Two cards (the second port given another card's ID): two switches,
	// each with its uplink and four representors.
	spec := offloadtest.CX5Switchdev()
	spec.PFs[1].SwitchID = "b8cef603000180e4"
	pfs, err = offloadtest.New(t, spec).Host(t).Discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sws = offload.GroupBySwitch(pfs)
	if len(sws) != 2 || len(sws[0].Representors) != 4 || len(sws[0].Uplinks) != 1 || len(sws[0].PFs) != 1 || sws[0].ID == sws[1].ID {
		t.Fatalf("two cards = %+v", sws)
	}
	// Legacy mode: no switch IDs, no switches.
	pfs, _ = offloadtest.NewByName(t, "cx5-legacy").Host(t).Discover(ctx)
	if sws := offload.GroupBySwitch(pfs); len(sws) != 0 {
		t.Fatalf("legacy switches = %+v", sws)
	}
}
