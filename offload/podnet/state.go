package podnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// recordVersion is the format of the state file; a file of another
// version is refused rather than guessed at.
const recordVersion = 1

// record is what AttachVF changed on a VF and for whom, written to
// <runDir>/podnet-<pci>.json before the first change (so a DEL after the
// process died halfway knows what to undo) and again when ADD completes.
// DetachVF restores from it and removes it.
type record struct {
	Version   int       `json:"version"`
	VF        string    `json:"vf"`
	Container Container `json:"container"`
	// NetNS is the pod namespace ADD was given; PID the process that ran
	// ADD (for people reading the file).
	NetNS string `json:"netns"`
	PID   int    `json:"pid"`
	// Complete is set once ADD has finished every step.
	Complete bool `json:"complete"`
	// HostIfName is the VF netdev's name in the host namespace; VFWasUp
	// and VFAlias its state there before ADD. PodIfName is
	// Container.IfName.
	HostIfName string `json:"host_ifname"`
	VFWasUp    bool   `json:"vf_was_up"`
	VFAlias    string `json:"vf_alias"`
	// Before and Applied are the VF settings ADD changed: the values read
	// from the PF before, and the values set. Only the settings ADD was
	// asked to change are present.
	Before  vfSettings `json:"before"`
	Applied vfSettings `json:"applied"`
	// Representor is nil when the VF has no kernel representor (YUSUR).
	Representor *repRecord `json:"representor,omitempty"`
}

// vfSettings are VF settings held by the PF; nil or "" is "not changed".
type vfSettings struct {
	MAC      string `json:"mac,omitempty"`
	VLAN     *int   `json:"vlan,omitempty"`
	QoS      int    `json:"qos,omitempty"`
	Trust    *bool  `json:"trust,omitempty"`
	SpoofChk *bool  `json:"spoofchk,omitempty"`
}

func (s vfSettings) empty() bool {
	return s.MAC == "" && s.VLAN == nil && s.Trust == nil && s.SpoofChk == nil
}

// repRecord is the representor's state before ADD and its new name.
type repRecord struct {
	HostName string `json:"host_name"`
	Name     string `json:"name"`
	WasUp    bool   `json:"was_up"`
	Alias    string `json:"alias"`
}

// vfFile returns <runDir>/podnet-<pci><suffix>; vf is a parsed PCI
// address, so the name has no path separator.
func vfFile(runDir string, vf offload.PCIAddress, suffix string) string {
	return filepath.Join(runDir, "podnet-"+vf.String()+suffix)
}

// loadRecord reads the VF's record; nil without error when there is none.
func loadRecord(runDir string, vf offload.PCIAddress) (*record, error) {
	path := vfFile(runDir, vf, ".json")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &errs.Error{Op: "read ownership record", Device: vf.String(), Path: path, Err: err}
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, &errs.Error{Op: "read ownership record", Device: vf.String(), Path: path, Err: fmt.Errorf("%w: %w", errs.ErrInvalidArgument, err)}
	}
	if r.Version != recordVersion || r.VF != vf.String() {
		return nil, &errs.Error{Op: "read ownership record", Device: vf.String(), Path: path,
			Err: fmt.Errorf("%w: version %d for VF %q, want version %d for this VF", errs.ErrInvalidArgument, r.Version, r.VF, recordVersion)}
	}
	return &r, nil
}

// saveRecord writes the record atomically and durably: a temporary file in
// the same directory, fsynced, renamed over the record, and the directory
// fsynced, so after a crash the file is the old record or the new one.
func saveRecord(runDir string, vf offload.PCIAddress, r *record) (err error) {
	path := vfFile(runDir, vf, ".json")
	wrap := func(err error) error {
		return &errs.Error{Op: "write ownership record", Device: vf.String(), Path: path, Err: err}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return wrap(err)
	}
	f, err := os.CreateTemp(runDir, ".podnet-"+vf.String()+"-*.tmp")
	if err != nil {
		return wrap(err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return wrap(err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return wrap(err)
	}
	if err := f.Close(); err != nil {
		return wrap(err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return wrap(err)
	}
	return wrap0(syncDir(runDir), wrap)
}

// removeRecord deletes the record durably; a missing record is fine.
func removeRecord(runDir string, vf offload.PCIAddress) error {
	path := vfFile(runDir, vf, ".json")
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return &errs.Error{Op: "remove ownership record", Device: vf.String(), Path: path, Err: err}
	}
	if err := syncDir(runDir); err != nil {
		return &errs.Error{Op: "remove ownership record", Device: vf.String(), Path: path, Err: err}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func wrap0(err error, wrap func(error) error) error {
	if err == nil {
		return nil
	}
	return wrap(err)
}
