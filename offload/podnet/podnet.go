package podnet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/ovsdb"
)

// DefaultHostNetNS is the host network namespace a Plumber returns VFs to
// unless WithHostNetNS says otherwise: the namespace of the process (of
// its main thread), which for a CNI plugin or a node agent with
// hostNetwork is the node's.
const DefaultHostNetNS = "/proc/self/ns/net"

// Plumber attaches VFs of one Host to pods and detaches them. It is safe
// for concurrent use; calls for the same VF are serialised.
type Plumber struct {
	host   *offload.Host
	hostNS string
	log    *slog.Logger
	locks  lockTable
	// inject, when set by tests, is called before each step and fails
	// the step with the error it returns.
	inject func(step Step) error
}

// Option configures New.
type Option func(*Plumber)

// WithHostNetNS sets the path of the host network namespace, where VFs and
// representors live when no pod has them (default DefaultHostNetNS).
func WithHostNetNS(path string) Option { return func(p *Plumber) { p.hostNS = path } }

// WithLogger sets the logger (default: the Host's).
func WithLogger(l *slog.Logger) Option { return func(p *Plumber) { p.log = l } }

// New returns a Plumber for the VFs of host.
func New(host *offload.Host, opts ...Option) *Plumber {
	p := &Plumber{host: host, hostNS: DefaultHostNetNS, log: host.Logger(), locks: lockTable{m: map[offload.PCIAddress]*vfLock{}}}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Step names one step of AttachVF or DetachVF, for errors and logs.
type Step string

// The steps of AttachVF, in order, and of DetachVF.
const (
	StepResolve            Step = "resolve VF and representor"
	StepConfigureVF        Step = "configure VF"
	StepTempNetNS          Step = "create temporary netns"
	StepMoveToTemp         Step = "move VF to temporary netns"
	StepRename             Step = "rename VF"
	StepAlias              Step = "record VF host name as alias"
	StepMoveToPod          Step = "move VF to pod netns"
	StepLinkUp             Step = "set VF up"
	StepRenameRepresentor  Step = "rename representor"
	StepRepresentorUp      Step = "set representor up"
	StepPort               Step = "describe OVS port"
	StepMoveToHost         Step = "move VF to host netns"
	StepResetVF            Step = "reset VF settings"
	StepRestoreRepresentor Step = "restore representor name"
)

// AttachSteps lists the steps of AttachVF in the order they run.
func AttachSteps() []Step {
	return []Step{StepResolve, StepConfigureVF, StepTempNetNS, StepMoveToTemp, StepRename, StepAlias,
		StepMoveToPod, StepLinkUp, StepRenameRepresentor, StepRepresentorUp, StepPort}
}

// AttachOptions are the optional parts of AttachVF.
type AttachOptions struct {
	// MAC, VLAN (with QoS), Trust and SpoofChk are set on the VF through
	// the PF; nil leaves a setting alone.
	MAC      net.HardwareAddr
	VLAN     *int
	QoS      int
	Trust    *bool
	SpoofChk *bool
	// ContainerID names the representor (RepresentorName); "" leaves the
	// representor's name as it is.
	ContainerID string
	// IfaceID is the OVN logical port, written to external_ids:iface-id
	// of the OVS port ("<pod>.<namespace>" in Kube-OVN).
	IfaceID string
}

// Attachment is the result of AttachVF.
type Attachment struct {
	VF offload.VF
	// HostIfName is the VF netdev's name in the host, kept as the alias
	// of the link in the pod; PodIfName its name in the pod.
	HostIfName string
	PodIfName  string
	// Representor is the VF's representor, under its new name; nil for
	// VFs whose representors are not kernel netdevs (YUSUR).
	Representor *offload.Representor
	// RepresentorHostName is the representor's name before AttachVF.
	RepresentorHostName string
	// Port is what to add to the OVS integration bridge.
	Port OVSPort
}

// OVSPort is an interface to add to the OVS integration bridge, in the
// terms of the Interface table: name, type, options and external_ids. It
// maps one to one onto ovs/ovsdb's PortSpec (PortSpec, AddToBridge).
type OVSPort struct {
	Name        string            `json:"name"`
	Type        string            `json:"type,omitempty"` // "" (system) or "dpdk"
	Options     map[string]string `json:"options,omitempty"`
	ExternalIDs map[string]string `json:"external_ids,omitempty"`
}

// KernelPort returns the port for a representor netdev: a system port of
// that name.
func KernelPort(rep offload.Representor, ifaceID string) (OVSPort, error) {
	if err := errs.ValidateIfName(rep.Netdev); err != nil {
		return OVSPort{}, err
	}
	return OVSPort{Name: rep.Netdev, ExternalIDs: ifaceIDs(ifaceID)}, nil
}

// DPDKPort returns the OVS-DPDK port for VF index vf of pf on NICs whose
// representors are DPDK ports (YUSUR): type dpdk with
// options:dpdk-devargs=<pf-pci>,representor=[vf]. name is the Interface
// name; RepresentorName derives one from the container.
func DPDKPort(name string, pf offload.PCIAddress, vf int, ifaceID string) (OVSPort, error) {
	if err := errs.ValidateIfName(name); err != nil {
		return OVSPort{}, err
	}
	if vf < 0 {
		return OVSPort{}, errs.Invalid("VF index", fmt.Sprint(vf), "negative")
	}
	return OVSPort{Name: name, Type: ovsdb.InterfaceTypeDPDK,
		Options:     map[string]string{ovsdb.KeyDPDKDevargs: fmt.Sprintf("%s,representor=[%d]", pf, vf)},
		ExternalIDs: ifaceIDs(ifaceID)}, nil
}

func ifaceIDs(id string) map[string]string {
	if id == "" {
		return nil
	}
	return map[string]string{ovsdb.KeyIfaceID: id}
}

// dpdkRepresentors reports whether the VF's representors are OVS-DPDK ports
// rather than kernel netdevs.
func dpdkRepresentors(vf offload.VF) bool { return vf.ID.Vendor == offload.VendorYUSUR }

// RepresentorName derives the host-side name of a pod's representor from
// its container ID and the interface name in the pod, within IFNAMSIZ (15
// bytes). For eth0 it is Kube-OVN's "<first 12 of the ID>_h", the name the
// guides' flow dumps show; for other interfaces the first 6 characters of
// the ID, 6 hex digits of a SHA-256 over ID and interface name, and "_h",
// so two interfaces of one pod never share a name. Container IDs are
// letters, digits, '_', '-' and '.', at least 12 long.
func RepresentorName(containerID, ifName string) (string, error) {
	if len(containerID) < 12 || len(containerID) > 256 {
		return "", errs.Invalid("container ID", containerID, "want 12 to 256 characters")
	}
	for i := 0; i < len(containerID); i++ {
		c := containerID[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return "", errs.Invalid("container ID", containerID, "only letters, digits, '_', '-' and '.' are allowed")
		}
	}
	if err := errs.ValidateIfName(ifName); err != nil {
		return "", err
	}
	if ifName == "eth0" {
		return containerID[:12] + "_h", nil
	}
	sum := sha256.Sum256([]byte(containerID + "\x00" + ifName))
	return containerID[:6] + hex.EncodeToString(sum[:3]) + "_h", nil
}

// validateNetNSPath checks a namespace path from a CNI request before it
// is opened: absolute and clean.
func validateNetNSPath(p string) error {
	if p == "" || !filepath.IsAbs(p) || filepath.Clean(p) != p || strings.ContainsRune(p, 0) {
		return errs.Invalid("network namespace path", p, "want a clean absolute path such as /var/run/netns/cni-1234")
	}
	return nil
}

// lockTable holds one lock per VF for as long as someone holds or waits
// for it.
type lockTable struct {
	mu sync.Mutex
	m  map[offload.PCIAddress]*vfLock
}

type vfLock struct {
	ch   chan struct{} // holds a token while locked
	refs int
}

// lock takes the VF's lock, waiting at most until ctx ends.
func (t *lockTable) lock(ctx context.Context, vf offload.PCIAddress) (func(), error) {
	t.mu.Lock()
	l := t.m[vf]
	if l == nil {
		l = &vfLock{ch: make(chan struct{}, 1)}
		t.m[vf] = l
	}
	l.refs++
	t.mu.Unlock()
	release := func() {
		t.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(t.m, vf)
		}
		t.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, &errs.Error{Op: "lock VF", Device: vf.String(), Err: fmt.Errorf("%w: %w", errs.ErrTimeout, ctx.Err())}
	}
}

// stepError wraps a step's failure with the VF and the step.
func stepError(vf offload.PCIAddress, s Step, err error) error {
	return &errs.Error{Op: string(s), Device: vf.String(), Err: err}
}
