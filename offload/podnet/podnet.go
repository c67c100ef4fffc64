package podnet

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/ovsdb"
)

// DefaultHostNetNS is the host network namespace a Plumber returns VFs to
// unless Config.HostNetNS says otherwise: the namespace of the process (of
// its main thread), which for a CNI plugin or a node agent with
// hostNetwork is the node's.
const DefaultHostNetNS = "/proc/self/ns/net"

// Plumber attaches VFs of one Host to pods and detaches them. It is safe
// for concurrent use, and so are several Plumbers in several processes on
// one run directory: every call for a VF holds that VF's file lock (see the
// package documentation).
type Plumber struct {
	host   vfHost
	hostNS string
	runDir string
	log    *slog.Logger
	// inject, when set by tests, is called before each step and fails
	// the step with the error it returns (or ends the process).
	inject func(step Step) error
}

// Config configures New. The zero Config is valid.
type Config struct {
	// HostNetNS is the path of the host network namespace, where VFs and
	// representors live when no pod has them. Default DefaultHostNetNS.
	// Privilege: CAP_SYS_ADMIN to enter it.
	HostNetNS string
	// RunDir is the directory of the per-VF lock and state files and of the
	// temporary namespaces' mount points. Default <root>/run/offloadkit,
	// where <root> is the Host's root: /run/offloadkit on a real host, the
	// directory offload/switchdev keeps its per-PF locks in. Every process
	// that plumbs the same VFs must use the same directory. It should not
	// outlive a reboot (a tmpfs such as /run), since VF settings and network
	// namespaces do not. Privilege: write access to it.
	RunDir string
	// Logger receives the Plumber's log records. Default: the Host's.
	Logger *slog.Logger
}

// New returns a Plumber for the VFs of host.
func New(host *offload.Host, cfg Config) *Plumber {
	p := &Plumber{host: offloadHost{host}, hostNS: cfg.HostNetNS, log: cfg.Logger, runDir: cfg.RunDir}
	if p.hostNS == "" {
		p.hostNS = DefaultHostNetNS
	}
	if p.log == nil {
		p.log = host.Logger()
	}
	if p.runDir == "" {
		p.runDir = filepath.Join(host.FS().Root(), "run", "offloadkit")
	}
	return p
}

// Container identifies the owner of an attachment as a CNI runtime does:
// the container ID (CNI_CONTAINERID) and the interface name inside it
// (CNI_IFNAME). ADD records it; DEL and CHECK act only for the same pair.
type Container struct {
	ID     string `json:"id"`
	IfName string `json:"ifname"`
}

// Validate checks the pair as the CNI specification constrains it: an ID
// of letters, digits, '_', '.' and '-' starting with a letter or digit
// (here also at least 12 and at most 256 long, since representor names
// are made from it), and an interface name the kernel accepts.
func (c Container) Validate() error {
	id := c.ID
	if len(id) < 12 || len(id) > 256 {
		return errs.Invalid("container ID", id, "want 12 to 256 characters")
	}
	if !alnum(id[0]) {
		return errs.Invalid("container ID", id, "must start with a letter or digit (CNI specification)")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !alnum(c) && c != '_' && c != '-' && c != '.' {
			return errs.Invalid("container ID", id, "only letters, digits, '_', '-' and '.' are allowed")
		}
	}
	return errs.ValidateIfName(c.IfName)
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// AttachVF moves VF vf into the pod network namespace at podNetNS as
// c.IfName, configured as opts says and with its representor renamed
// after the container (RepresentorName), and records that c owns it (see
// the package documentation for the steps and the record). A VF that
// another container owns, or whose netdev is not in the host namespace,
// is errs.ErrBusy; one this container already has is errs.ErrExists. On
// failure everything done is undone, from the record, and the error says
// which step failed and, if the undo also failed, why (the record then
// stays, so DetachVF can finish the undo).
func (p *Plumber) AttachVF(ctx context.Context, vf offload.PCIAddress, c Container, podNetNS string, opts AttachOptions) (*Attachment, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if opts.MAC != nil && len(opts.MAC) != 6 {
		return nil, errs.Invalid("VF MAC", opts.MAC.String(), "want a 6-byte Ethernet address")
	}
	if err := validateNetNSPath(podNetNS); err != nil {
		return nil, err
	}
	return p.attachVF(ctx, vf, c, podNetNS, opts)
}

// DetachVF undoes what c's AttachVF did to VF vf, and only that, and only
// while c still owns the VF: a DEL for another container, a repeated DEL,
// or a DEL for a VF nothing attached returns nil and touches nothing.
// podNetNS may be "" or name a namespace that is gone (the pod is gone);
// a path that exists but is not a network namespace is
// errs.ErrInvalidArgument, before anything is touched. When a step fails
// the record stays, so a retried DEL finishes the job; all failures are
// returned together.
func (p *Plumber) DetachVF(ctx context.Context, vf offload.PCIAddress, c Container, podNetNS string) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if podNetNS != "" {
		if err := validateNetNSPath(podNetNS); err != nil {
			return err
		}
	}
	return p.detachVF(ctx, vf, c, podNetNS)
}

// CheckVF is CNI CHECK: it returns nil when c owns VF vf and the host
// agrees with the record (the VF in the pod namespace at podNetNS, up,
// under c.IfName with its host name as alias; the VF settings as ADD set
// them; the representor under its new name); errs.ErrNotFound when c has
// no attachment of vf; and an error matching errs.ErrNotApplied that
// names every difference otherwise.
func (p *Plumber) CheckVF(ctx context.Context, vf offload.PCIAddress, c Container, podNetNS string) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := validateNetNSPath(podNetNS); err != nil {
		return err
	}
	return p.checkVF(ctx, vf, c, podNetNS)
}

// Step names one step of AttachVF or DetachVF, for errors and logs.
type Step string

// The steps of AttachVF, in order, and of DetachVF.
const (
	StepResolve            Step = "resolve VF and representor"
	StepRecord             Step = "record ownership"
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
	StepResetVF            Step = "restore VF settings"
	StepRestoreRepresentor Step = "restore representor name"
	StepForget             Step = "remove ownership record"
)

// AttachSteps lists the steps of AttachVF in the order they run.
func AttachSteps() []Step {
	return []Step{StepResolve, StepRecord, StepConfigureVF, StepTempNetNS, StepMoveToTemp, StepRename, StepAlias,
		StepMoveToPod, StepLinkUp, StepRenameRepresentor, StepRepresentorUp, StepPort}
}

// AttachOptions are the optional parts of AttachVF.
type AttachOptions struct {
	// MAC, VLAN (with QoS), Trust and SpoofChk are set on the VF through
	// the PF; nil leaves a setting alone. DetachVF puts back what was
	// there before.
	MAC      net.HardwareAddr
	VLAN     *int
	QoS      int
	Trust    *bool
	SpoofChk *bool
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

// RepresentorName derives the host-side name of a pod's representor (and
// its OVS port) from its container ID and the interface name in the pod,
// with Kube-OVN's rule, so a port offloadkit names is the port Kube-OVN
// would look up and delete, and the names match the guides' flow dumps
// ("in_port(d85b161b6840_h)"). The rule is generateNicName in Kube-OVN's
// pkg/daemon/ovs_linux.go (github.com/kubeovn/kube-ovn, master; the
// KubeVirt case is a later addition):
//
//	eth0                               <ID[:12]>_h
//	"pod" + 11 bytes (KubeVirt v1.0.0) <ID[:12-7]>_<ifName[3:10]>_h
//	any other name n                   <ID[:12-len(n)]>_<n>_h
//
// so "net1" gives "<ID[:8]>_net1_h". Every name but eth0's is exactly 15
// bytes, the most IFNAMSIZ allows. An interface name longer than 12 bytes
// (other than the KubeVirt form) leaves no room for the ID; Kube-OVN
// panics on it (a slice out of range), here it is errs.ErrInvalidArgument.
// Two KubeVirt names that differ only in their last 4 bytes give one name,
// as in Kube-OVN. The container ID and interface name are checked as
// Container.Validate does: the ID starts with a letter or digit, so the
// name never starts with '-' (which tools would take for an option); a
// 12-byte interface name leaves no ID and the name starts with '_'.
func RepresentorName(containerID, ifName string) (string, error) {
	if err := (Container{ID: containerID, IfName: ifName}).Validate(); err != nil {
		return "", err
	}
	if ifName == "eth0" {
		return containerID[:12] + "_h", nil
	}
	n := ifName
	if strings.HasPrefix(n, "pod") && len(n) == 14 {
		// KubeVirt v1.0.0 names secondary interfaces "pod" + a 7-byte
		// hash + 4 bytes; Kube-OVN keeps only the hash.
		n = n[3 : len(n)-4]
	}
	if len(n) > 12 {
		return "", errs.Invalid("interface name", ifName,
			"longer than 12 bytes: Kube-OVN's host-side name <ID prefix>_<name>_h would not fit in 15 bytes")
	}
	return containerID[:12-len(n)] + "_" + n + "_h", nil
}

// validateNetNSPath checks a namespace path from a CNI request before
// anything is opened: absolute, clean, no NUL. Whether it is a network
// namespace is checked on the open file (openNetNS).
func validateNetNSPath(p string) error {
	if p == "" || !filepath.IsAbs(p) || filepath.Clean(p) != p || strings.ContainsRune(p, 0) {
		return errs.Invalid("network namespace path", p, "want a clean absolute path such as /var/run/netns/cni-1234")
	}
	return nil
}

// stepError wraps a step's failure with the VF and the step.
func stepError(vf offload.PCIAddress, s Step, err error) error {
	return &errs.Error{Op: string(s), Device: vf.String(), Err: err}
}
