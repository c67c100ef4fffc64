package offload_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

func TestParseDevice(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]offload.Device{
		"pci/0000:84:00.0":      {Bus: "pci", Name: "0000:84:00.0"},
		"pci/84:00.1":           {Bus: "pci", Name: "0000:84:00.1"},
		"netdevsim/netdevsim10": {Bus: "netdevsim", Name: "netdevsim10"},
	} {
		got, err := offload.ParseDevice(in)
		if err != nil || got != want {
			t.Errorf("ParseDevice(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "pci", "pci/", "pci/zz", "PCI/0000:84:00.0", "netdevsim/..", "netdevsim/a/b", "../x", "netdevsim/a b", "x-y/z"} {
		if _, err := offload.ParseDevice(bad); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("ParseDevice(%q) = %v, want errs.ErrInvalidArgument", bad, err)
		}
	}
}

// TestFindPortNetdevsim lays out sysfs the way netdevsim does after
// `echo "10 1" > new_device`, 2 VFs and switchdev mode (ports hang off
// the netdevsim bus device, not a PCI function), and resolves its ports.
func TestFindPortNetdevsim(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dev := "sys/devices/netdevsim10"
	mk := func(rel, content string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ln := func(rel, target string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	ln("sys/bus/netdevsim/devices/netdevsim10", "../../../devices/netdevsim10")
	for name, ppn := range map[string]string{"eni10np1": "p0", "eni10npf0vf0": "pf0vf0", "eni10npf0vf1": "pf0vf1"} {
		mk(dev+"/net/"+name+"/address", "02:00:00:00:00:01\n")
		mk(dev+"/net/"+name+"/phys_port_name", ppn+"\n")
		mk(dev+"/net/"+name+"/phys_switch_id", "1f7a2c0b9d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8\n")
		ln("sys/class/net/"+name, "../../devices/netdevsim10/net/"+name)
	}
	h, err := offload.Open(offload.Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d := offload.Device{Bus: "netdevsim", Name: "netdevsim10"}
	r, err := h.Devlink(d).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: 0, VF: 1})
	if err != nil || r.Netdev != "eni10npf0vf1" || len(r.SwitchID) != 64 {
		t.Fatalf("VF 1 = %+v, %v", r, err)
	}
	up, err := h.Devlink(d).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPhysical, PF: -1})
	if err != nil || up.Netdev != "eni10np1" {
		t.Fatalf("uplink = %+v, %v", up, err)
	}
	ports, err := h.Devlink(d).Representors(ctx)
	if err != nil || len(ports) != 3 {
		t.Fatalf("DevicePorts = %v, %v", ports, err)
	}
	if _, err := h.Devlink(d).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, PF: 0, VF: 7}); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("VF 7 = %v, want errs.ErrNotFound", err)
	}
	if _, err := h.Devlink(offload.Device{Bus: "netdevsim", Name: "netdevsim99"}).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF, VF: 0}); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("missing device = %v, want errs.ErrNotFound", err)
	}
	if _, err := h.Devlink(offload.Device{Bus: "netdevsim", Name: ".."}).Representor(ctx, offload.PortQuery{Flavour: offload.PortFlavourPCIVF}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("hostile device name = %v", err)
	}
}
