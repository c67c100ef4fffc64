package switchdev

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/ovs/offloadstate"
	"github.com/offloadkit/offloadkit/ovs/ovnnb"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// CheckStatus is the outcome of one Doctor check. There are three: a
// check holds (with the evidence in Detail), fails, or could not tell
// (with the reason in Detail). There is no "warning": a known pitfall that
// is present is a failure of the guide's prerequisite (with a Fix), and
// something the Doctor could not look at is unknown, never ok.
type CheckStatus uint8

// Check outcomes.
const (
	// CheckOK: the prerequisite holds; Detail is the evidence.
	CheckOK CheckStatus = iota + 1
	// CheckFail: a prerequisite of the guides does not hold, or a pitfall
	// they name is present; offload does not work, or works only partly,
	// until Fix is done. Plan refuses a PF whose backend reports one.
	CheckFail
	// CheckUnknown: the check could not tell; Detail says why (nothing to
	// read below this root, not on the host, no access to OVS).
	CheckUnknown
)

var checkStatusNames = [...]string{"", "ok", "FAIL", "unknown"}

// String names the status.
func (s CheckStatus) String() string {
	if s > 0 && int(s) < len(checkStatusNames) {
		return checkStatusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// MarshalText renders the status name in lower case.
func (s CheckStatus) MarshalText() ([]byte, error) { return []byte(strings.ToLower(s.String())), nil }

// Check is one prerequisite or pitfall from the guides, with what was
// found and how to fix it.
type Check struct {
	// Name is a stable identifier: "kernel", "sriov", "eswitch-mode",
	// "hw-tc-offload", "bond", "networkmanager", "ovs", "ovs-hw-offload",
	// "ovs-offload-running", "ovn-lb", "corigine-firmware",
	// "yusur-hados", ...
	Name string `json:"name"`
	// Subject is what was checked: a PCI address, a netdev, "host".
	Subject string      `json:"subject"`
	Status  CheckStatus `json:"status"`
	// Detail says what was found: the evidence of an ok, what is wrong,
	// or why the check could not tell.
	Detail string `json:"detail"`
	// Fix says what to do; "" when Status is CheckOK.
	Fix string `json:"fix,omitempty"`
	// Planned is true on a CheckFail that the backend's Plan fixes with
	// steps of its own (the Agilio firmware change, when the backend is
	// asked to plan it): Engine.Plan does not refuse the PF for it, and
	// the Doctor still reports the failure, which holds until the plan
	// has run.
	Planned bool `json:"planned,omitempty"`
}

// Report is the Doctor's findings, host checks first, then per PF.
type Report struct {
	// Notes say what the report could not cover as a whole (host-only
	// checks not run on a copied or bundled tree).
	Notes  []string `json:"notes,omitempty"`
	Checks []Check  `json:"checks"`
}

// Worst returns the most severe status in the report (Fail > Unknown >
// OK); OK for a report with no checks.
func (r *Report) Worst() CheckStatus {
	worst := CheckOK
	for _, c := range r.Checks {
		switch {
		case c.Status == CheckFail:
			return CheckFail
		case c.Status == CheckUnknown:
			worst = CheckUnknown
		}
	}
	return worst
}

// Count returns how many checks have status s.
func (r *Report) Count(s CheckStatus) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == s {
			n++
		}
	}
	return n
}

// String renders the report as a table with fix hints, after its notes.
func (r *Report) String() string {
	var b strings.Builder
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "[%-7s] %-19s %-16s %s\n", c.Status, c.Name, c.Subject, c.Detail)
		if c.Fix != "" && c.Status != CheckOK {
			fmt.Fprintf(&b, "          fix: %s\n", c.Fix)
		}
	}
	return b.String()
}

// OVSStatus is what the Doctor needs to know about Open vSwitch. The OVS
// packages fill it in (see DoctorConfig.OVS); without a probe, the Doctor only
// looks for the ovs-vswitchd pid file and the OVSDB socket.
type OVSStatus struct {
	// Running: ovs-vswitchd is up.
	Running bool
	// HWOffload is other_config:hw-offload of the Open_vSwitch table.
	HWOffload bool
	// TCPolicy is other_config:tc-policy ("" when unset).
	TCPolicy string
	// LoadBalancers is the number of OVN load balancers; -1 when unknown.
	LoadBalancers int
}

// DoctorConfig configures Doctor. The zero DoctorConfig is valid: the
// checks that need a connection to a daemon are unknown and say which field
// would let them look.
type DoctorConfig struct {
	// OVS reads Open vSwitch's configuration (over OVSDB: hw-offload,
	// tc-policy, whether ovs-vswitchd runs). Default nil: OVS's presence
	// is read from its pid file and /proc, hw-offload is unknown.
	// Privilege: read access to the OVSDB socket.
	OVS func(context.Context) (OVSStatus, error)
	// OffloadState, when set, asks the running ovs-vswitchd over its
	// control socket and the kernel (the ingress qdiscs OVS's tc layer
	// adds) whether hardware offload is in effect (ovs/offloadstate.Check):
	// the "ovs-offload-running" check. Default nil: that check is unknown,
	// since other_config:hw-offload only says what is configured.
	// Privilege: the control socket (root), CAP_NET_ADMIN is not needed to
	// list qdiscs.
	OffloadState *offloadstate.Config
	// OVNNorthbound, when set, reads the OVN northbound database's load
	// balancers (ovs/ovnnb) for the "ovn-lb" check: any with a VIP uses
	// dp_hash or hash selection, which the guides' NICs cannot offload.
	// Default nil: OVS.LoadBalancers decides, else the check is unknown.
	// Privilege: read access to the northbound database.
	OVNNorthbound *ovnnb.Config
}

// Doctor checks everything the offload guides list as a prerequisite or a
// pitfall: kernel >= 5.7, SR-IOV enabled, eswitch mode, hw-tc-offload, PFs
// in a bond, NetworkManager managing VF netdevs, OVS and its hw-offload
// switch, OVN load balancers (their dp_hash/hash actions are not offloaded),
// and each vendor backend's own checks (Corigine firmware, YUSUR hados).
// It reads only. Each check is ok (with its evidence), failed, or unknown
// (with the reason it could not tell); an item it cannot read is unknown,
// never ok. On a root without proc/ (a copied or bundled tree) the
// host-only checks (kernel, processes) are unknown and Report.Notes says
// they were not run. The error is for a host that cannot be read at all.
func (e *Engine) Doctor(ctx context.Context, cfg DoctorConfig) (*Report, error) {
	r := &Report{}
	if !e.hostProc() {
		r.Notes = append(r.Notes, fmt.Sprintf("host-only checks were not run: %s has no proc/ (a copied or bundled tree, not the running host), so the kernel release and running processes (NetworkManager, ovs-vswitchd, hados) are unknown", e.h.FS().Root()))
	}
	r.Checks = append(r.Checks, e.checkKernel())
	r.Checks = append(r.Checks, e.checkNetworkManager())
	r.Checks = append(r.Checks, e.checkOVS(ctx, cfg)...)
	pfs, err := e.h.Discover(ctx)
	if err != nil {
		return nil, err
	}
	if len(pfs) == 0 {
		r.Checks = append(r.Checks, Check{Name: "sriov", Subject: "host", Status: CheckFail,
			Detail: "no SR-IOV capable PCI function (no sriov_totalvfs under /sys/bus/pci/devices)",
			Fix:    "enable SR-IOV (and VT-d/IOMMU) in the BIOS and in the NIC firmware, and load the NIC driver"})
	}
	for i := range pfs {
		r.Checks = append(r.Checks, e.checkPF(ctx, &pfs[i])...)
	}
	return r, nil
}

// hostProc reports whether proc/ below the root can be read: the running
// host's /proc, or a copy of it.
func (e *Engine) hostProc() bool {
	_, err := e.h.FS().ReadDir("proc")
	return err == nil
}

// notOnHost is the Detail of a host-only check that could not look.
func (e *Engine) notOnHost(what string) string {
	return fmt.Sprintf("not run: %s has no proc/ to read %s (not the running host)", e.h.FS().Root(), what)
}

// checkKernel reads proc/sys/kernel/osrelease below the root.
func (e *Engine) checkKernel() Check {
	c := Check{Name: "kernel", Subject: "host"}
	rel, major, minor, err := e.view().KernelRelease()
	switch {
	case err != nil && rel == "" && !e.hostProc():
		c.Status, c.Detail = CheckUnknown, e.notOnHost("the kernel release")
		c.Fix = "run the doctor on the host (or mount its /proc below the root); the guides need Linux 5.7 or later"
	case err != nil && rel == "":
		c.Status, c.Detail = CheckUnknown, "cannot read proc/sys/kernel/osrelease: "+rootCause(err)
		c.Fix = "the guides need Linux 5.7 or later: check uname -r"
	case err != nil:
		c.Status, c.Detail = CheckUnknown, fmt.Sprintf("cannot parse kernel release %q", rel)
		c.Fix = "the guides need Linux 5.7 or later: check uname -r"
	case major > 5 || major == 5 && minor >= 7:
		c.Status, c.Detail = CheckOK, "Linux "+rel
	default:
		c.Status, c.Detail = CheckFail, fmt.Sprintf("Linux %s is older than 5.7, which the guides require for OVS TC offload", rel)
		c.Fix = "upgrade to Linux 5.7 or later (or a distribution kernel with the backports, such as CentOS 8 Stream)"
	}
	return c
}

// rootCause is the innermost error's text (a path error's errno), for
// details that already name the file.
func rootCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

// parseKernelRelease parses "5.15.0-91-generic" into 5, 15.
func parseKernelRelease(s string) (major, minor int, ok bool) {
	f := strings.SplitN(strings.TrimSpace(s), ".", 3)
	if len(f) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(f[0])
	end := 0
	for end < len(f[1]) && f[1][end] >= '0' && f[1][end] <= '9' {
		end++
	}
	minor, err2 := strconv.Atoi(f[1][:end])
	if err1 != nil || err2 != nil || major < 0 {
		return 0, 0, false
	}
	return major, minor, true
}

// checkNetworkManager looks for a running NetworkManager (a process named
// so in /proc, or its pid file) and for an unmanaged-devices setting.
// The guides: "some behaviors of NetworkManager may cause driver
// exceptions"; it also renames and configures VF and representor netdevs.
// Not running is only ok when /proc could be read.
func (e *Engine) checkNetworkManager() Check {
	c := Check{Name: "networkmanager", Subject: "host"}
	running, err := e.processRunning("NetworkManager")
	if e.h.FS().Exists("run/NetworkManager/NetworkManager.pid") {
		running, err = true, nil
	}
	switch {
	case err != nil && !e.hostProc():
		c.Status, c.Detail = CheckUnknown, e.notOnHost("the running processes")
		c.Fix = "run the doctor on the host; the guides stop NetworkManager or keep it off the VF and representor netdevs"
		return c
	case err != nil:
		c.Status, c.Detail = CheckUnknown, "cannot list processes: "+rootCause(err)
		c.Fix = "systemctl is-active NetworkManager must not say active, or unmanaged-devices= must cover the VF and representor netdevs"
		return c
	case !running:
		c.Status, c.Detail = CheckOK, "no NetworkManager process in /proc and no NetworkManager pid file"
		return c
	}
	if e.nmUnmanaged() {
		c.Status, c.Detail = CheckOK, "NetworkManager is running with an unmanaged-devices setting"
		return c
	}
	c.Status, c.Detail = CheckFail, "NetworkManager is running and may manage VF and representor netdevs"
	c.Fix = "systemctl stop NetworkManager && systemctl disable NetworkManager, or list the VF and representor netdevs in unmanaged-devices= (for example driver:mlx5_core) in /etc/NetworkManager/conf.d"
	return c
}

// processRunning reports whether a process whose comm is name exists in
// proc below the root; an error when proc cannot be listed.
func (e *Engine) processRunning(name string) (bool, error) {
	names, err := e.h.FS().ReadDir("proc")
	if err != nil {
		return false, err
	}
	for _, n := range names {
		if _, err := strconv.Atoi(n); err != nil {
			continue // not a pid directory
		}
		// A process can exit between the listing and the read.
		if comm, err := e.h.FS().ReadString("proc/" + n + "/comm"); err == nil && comm == name {
			return true, nil
		}
	}
	return false, nil
}

func (e *Engine) nmUnmanaged() bool {
	for _, dir := range []string{"etc/NetworkManager/conf.d", "run/NetworkManager/conf.d", "usr/lib/NetworkManager/conf.d"} {
		names, err := e.h.FS().ReadDir(dir)
		if err != nil {
			continue
		}
		for _, n := range names {
			if !strings.HasSuffix(n, ".conf") {
				continue
			}
			b, err := e.h.FS().ReadFile(dir + "/" + n)
			if err == nil && strings.Contains(string(b), "unmanaged-devices") {
				return true
			}
		}
	}
	if b, err := e.h.FS().ReadFile("etc/NetworkManager/NetworkManager.conf"); err == nil && strings.Contains(string(b), "unmanaged-devices") {
		return true
	}
	return false
}

// checkOVS reports OVS presence, its hw-offload switch and OVN load
// balancers.
func (e *Engine) checkOVS(ctx context.Context, cfg DoctorConfig) []Check {
	running := Check{Name: "ovs-offload-running", Subject: "host", Status: CheckUnknown,
		Detail: "the running ovs-vswitchd was not asked (DoctorConfig.OffloadState): other_config:hw-offload only says what is configured, not what the running daemon does",
		Fix:    "ovs-appctl dpctl/dump-flows type=offloaded must list flows while traffic runs"}
	if cfg.OffloadState != nil {
		running = runningCheck(offloadstate.Check(ctx, *cfg.OffloadState))
	}
	checks := e.checkOVSConfig(ctx, cfg)
	if cfg.OVNNorthbound != nil {
		checks[2] = ovnCheck(ctx, *cfg.OVNNorthbound)
	}
	return append(checks[:2:2], running, checks[2])
}

// runningCheck is the "ovs-offload-running" check from the running
// daemon's answer: in effect is ok, not in effect is a failure, and a
// question the evidence left open is unknown, each with the reason.
func runningCheck(r offloadstate.Result) Check {
	c := Check{Name: "ovs-offload-running", Subject: "host", Detail: r.Reason}
	if r.Version != "" {
		c.Detail = "ovs-vswitchd " + r.Version + ": " + r.Reason
	}
	switch r.State {
	case offloadstate.InEffect:
		c.Status = CheckOK
	case offloadstate.NotInEffect:
		c.Status = CheckFail
		c.Fix = "ovs-vsctl set Open_vSwitch . other_config:hw-offload=true, restart ovs-vswitchd, and attach the representors (kernel datapath, tc flow API)"
	default:
		c.Status = CheckUnknown
		c.Fix = "ovs-appctl dpctl/dump-flows type=offloaded must list flows while traffic runs"
	}
	return c
}

// ovnCheck is the "ovn-lb" check from the OVN northbound database.
func ovnCheck(ctx context.Context, cfg ovnnb.Config) Check {
	c := Check{Name: "ovn-lb", Subject: "host",
		Fix: "disable OVN load balancing where offload matters (Kube-OVN: ENABLE_LB=false), as the guides say"}
	lbs, err := ovnnb.LoadBalancers(ctx, cfg)
	if err != nil {
		c.Status, c.Detail = CheckUnknown, "cannot read the OVN northbound database: "+err.Error()
		return c
	}
	blocking := ovnnb.Blocking(lbs)
	if len(blocking) == 0 {
		c.Status, c.Detail, c.Fix = CheckOK, fmt.Sprintf("%d OVN load balancers, none with a VIP: no dp_hash or hash flows", len(lbs)), ""
		return c
	}
	var names []string
	for i, lb := range blocking {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(blocking)-5))
			break
		}
		names = append(names, lb.Name+" ("+lb.Selection()+")")
	}
	c.Status = CheckFail
	c.Detail = fmt.Sprintf("%d OVN load balancers select backends with dp_hash or hash, which these NICs cannot offload; their flows stay in software: %s", len(blocking), strings.Join(names, ", "))
	return c
}

// checkOVSConfig reports OVS presence, its configured hw-offload switch
// and OVN load balancers.
func (e *Engine) checkOVSConfig(ctx context.Context, cfg DoctorConfig) []Check {
	ovs := Check{Name: "ovs", Subject: "host"}
	hw := Check{Name: "ovs-hw-offload", Subject: "host"}
	lb := Check{Name: "ovn-lb", Subject: "host", Status: CheckUnknown,
		Detail: "OVN load balancers use dp_hash and hash actions, which these NICs cannot offload; such flows stay in software",
		Fix:    "disable OVN load balancing where offload matters (Kube-OVN: ENABLE_LB=false), as the guides say"}
	if cfg.OVS != nil {
		st, err := cfg.OVS(ctx)
		if err != nil {
			ovs.Status, ovs.Detail = CheckUnknown, "cannot read OVS: "+err.Error()
			ovs.Fix = "start Open vSwitch 2.8 or later, or point the probe at its OVSDB socket"
			hw.Status, hw.Detail = CheckUnknown, "cannot read other_config:hw-offload"
			hw.Fix = "ovs-vsctl get Open_vSwitch . other_config:hw-offload must print \"true\""
			return []Check{ovs, hw, lb}
		}
		if st.Running {
			ovs.Status, ovs.Detail = CheckOK, "ovs-vswitchd is running"
		} else {
			ovs.Status, ovs.Detail, ovs.Fix = CheckFail, "ovs-vswitchd is not running", "start Open vSwitch 2.8 or later"
		}
		if st.HWOffload {
			hw.Status, hw.Detail = CheckOK, "other_config:hw-offload=true"
			if st.TCPolicy != "" {
				hw.Detail += ", tc-policy=" + st.TCPolicy
			}
		} else {
			hw.Status, hw.Detail = CheckFail, "other_config:hw-offload is not true"
			hw.Fix = "ovs-vsctl set Open_vSwitch . other_config:hw-offload=true and restart ovs-vswitchd (Kube-OVN: HW_OFFLOAD=true; Antrea: start_ovs --hw-offload)"
		}
		switch {
		case st.LoadBalancers == 0:
			lb.Status, lb.Detail, lb.Fix = CheckOK, "no OVN load balancers", ""
		case st.LoadBalancers > 0:
			lb.Status = CheckFail
			lb.Detail = fmt.Sprintf("%d OVN load balancers: their dp_hash and hash actions cannot be offloaded, such flows stay in software", st.LoadBalancers)
		}
		return []Check{ovs, hw, lb}
	}
	vswitchd, perr := e.processRunning("ovs-vswitchd")
	switch {
	case e.h.FS().Exists("run/openvswitch/ovs-vswitchd.pid"):
		ovs.Status, ovs.Detail = CheckOK, "ovs-vswitchd is running (run/openvswitch/ovs-vswitchd.pid)"
	case perr == nil && vswitchd:
		ovs.Status, ovs.Detail = CheckOK, "ovs-vswitchd is running (in /proc)"
	case e.h.FS().Exists("run/openvswitch/db.sock"):
		ovs.Status, ovs.Detail, ovs.Fix = CheckFail, "ovsdb-server is up but ovs-vswitchd is not", "start ovs-vswitchd"
	case perr != nil && !e.hostProc():
		ovs.Status, ovs.Detail = CheckUnknown, e.notOnHost("the running processes")
		ovs.Fix = "run the doctor on the host; OVS 2.8 or later must run"
	default:
		ovs.Status, ovs.Detail, ovs.Fix = CheckUnknown, "no ovs-vswitchd found (it may run in a container: Kube-OVN's ovs-ovn pod)", "install and start Open vSwitch 2.8 or later"
	}
	hw.Status, hw.Detail = CheckUnknown, "other_config:hw-offload needs an OVSDB connection (DoctorConfig.OVS)"
	hw.Fix = "ovs-vsctl get Open_vSwitch . other_config:hw-offload must print \"true\""
	return []Check{ovs, hw, lb}
}

// dpuHostReps counts pf's representors of functions of an external host
// (controller > 0): on the Arm side of a BlueField DPU the host's PF and
// VFs appear only as such representors.
func dpuHostReps(pf *offload.PF) (pfs, vfs int) {
	for _, r := range pf.Representors {
		if r.PortName.Controller <= 0 {
			continue
		}
		switch r.PortName.Flavour {
		case offload.PortFlavourPCIPF:
			pfs++
		case offload.PortFlavourPCIVF:
			vfs++
		}
	}
	return pfs, vfs
}

// checkSRIOV checks that SR-IOV is enabled and VFs exist; on a DPU's Arm
// side the VFs that matter are the external host's.
func checkSRIOV(pf *offload.PF, backend Backend, prof Profile) Check {
	subj := pf.Address.String()
	c := Check{Name: "sriov", Subject: subj}
	if pf.TotalVFs <= 0 {
		c.Status, c.Detail = CheckFail, "sriov_totalvfs is 0: SR-IOV is disabled"
		c.Fix = "enable SR-IOV in the BIOS and in the NIC firmware (mlx5: mlxconfig SRIOV_EN=1 NUM_OF_VFS=N)"
		return c
	}
	base := fmt.Sprintf("%s %s (%s, backend %s)", pf.ID, dashIfEmpty(pf.Driver), prof.Order, backend.Name())
	if hostPFs, hostVFs := dpuHostReps(pf); hostPFs > 0 {
		// The Arm side of a DPU: the host creates its VFs on its own PF;
		// here they show up as representors of controller 1.
		c.Detail = fmt.Sprintf("%s: the Arm side of a DPU managing an external host (%d host PF and %d host VF representors); %d of %d local VFs", base, hostPFs, hostVFs, pf.NumVFs, pf.TotalVFs)
		if hostVFs > 0 {
			c.Status = CheckOK
			return c
		}
		c.Status = CheckFail
		c.Fix = "create the VFs on the host side (echo N > /sys/bus/pci/devices/<host PF>/sriov_numvfs on the x86 host); their representors appear here as pf0vfNhost (controller 1), to be added to OVS on the DPU. Do not create VFs on the Arm side for the host's pods"
		return c
	}
	c.Detail = fmt.Sprintf("%s: %d of %d VFs", base, pf.NumVFs, pf.TotalVFs)
	if pf.NumVFs > 0 {
		c.Status = CheckOK
		return c
	}
	c.Status = CheckFail
	c.Detail += ": no VFs, so nothing to offload yet"
	c.Fix = fmt.Sprintf("create VFs: echo N > /sys/bus/pci/devices/%s/sriov_numvfs, or plan them with Plan (examples/switchdev -pf %s -vfs N)", subj, subj)
	return c
}

// checkPF runs the per-PF checks and the PF backend's own.
func (e *Engine) checkPF(ctx context.Context, pf *offload.PF) []Check {
	subj := pf.Address.String()
	backend := e.backendForPF(pf)
	prof := backend.Profile(pf)
	out := []Check{checkSRIOV(pf, backend, prof)}
	st, err := e.readState(ctx, pf, prof)
	mode := Check{Name: "eswitch-mode", Subject: subj}
	switch {
	case prof.Order == OrderNoESwitch:
		// Nothing to check: the backend says the card has no kernel
		// eswitch (the sriov check names the order).
	case err != nil:
		mode.Status, mode.Detail = CheckUnknown, "cannot read the eswitch mode: "+err.Error()
		mode.Fix = "devlink dev eswitch show pci/" + subj + " must say mode switchdev"
	case st.Mode == offload.ESwitchModeSwitchdev:
		mode.Status, mode.Detail = CheckOK, "switchdev ("+st.ModeSource+")"
	default:
		mode.Status, mode.Detail = CheckFail, fmt.Sprintf("%s (%s): OVS cannot offload to this PF", st.Mode, st.ModeSource)
		mode.Fix = fmt.Sprintf("examples/switchdev -pf %s -vfs N -apply (devlink dev eswitch set pci/%s mode switchdev, after unbinding the VFs on mlx5)", subj, subj)
		if prof.Order == OrderModeFixed {
			mode.Fix = "load the flower firmware and reload the driver (see corigine-firmware)"
		}
	}
	if mode.Status != 0 {
		out = append(out, mode)
	}
	if err != nil {
		return append(out, backend.Check(ctx, e.view(), pf)...)
	}
	if prof.HWTCOffload && st.Uplink != "" {
		tc := Check{Name: "hw-tc-offload", Subject: st.Uplink}
		switch {
		case st.HWTCOffload == nil:
			tc.Status, tc.Detail = CheckUnknown, "cannot read (no ethtool netlink on this host or root)"
			tc.Fix = "ethtool -k " + st.Uplink + " | grep hw-tc-offload must say on"
		case *st.HWTCOffload:
			tc.Status, tc.Detail = CheckOK, "on"
		default:
			tc.Status, tc.Detail, tc.Fix = CheckFail, "off: the driver refuses TC flower rules", "ethtool -K "+st.Uplink+" hw-tc-offload on"
		}
		out = append(out, tc)
	}
	if st.Uplink != "" {
		up := Check{Name: "uplink-up", Subject: st.Uplink}
		if err := errs.ValidateIfName(st.Uplink); err == nil {
			p := "sys/class/net/" + st.Uplink + "/operstate"
			state, rerr := e.h.FS().ReadString(p)
			switch {
			case rerr != nil:
				up.Status, up.Detail = CheckUnknown, "cannot read operstate: "+rootCause(rerr)
				up.Fix = "ip link show " + st.Uplink + " must say state UP"
			case state == "down":
				up.Status, up.Detail = CheckFail, "the uplink is down: the guides bring the PF up after creating the VFs"
				up.Fix = "ip link set " + st.Uplink + " up"
			case state == "up":
				up.Status, up.Detail = CheckOK, "operstate up"
			default:
				up.Status, up.Detail = CheckUnknown, "operstate "+state+" (neither up nor down)"
				up.Fix = "ip link show " + st.Uplink + " must say state UP"
			}
			out = append(out, up)
		}
	}
	bond := Check{Name: "bond", Subject: dashIfEmpty(st.Uplink)}
	switch {
	case st.Bond == nil:
		bond.Status, bond.Detail = CheckOK, "not in a bond"
	case st.Mode == offload.ESwitchModeSwitchdev && st.Bond.Mode.VFLAGCapable() && len(st.Bond.Slaves) == 2:
		bond.Status, bond.Detail = CheckOK, fmt.Sprintf("in bond %s (%s) with %s: a VF LAG", st.Bond.Name, st.Bond.Mode, strings.Join(st.Bond.Slaves, ", "))
	default:
		bond.Status = CheckFail
		bond.Detail = fmt.Sprintf("in bond %s (%s): the NIC cannot change its eswitch mode while bonded", st.Bond.Name, st.Bond.Mode)
		bond.Fix = "take the PF out of the bond (ifenslave -d " + st.Bond.Name + " " + st.Uplink + "; Plan with BondRelease) or, on mlx5, build a VF LAG of both PFs (BondVFLAG, bond mode active-backup, balance-xor or 802.3ad)"
	}
	out = append(out, bond)
	return append(out, backend.Check(ctx, e.view(), pf)...)
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
