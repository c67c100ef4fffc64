package kube

import (
	"slices"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// KubeOVNInstall is the part of Kube-OVN's installation that hardware
// offload depends on, as the four Kube-OVN guides (YUSUR, Corigine, and
// both Mellanox ones) edit it in install.sh from kubeovn/kube-ovn
// release-1.12 (dist/images/install.sh, lines 11-32 at commit 69bd761 of
// that branch, v1.12.35):
//
//	ENABLE_MIRROR=${ENABLE_MIRROR:-false}
//	HW_OFFLOAD=${HW_OFFLOAD:-true}
//	ENABLE_LB=${ENABLE_LB:-false}
//	IFACE="p0"
//
// and, for a Helm installation, the values those variables become in the
// chart of the same branch (charts/kube-ovn/values.yaml): networking.IFACE,
// func.HW_OFFLOAD, func.ENABLE_LB and debug.ENABLE_MIRROR; see
// KubeOVNValues.
//
// It is one value with a field per variable rather than a list of
// name=value strings so that both renderings (InstallSh, HelmValues) come
// from the same settings and cannot disagree, and so that IFACE, the only
// free-form value, is validated once as an interface name. Every field is
// rendered, the zero value too: a KubeOVNInstall states the variables'
// values, it is not a change to install.sh's defaults (which are
// HW_OFFLOAD=false, ENABLE_LB=true). KubeOVNOffloadInstall returns the
// guides' settings.
type KubeOVNInstall struct {
	// HWOffload is HW_OFFLOAD: the ovs-ovn DaemonSet sets OVS's
	// other_config:hw-offload and kube-ovn-cni plugs VFs instead of veths.
	HWOffload bool
	// EnableLB is ENABLE_LB: OVN load balancers for Services. The guides
	// turn it off because the NICs cannot offload the dp_hash and hash
	// actions OVN's load balancers use.
	EnableLB bool
	// EnableMirror is ENABLE_MIRROR, which the guides show at its default
	// (false) next to the lines they edit.
	EnableMirror bool
	// Iface is IFACE: the interface carrying the node's tunnel traffic,
	// the offload PF's uplink or the bond over both PFs (VF LAG). Empty
	// lets Kube-OVN pick the interface of the default route, as the
	// Mellanox guide's underlay section asks (IFACE="", a NIC other than
	// the PF). A non-empty name must be a valid interface name.
	Iface string
}

// KubeOVNOffloadInstall returns the guides' settings for an offload
// installation with IFACE iface: HW_OFFLOAD=true, ENABLE_LB=false,
// ENABLE_MIRROR=false. iface may be empty (see KubeOVNInstall.Iface).
func KubeOVNOffloadInstall(iface string) (KubeOVNInstall, error) {
	k := KubeOVNInstall{HWOffload: true, EnableLB: false, EnableMirror: false, Iface: iface}
	return k, k.Validate()
}

// Validate checks IFACE: empty, or a name the kernel accepts for an
// interface (errs.ValidateIfName). Errors match errs.ErrInvalidArgument.
func (k KubeOVNInstall) Validate() error {
	if k.Iface == "" {
		return nil
	}
	return errs.ValidateIfName(k.Iface)
}

// InstallSh returns the install.sh lines in the guides' form, one per
// line with a trailing newline: the booleans as new defaults
// (VAR=${VAR:-value}, so an environment variable still overrides them, as
// in the script itself) and IFACE as a quoted assignment. IFACE is quoted
// for the shell: double quotes, as the guides write it, for names of
// letters, digits and ._@+-, and single quotes otherwise (interface names
// may hold $, ` or ", which double quotes would expand).
func (k KubeOVNInstall) InstallSh() (string, error) {
	if err := k.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, v := range []struct {
		name string
		val  bool
	}{{"ENABLE_MIRROR", k.EnableMirror}, {"HW_OFFLOAD", k.HWOffload}, {"ENABLE_LB", k.EnableLB}} {
		b.WriteString(v.name + "=${" + v.name + ":-" + strconv.FormatBool(v.val) + "}\n")
	}
	b.WriteString("IFACE=" + shellQuote(k.Iface) + "\n")
	return b.String(), nil
}

// shellQuote quotes s for a POSIX shell assignment.
func shellQuote(s string) string {
	safe := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(alnum(c) || strings.IndexByte("._@+-", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// KubeOVNValues are the values of Kube-OVN's Helm chart (charts/kube-ovn,
// release-1.12) that KubeOVNInstall sets, under the chart's own key names
// and types. Upstream keeps them in charts/kube-ovn/values.yaml at
// kubeovn/kube-ovn release-1.12 (commit 69bd761, chart v1.12.35):
// networking.IFACE (line 32, "" by default, rendered into kube-ovn-cni's
// --iface), func.ENABLE_LB (line 58, true; kube-ovn-controller's
// --enable-lb), func.HW_OFFLOAD (line 61, false; the ovs-ovn DaemonSet's
// HW_OFFLOAD environment variable) and debug.ENABLE_MIRROR (line 107,
// false). The chart has no Go type; upstreamcheck checks these names
// and types against a copy of that file's key paths.
type KubeOVNValues struct {
	Networking KubeOVNNetworkingValues `json:"networking"`
	Func       KubeOVNFuncValues       `json:"func"`
	Debug      KubeOVNDebugValues      `json:"debug"`
}

// KubeOVNNetworkingValues is the chart's networking section (the key set
// here); the JSON tags are the chart's key names.
type KubeOVNNetworkingValues struct {
	Iface string `json:"IFACE"`
}

// KubeOVNFuncValues is the chart's func section (the keys set here).
type KubeOVNFuncValues struct {
	EnableLB  bool `json:"ENABLE_LB"`
	HWOffload bool `json:"HW_OFFLOAD"`
}

// KubeOVNDebugValues is the chart's debug section (the key set here).
type KubeOVNDebugValues struct {
	EnableMirror bool `json:"ENABLE_MIRROR"`
}

// HelmValues returns the chart values that match k, for
// `helm install -f values.yaml` (render them with YAML).
func (k KubeOVNInstall) HelmValues() (KubeOVNValues, error) {
	if err := k.Validate(); err != nil {
		return KubeOVNValues{}, err
	}
	return KubeOVNValues{
		Networking: KubeOVNNetworkingValues{Iface: k.Iface},
		Func:       KubeOVNFuncValues{EnableLB: k.EnableLB, HWOffload: k.HWOffload},
		Debug:      KubeOVNDebugValues{EnableMirror: k.EnableMirror},
	}, nil
}

// OffloadIface returns the interface the guides set as Kube-OVN's IFACE
// for the offload PFs in pfs (as Host.Discover returns them; the first
// offload PF with VFs counts, see ResourcesFromPFs for which PFs are
// offload PFs): the bond its uplink is enslaved to, as the Mellanox guide
// sets IFACE="bond1" over both PFs for VF LAG, else the uplink itself
// ("p0" in the YUSUR guide). ok is false when no offload PF with VFs has
// an uplink netdev.
func OffloadIface(pfs []offload.PF) (iface string, ok bool) {
	for i := range pfs {
		pf := &pfs[i]
		if !offloadPF(pf) || len(pf.VFs) == 0 {
			continue
		}
		if pf.Bond != nil && pf.Bond.Name != "" {
			return pf.Bond.Name, true
		}
		if up, ok := pf.Uplink(); ok {
			return up.Name, true
		}
	}
	return "", false
}

// Antrea's names for what AntreaInstall changes.
const (
	// AntreaAgentDaemonSet is the DaemonSet of build/yamls/antrea.yml (and
	// of the chart) that runs OVS on every node.
	AntreaAgentDaemonSet = "antrea-agent"
	// AntreaOVSContainer is its container that runs start_ovs.
	AntreaOVSContainer = "antrea-ovs"
	// AntreaStartOVS is that container's command.
	AntreaStartOVS = "start_ovs"
	// AntreaHWOffloadFlag is start_ovs's flag that sets OVS's
	// other_config:hw-offload=true before ovs-vswitchd starts.
	AntreaHWOffloadFlag = "--hw-offload"
)

// AntreaInstall is the part of Antrea's installation that hardware offload
// depends on. The Antrea guide (001) has one step: run the antrea-ovs
// container's start_ovs with --hw-offload, which makes the script set
// other_config:hw-offload in OVS before ovs-vswitchd starts
// (build/images/scripts/start_ovs in antrea-io/antrea, v2.7.0). The agent's
// own configuration (antrea-agent.conf) has no hardware offload setting
// (v2.7.0 checked); what offload needs from the agent side is the VF
// network of the NAD and the device plugin's isRdma, which
// ResourcesOptions.RDMA sets.
//
// Two renderings, for the two ways Antrea is installed: AgentPatch, a
// strategic merge patch of the antrea-agent DaemonSet for the manifest
// the guide edits (build/yamls/antrea.yml), and HelmValues, the chart's
// ovs.hwOffload. It is a struct, not a bare bool, so that both come from
// one value and a later setting has a place to go.
type AntreaInstall struct {
	// HWOffload adds --hw-offload to start_ovs; false renders start_ovs
	// without it (offload off, Antrea's default).
	HWOffload bool
}

// AntreaOffloadInstall returns the guide's settings: HWOffload on.
func AntreaOffloadInstall() AntreaInstall { return AntreaInstall{HWOffload: true} }

// OVSCommand returns the antrea-ovs container's command as the guide
// writes it: ["start_ovs", "--hw-offload"].
func (a AntreaInstall) OVSCommand() []string {
	cmd := []string{AntreaStartOVS}
	if a.HWOffload {
		cmd = append(cmd, AntreaHWOffloadFlag)
	}
	return cmd
}

// DaemonSetPatch is a strategic merge patch of an apps/v1 DaemonSet's pod
// template containers, the shape `kubectl patch daemonset` takes. Its
// field names are apps/v1's (upstreamcheck decodes it strictly into
// k8s.io/api's DaemonSet).
type DaemonSetPatch struct {
	Spec DaemonSetPatchSpec `json:"spec"`
}

// DaemonSetPatchSpec is the DaemonSet spec part of the patch.
type DaemonSetPatchSpec struct {
	Template PodTemplatePatch `json:"template"`
}

// PodTemplatePatch is the pod template part of the patch.
type PodTemplatePatch struct {
	Spec PodSpecPatch `json:"spec"`
}

// PodSpecPatch is the pod spec part of the patch: containers merge by
// name (the strategic merge key of core/v1 containers).
type PodSpecPatch struct {
	Containers []ContainerPatch `json:"containers"`
}

// ContainerPatch replaces one container's command (a list of strings,
// which a strategic merge replaces whole); the container's args, image
// and everything else stay as they are.
type ContainerPatch struct {
	Name    string   `json:"name"`
	Command []string `json:"command"`
}

// AgentPatch returns the strategic merge patch that gives the antrea-ovs
// container of the antrea-agent DaemonSet the command OVSCommand returns,
// for
//
//	kubectl -n kube-system patch daemonset antrea-agent --patch-file FILE
//
// (render it with YAML). Only the command is replaced, as the guide edits
// it: antrea.yml since v1.x passes start_ovs its log options as args,
// which the patch leaves alone, and start_ovs reads its flags in any
// order. The patch is the same whether Antrea came from antrea.yml or
// the chart (both name the DaemonSet and the container so), but with the
// chart, HelmValues is the lasting change: a helm upgrade renders the
// DaemonSet anew.
func (a AntreaInstall) AgentPatch() DaemonSetPatch {
	return DaemonSetPatch{Spec: DaemonSetPatchSpec{Template: PodTemplatePatch{Spec: PodSpecPatch{
		Containers: []ContainerPatch{{Name: AntreaOVSContainer, Command: slices.Clone(a.OVSCommand())}},
	}}}}
}

// AntreaValues are the values of Antrea's Helm chart (build/charts/antrea)
// that AntreaInstall sets: ovs.hwOffload, a bool, false by default, which
// adds --hw-offload to the antrea-ovs container's args. Upstream keeps it
// in build/charts/antrea/values.yaml (antrea-io/antrea v2.7.0, commit
// e59003c, lines 94-99; present since the chart's first version, v1.7).
// The chart has no Go type; upstreamcheck checks the names and types
// against a copy of that file's key paths.
type AntreaValues struct {
	OVS AntreaOVSValues `json:"ovs"`
}

// AntreaOVSValues is the chart's ovs section (the key set here).
type AntreaOVSValues struct {
	HWOffload bool `json:"hwOffload"`
}

// HelmValues returns the chart values that match a, for
// `helm install -f values.yaml` (render them with YAML).
func (a AntreaInstall) HelmValues() AntreaValues {
	//lint:ignore S1016 the two types have the same fields by chance today: a conversion would break, or silently map, when AntreaInstall gains one
	return AntreaValues{OVS: AntreaOVSValues{HWOffload: a.HWOffload}}
}
