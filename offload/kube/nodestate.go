package kube

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// SriovNetworkNodeState is a sriovnetwork.openshift.io/v1
// SriovNetworkNodeState as `kubectl get sriovnetworknodestates -o yaml`
// prints it: the operator's desired configuration of one node (Spec) and
// what its config daemon found there (Status).
type SriovNetworkNodeState struct {
	APIVersion string                      `json:"apiVersion"`
	Kind       string                      `json:"kind"`
	Metadata   ObjectMeta                  `json:"metadata"`
	Spec       SriovNetworkNodeStateSpec   `json:"spec"`
	Status     SriovNetworkNodeStateStatus `json:"status"`
}

// SriovNetworkNodeStateSpec lists the PFs the policies configure.
type SriovNetworkNodeStateSpec struct {
	Interfaces []NodeStateInterface `json:"interfaces,omitempty"`
}

// NodeStateInterface is one PF as the policies want it.
type NodeStateInterface struct {
	PciAddress  string             `json:"pciAddress"`
	Name        string             `json:"name,omitempty"`
	NumVfs      int                `json:"numVfs,omitempty"`
	ESwitchMode string             `json:"eSwitchMode,omitempty"`
	VfGroups    []NodeStateVfGroup `json:"vfGroups,omitempty"`
}

// NodeStateVfGroup is a range of a PF's VFs given to one policy's resource.
type NodeStateVfGroup struct {
	PolicyName   string `json:"policyName,omitempty"`
	ResourceName string `json:"resourceName,omitempty"`
	DeviceType   string `json:"deviceType,omitempty"`
	VfRange      string `json:"vfRange,omitempty"` // "0-2"
	IsRdma       bool   `json:"isRdma,omitempty"`
}

// SriovNetworkNodeStateStatus is what the config daemon found.
type SriovNetworkNodeStateStatus struct {
	Interfaces    []NodeStateInterfaceStatus `json:"interfaces,omitempty"`
	SyncStatus    string                     `json:"syncStatus,omitempty"`
	LastSyncError string                     `json:"lastSyncError,omitempty"`
}

// NodeStateInterfaceStatus is one PF as the config daemon read it.
type NodeStateInterfaceStatus struct {
	Name        string `json:"name,omitempty"`
	Mac         string `json:"mac,omitempty"`
	Driver      string `json:"driver,omitempty"`
	PciAddress  string `json:"pciAddress"`
	Vendor      string `json:"vendor,omitempty"`
	DeviceID    string `json:"deviceID,omitempty"`
	Mtu         int    `json:"mtu,omitempty"`
	NumVfs      int    `json:"numVfs,omitempty"`
	LinkSpeed   string `json:"linkSpeed,omitempty"`
	LinkType    string `json:"linkType,omitempty"`
	ESwitchMode string `json:"eSwitchMode,omitempty"`
	TotalVfs    int    `json:"totalvfs,omitempty"`
	// VFs is spelt "Vfs" by the operator.
	VFs []NodeStateVF `json:"Vfs,omitempty"`
}

// NodeStateVF is one VF as the config daemon read it.
type NodeStateVF struct {
	PciAddress string `json:"pciAddress"`
	VfID       int    `json:"vfID"`
	Name       string `json:"name,omitempty"`
	Driver     string `json:"driver,omitempty"`
	Vendor     string `json:"vendor,omitempty"`
	DeviceID   string `json:"deviceID,omitempty"`
}

// maxNodeStateSize bounds ParseNodeState's input: a node with hundreds of
// VFs prints well under a megabyte.
const maxNodeStateSize = 8 << 20

// ParseNodeState reads one SriovNetworkNodeState from YAML or JSON, as
// kubectl prints it. Fields this type does not know (the operator adds
// some in every release: bridges, system, externallyManaged) are ignored,
// as a Kubernetes client ignores fields newer than its types; a known
// field of the wrong type, another kind, several documents or input over
// 8 MiB are errors matching errs.ErrInvalidArgument. Every PCI address is
// validated, so a returned state names only well-formed devices.
func ParseNodeState(data []byte) (*SriovNetworkNodeState, error) {
	if len(data) > maxNodeStateSize {
		return nil, errs.Invalid("SriovNetworkNodeState", fmt.Sprintf("%d bytes", len(data)), "larger than 8 MiB")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, errs.Invalid("SriovNetworkNodeState", "", "not YAML or JSON: "+err.Error())
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errs.Invalid("SriovNetworkNodeState", "", "more than one document")
	}
	js, err := json.Marshal(doc)
	if err != nil {
		// yaml.v3 decodes maps with non-string keys as map[any]any.
		return nil, errs.Invalid("SriovNetworkNodeState", "", "not a JSON-compatible document: "+err.Error())
	}
	var st SriovNetworkNodeState
	if err := json.Unmarshal(js, &st); err != nil {
		return nil, errs.Invalid("SriovNetworkNodeState", "", err.Error())
	}
	if st.Kind != "SriovNetworkNodeState" || st.APIVersion != SriovNetworkAPIVersion {
		return nil, errs.Invalid("SriovNetworkNodeState", st.APIVersion+" "+st.Kind, "want apiVersion "+SriovNetworkAPIVersion+", kind SriovNetworkNodeState")
	}
	for _, in := range st.Spec.Interfaces {
		if _, err := offload.ParsePCIAddress(in.PciAddress); err != nil {
			return nil, fmt.Errorf("spec interface: %w", err)
		}
	}
	for _, in := range st.Status.Interfaces {
		if _, err := offload.ParsePCIAddress(in.PciAddress); err != nil {
			return nil, fmt.Errorf("status interface: %w", err)
		}
		for _, vf := range in.VFs {
			if _, err := offload.ParsePCIAddress(vf.PciAddress); err != nil {
				return nil, fmt.Errorf("status VF of %s: %w", in.PciAddress, err)
			}
		}
	}
	return &st, nil
}

// StateDiffKind says how a node state and the host differ.
type StateDiffKind uint8

// Kinds of difference.
const (
	// DiffMismatch: both report the field, with different values.
	DiffMismatch StateDiffKind = iota + 1
	// DiffNotOnHost: the state names a PF the host does not have.
	DiffNotOnHost
	// DiffNotInState: the host has a PF the state's status does not list.
	DiffNotInState
	// DiffUnknown: the host could not tell (an eswitch mode no devlink
	// reported), so the field is neither equal nor different.
	DiffUnknown
	// DiffNotApplied: the spec asks for a value the host does not have
	// yet (the config daemon is still working, or failed).
	DiffNotApplied
)

// String names the kind.
func (k StateDiffKind) String() string {
	switch k {
	case DiffMismatch:
		return "mismatch"
	case DiffNotOnHost:
		return "not-on-host"
	case DiffNotInState:
		return "not-in-state"
	case DiffUnknown:
		return "unknown"
	case DiffNotApplied:
		return "not-applied"
	}
	return "diff(" + strconv.Itoa(int(k)) + ")"
}

// StateDiff is one difference between a SriovNetworkNodeState and the
// host.
type StateDiff struct {
	Kind StateDiffKind
	// PF is the PF's PCI address, as both sides name it.
	PF offload.PCIAddress
	// Field is the state's field name ("numVfs", "totalvfs", "driver",
	// "eSwitchMode", "name", "vendor", "deviceID", "Vfs"); "" for a
	// whole PF.
	Field string
	// State and Host are the two values as text; "" where a side has
	// none.
	State, Host string
}

// String renders "0000:5f:00.0 numVfs: state 3, host 4 (mismatch)".
func (d StateDiff) String() string {
	f := ""
	if d.Field != "" {
		f = " " + d.Field
	}
	return fmt.Sprintf("%s%s: state %q, host %q (%s)", d.PF, f, d.State, d.Host, d.Kind)
}

// CompareNodeState compares a node state with the PFs Host.Discover
// returned for the same node: for every PF in the status, its netdev
// name, driver, vendor and device ID, numVfs (sriov_numvfs), totalvfs
// (sriov_totalvfs), eSwitchMode and the VFs' PCI addresses; PFs on either
// side only; and for every PF in the spec, whether numVfs and
// eSwitchMode have been applied. The diffs are sorted by PF, then in the
// order above; none means the two agree on every compared field.
func CompareNodeState(st *SriovNetworkNodeState, pfs []offload.PF) []StateDiff {
	host := map[offload.PCIAddress]*offload.PF{}
	for i := range pfs {
		host[pfs[i].Address] = &pfs[i]
	}
	var out []StateDiff
	inState := map[offload.PCIAddress]bool{}
	for _, in := range st.Status.Interfaces {
		addr, err := offload.ParsePCIAddress(in.PciAddress)
		if err != nil {
			continue // ParseNodeState refuses these; a hand-built state may not
		}
		inState[addr] = true
		pf := host[addr]
		if pf == nil {
			out = append(out, StateDiff{Kind: DiffNotOnHost, PF: addr, State: in.Name})
			continue
		}
		add := func(field, state, hostv string) {
			if state != hostv {
				out = append(out, StateDiff{Kind: DiffMismatch, PF: addr, Field: field, State: state, Host: hostv})
			}
		}
		name := ""
		if up, ok := pf.Uplink(); ok {
			name = up.Name
		}
		add("name", in.Name, name)
		add("driver", in.Driver, pf.Driver)
		add("vendor", in.Vendor, pf.ID.Vendor.String())
		add("deviceID", in.DeviceID, pf.ID.Device.String())
		add("numVfs", strconv.Itoa(in.NumVfs), strconv.Itoa(pf.NumVFs))
		add("totalvfs", strconv.Itoa(in.TotalVfs), strconv.Itoa(pf.TotalVFs))
		out = append(out, compareMode(addr, "eSwitchMode", in.ESwitchMode, pf.ESwitchMode, DiffMismatch)...)
		var stateVFs, hostVFs []string
		for _, vf := range in.VFs {
			if a, err := offload.ParsePCIAddress(vf.PciAddress); err == nil {
				stateVFs = append(stateVFs, a.String())
			}
		}
		for _, vf := range pf.VFs {
			hostVFs = append(hostVFs, vf.Address.String())
		}
		sort.Strings(stateVFs)
		sort.Strings(hostVFs)
		add("Vfs", strings.Join(stateVFs, ","), strings.Join(hostVFs, ","))
	}
	for _, pf := range pfs {
		if !inState[pf.Address] {
			name := ""
			if up, ok := pf.Uplink(); ok {
				name = up.Name
			}
			out = append(out, StateDiff{Kind: DiffNotInState, PF: pf.Address, Host: name})
		}
	}
	for _, in := range st.Spec.Interfaces {
		addr, err := offload.ParsePCIAddress(in.PciAddress)
		if err != nil {
			continue
		}
		pf := host[addr]
		if pf == nil {
			if !inState[addr] {
				out = append(out, StateDiff{Kind: DiffNotOnHost, PF: addr, State: in.Name})
			}
			continue
		}
		if in.NumVfs != pf.NumVFs {
			out = append(out, StateDiff{Kind: DiffNotApplied, PF: addr, Field: "spec numVfs", State: strconv.Itoa(in.NumVfs), Host: strconv.Itoa(pf.NumVFs)})
		}
		out = append(out, compareMode(addr, "spec eSwitchMode", in.ESwitchMode, pf.ESwitchMode, DiffNotApplied)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PF.String() < out[j].PF.String() })
	return out
}

// compareMode compares an eswitch mode the state names (the operator
// writes "legacy" or "switchdev"; "" where it did not say) with the
// host's. An unknown host mode is DiffUnknown, not a difference.
func compareMode(addr offload.PCIAddress, field, state string, host offload.ESwitchMode, kind StateDiffKind) []StateDiff {
	if state == "" {
		return nil
	}
	if host == offload.ESwitchModeUnknown {
		return []StateDiff{{Kind: DiffUnknown, PF: addr, Field: field, State: state, Host: host.String()}}
	}
	if state != host.String() {
		return []StateDiff{{Kind: kind, PF: addr, Field: field, State: state, Host: host.String()}}
	}
	return nil
}
