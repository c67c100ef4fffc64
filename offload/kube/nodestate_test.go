package kube

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

func TestParseNodeStateGuide(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/nodestate-guide003.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseNodeState(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Spec.Interfaces) != 2 || len(st.Status.Interfaces) != 2 {
		t.Fatalf("interfaces: %+v", st)
	}
	wantSpec := NodeStateInterface{PciAddress: "0000:5f:00.0", Name: "ens41f0np0", NumVfs: 3, ESwitchMode: "switchdev",
		VfGroups: []NodeStateVfGroup{{PolicyName: "policy", ResourceName: "cx_sriov_switchdev", VfRange: "0-2"}}}
	if d := cmp.Diff(wantSpec, st.Spec.Interfaces[0]); d != "" {
		t.Errorf("spec (-want +got):\n%s", d)
	}
	vf := func(a string) NodeStateVF {
		return NodeStateVF{PciAddress: a, Driver: "mlx5_core", Vendor: "15b3", DeviceID: "1018"}
	}
	wantStatus := NodeStateInterfaceStatus{Name: "ens41f1np1", Mac: "08:c0:eb:f4:85:bb", Driver: "mlx5_core",
		PciAddress: "0000:5f:00.1", Vendor: "15b3", DeviceID: "1017", Mtu: 1500, NumVfs: 3, LinkType: "ETH", TotalVfs: 3,
		VFs: []NodeStateVF{vf("0000:5f:00.5"), vf("0000:5f:00.6"), vf("0000:5f:00.7")}}
	if d := cmp.Diff(wantStatus, st.Status.Interfaces[1]); d != "" {
		t.Errorf("status (-want +got):\n%s", d)
	}
	// The same document as JSON reads the same.
	js, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseNodeState(js)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(st, again); d != "" {
		t.Errorf("JSON round trip (-yaml +json):\n%s", d)
	}
}

func TestParseNodeStateRefuses(t *testing.T) {
	t.Parallel()
	head := "apiVersion: sriovnetwork.openshift.io/v1\nkind: SriovNetworkNodeState\n"
	for name, in := range map[string]string{
		"empty":              "",
		"not yaml":           "{",
		"other kind":         "apiVersion: sriovnetwork.openshift.io/v1\nkind: SriovNetworkNodePolicy\n",
		"other version":      "apiVersion: sriovnetwork.openshift.io/v2\nkind: SriovNetworkNodeState\n",
		"two documents":      head + "---\n" + head,
		"numVfs as string":   head + "status:\n  interfaces:\n  - pciAddress: 0000:5f:00.0\n    numVfs: \"3\"\n",
		"deviceID unquoted":  head + "status:\n  interfaces:\n  - pciAddress: 0000:5f:00.0\n    deviceID: 1017\n",
		"bad PF address":     head + "status:\n  interfaces:\n  - pciAddress: 5f:00.0/../x\n",
		"missing PF address": head + "status:\n  interfaces:\n  - name: ens41f0np0\n",
		"bad VF address":     head + "status:\n  interfaces:\n  - pciAddress: 0000:5f:00.0\n    Vfs:\n    - pciAddress: nope\n",
		"bad spec address":   head + "spec:\n  interfaces:\n  - pciAddress: \"\"\n",
		"non-string keys":    head + "status:\n  ? [a, b]\n  : 1\n",
		"a list":             "- a\n",
		"too large":          head + "metadata:\n  name: " + strings.Repeat("a", 8<<20) + "\n",
	} {
		if st, err := ParseNodeState([]byte(in)); !errors.Is(err, errs.ErrInvalidArgument) || st != nil {
			t.Errorf("%s: %v, %v; want ErrInvalidArgument", name, st, err)
		}
	}
}

// stateOf writes the node state the config daemon would report for pfs,
// so that every field the comparison reads agrees.
func stateOf(pfs []offload.PF) *SriovNetworkNodeState {
	st := &SriovNetworkNodeState{APIVersion: SriovNetworkAPIVersion, Kind: "SriovNetworkNodeState", Metadata: ObjectMeta{Name: "node1"}}
	for _, pf := range pfs {
		up, _ := pf.Uplink()
		in := NodeStateInterfaceStatus{Name: up.Name, Driver: pf.Driver, PciAddress: pf.Address.String(),
			Vendor: pf.ID.Vendor.String(), DeviceID: pf.ID.Device.String(), NumVfs: pf.NumVFs, TotalVfs: pf.TotalVFs,
			ESwitchMode: pf.ESwitchMode.String()}
		for _, vf := range pf.VFs {
			in.VFs = append(in.VFs, NodeStateVF{PciAddress: vf.Address.String(), VfID: vf.Index, Driver: vf.Driver})
		}
		st.Status.Interfaces = append(st.Status.Interfaces, in)
		st.Spec.Interfaces = append(st.Spec.Interfaces, NodeStateInterface{PciAddress: in.PciAddress, Name: in.Name,
			NumVfs: pf.NumVFs, ESwitchMode: "switchdev"})
	}
	return st
}

func TestCompareNodeState(t *testing.T) {
	t.Parallel()
	pfs := discover(t, offloadtest.CX5Switchdev())
	if d := CompareNodeState(stateOf(pfs), pfs); len(d) != 0 {
		t.Fatalf("a state written from the host differs from it: %v", d)
	}
	pf0, pf1 := pfs[0].Address, pfs[1].Address
	for name, c := range map[string]struct {
		mod  func(*SriovNetworkNodeState)
		want []StateDiff
	}{
		"numVfs": {func(st *SriovNetworkNodeState) { st.Status.Interfaces[0].NumVfs = 3 },
			[]StateDiff{{Kind: DiffMismatch, PF: pf0, Field: "numVfs", State: "3", Host: "4"}}},
		"totalvfs": {func(st *SriovNetworkNodeState) { st.Status.Interfaces[1].TotalVfs = 3 },
			[]StateDiff{{Kind: DiffMismatch, PF: pf1, Field: "totalvfs", State: "3", Host: "127"}}},
		"driver": {func(st *SriovNetworkNodeState) { st.Status.Interfaces[0].Driver = "vfio-pci" },
			[]StateDiff{{Kind: DiffMismatch, PF: pf0, Field: "driver", State: "vfio-pci", Host: "mlx5_core"}}},
		"name": {func(st *SriovNetworkNodeState) { st.Status.Interfaces[0].Name = "ens41f0np0" },
			[]StateDiff{{Kind: DiffMismatch, PF: pf0, Field: "name", State: "ens41f0np0", Host: "enp132s0f0np0"}}},
		"device": {func(st *SriovNetworkNodeState) { st.Status.Interfaces[0].DeviceID = "101d" },
			[]StateDiff{{Kind: DiffMismatch, PF: pf0, Field: "deviceID", State: "101d", Host: "1017"}}},
		"mode": {func(st *SriovNetworkNodeState) { st.Status.Interfaces[0].ESwitchMode = "legacy" },
			[]StateDiff{{Kind: DiffMismatch, PF: pf0, Field: "eSwitchMode", State: "legacy", Host: "switchdev"}}},
		"mode not said": {func(st *SriovNetworkNodeState) { st.Status.Interfaces[0].ESwitchMode = "" }, nil},
		"a VF fewer": {func(st *SriovNetworkNodeState) { st.Status.Interfaces[0].VFs = st.Status.Interfaces[0].VFs[1:] },
			[]StateDiff{{Kind: DiffMismatch, PF: pf0, Field: "Vfs", State: "0000:84:00.3,0000:84:00.4,0000:84:00.5", Host: "0000:84:00.2,0000:84:00.3,0000:84:00.4,0000:84:00.5"}}},
		"PF not in state": {func(st *SriovNetworkNodeState) {
			st.Status.Interfaces = st.Status.Interfaces[:1]
			st.Spec.Interfaces = st.Spec.Interfaces[:1]
		}, []StateDiff{{Kind: DiffNotInState, PF: pf1, Host: "enp132s0f1np1"}}},
		"PF not on host": {func(st *SriovNetworkNodeState) {
			st.Status.Interfaces[1].PciAddress = "0000:5f:00.1"
			st.Spec.Interfaces[1].PciAddress = "0000:5f:00.1"
		}, []StateDiff{
			{Kind: DiffNotOnHost, PF: offload.PCIAddress{Bus: 0x5f, Function: 1}, State: "enp132s0f1np1"},
			{Kind: DiffNotInState, PF: pf1, Host: "enp132s0f1np1"},
		}},
		"spec not applied": {func(st *SriovNetworkNodeState) { st.Spec.Interfaces[1].NumVfs = 8 },
			[]StateDiff{{Kind: DiffNotApplied, PF: pf1, Field: "spec numVfs", State: "8", Host: "4"}}},
	} {
		st := stateOf(pfs)
		c.mod(st)
		if d := cmp.Diff(c.want, CompareNodeState(st, pfs)); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
}

// TestCompareNodeStateUnknownMode: a host that could not read the eswitch
// mode says so instead of agreeing or differing.
func TestCompareNodeStateUnknownMode(t *testing.T) {
	t.Parallel()
	pfs := discover(t, offloadtest.CX5Switchdev())
	st := stateOf(pfs)
	pfs[0].ESwitchMode = offload.ESwitchModeUnknown
	want := []StateDiff{
		{Kind: DiffUnknown, PF: pfs[0].Address, Field: "eSwitchMode", State: "switchdev", Host: "unknown"},
		{Kind: DiffUnknown, PF: pfs[0].Address, Field: "spec eSwitchMode", State: "switchdev", Host: "unknown"},
	}
	if d := cmp.Diff(want, CompareNodeState(st, pfs)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if s := want[0].String(); s != `0000:84:00.0 eSwitchMode: state "switchdev", host "unknown" (unknown)` {
		t.Errorf("String() = %s", s)
	}
}

// TestCompareGuideState: the guide's node against the bundled cx5 host,
// a different machine: every PF is on one side only.
func TestCompareGuideState(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/nodestate-guide003.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseNodeState(data)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[StateDiffKind]int{}
	for _, d := range CompareNodeState(st, discover(t, offloadtest.CX5Switchdev())) {
		kinds[d.Kind]++
	}
	if d := cmp.Diff(map[StateDiffKind]int{DiffNotOnHost: 2, DiffNotInState: 2}, kinds); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// FuzzParseNodeState: no input panics, and what parses renders (YAML)
// and parses back to the same value.
func FuzzParseNodeState(f *testing.F) {
	if data, err := os.ReadFile("testdata/nodestate-guide003.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("apiVersion: sriovnetwork.openshift.io/v1\nkind: SriovNetworkNodeState\nstatus: {interfaces: [{pciAddress: 0000:00:01.0, Vfs: [{pciAddress: 0000:00:01.1, vfID: 0}]}]}\n"))
	f.Add([]byte(`{"apiVersion":"sriovnetwork.openshift.io/v1","kind":"SriovNetworkNodeState","metadata":{"name":"\u2028"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseNodeState(data)
		if err != nil {
			if !errors.Is(err, errs.ErrInvalidArgument) {
				t.Fatalf("error %v does not match ErrInvalidArgument", err)
			}
			return
		}
		y, err := YAML(st)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseNodeState(y)
		if err != nil {
			t.Fatalf("rendered state does not parse: %v\n%s", err, y)
		}
		if d := cmp.Diff(st, again); d != "" {
			t.Fatalf("round trip (-first +second):\n%s", d)
		}
	})
}

// localGolden compares got with testdata/name; -update rewrites it. The
// upstreamcheck module reads these files.
func localGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := "testdata/" + name
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s (-want +got):\n%s", p, d)
	}
}

// TestNodeStateAllFields writes a node state with every field of the
// reader's types set (testdata/nodestate-all-fields.yaml), which
// upstreamcheck holds to the operator's CRD: the reader's field names
// are the operator's. It must read back whole.
func TestNodeStateAllFields(t *testing.T) {
	t.Parallel()
	st := &SriovNetworkNodeState{APIVersion: SriovNetworkAPIVersion, Kind: "SriovNetworkNodeState",
		Metadata: ObjectMeta{Name: "node1", Namespace: "kube-system"},
		Spec: SriovNetworkNodeStateSpec{Interfaces: []NodeStateInterface{{PciAddress: "0000:84:00.0", Name: "enp132s0f0np0",
			NumVfs: 2, ESwitchMode: "switchdev", VfGroups: []NodeStateVfGroup{{PolicyName: "policy", ResourceName: "cx_sriov_switchdev",
				DeviceType: "netdevice", VfRange: "0-1", IsRdma: true}}}}},
		Status: SriovNetworkNodeStateStatus{SyncStatus: "Succeeded", LastSyncError: "none", Interfaces: []NodeStateInterfaceStatus{{
			Name: "enp132s0f0np0", Mac: "08:c0:eb:74:c3:4a", Driver: "mlx5_core", PciAddress: "0000:84:00.0", Vendor: "15b3",
			DeviceID: "1017", Mtu: 1500, NumVfs: 2, LinkSpeed: "25000 Mb/s", LinkType: "ETH", ESwitchMode: "switchdev", TotalVfs: 127,
			VFs: []NodeStateVF{{PciAddress: "0000:84:00.2", VfID: 0, Name: "enp132s0f0v0", Driver: "mlx5_core", Vendor: "15b3", DeviceID: "1018"},
				{PciAddress: "0000:84:00.3", VfID: 1, Name: "enp132s0f0v1", Driver: "mlx5_core", Vendor: "15b3", DeviceID: "1018"}},
		}}},
	}
	y, err := YAML(st)
	if err != nil {
		t.Fatal(err)
	}
	localGolden(t, "nodestate-all-fields.yaml", y)
	back, err := ParseNodeState(y)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(st, back); d != "" {
		t.Errorf("(-wrote +read):\n%s", d)
	}
}
