package switchdev

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/offload"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// CheckStatus is the outcome of one Doctor check.
type CheckStatus uint8

// Check outcomes.
const (
	// CheckOK: the prerequisite holds.
	CheckOK CheckStatus = iota + 1
	// CheckWarn: a known pitfall is present; offload may work, or work
	// partly.
	CheckWarn
	// CheckFail: offload cannot work until this is fixed. Plan
	// refuses a PF whose backend reports one.
	CheckFail
	// CheckUnknown: the check could not tell (nothing to read on this
	// host or root).
	CheckUnknown
	// CheckSkipped: the check does not apply (a YUSUR card has no kernel
	// eswitch mode).
	CheckSkipped
)

var checkStatusNames = [...]string{"", "ok", "warn", "FAIL", "unknown", "skipped"}

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
	// "ovn-lb", "corigine-firmware", "yusur-hados", ...
	Name string `json:"name"`
	// Subject is what was checked: a PCI address, a netdev, "host".
	Subject string      `json:"subject"`
	Status  CheckStatus `json:"status"`
	// Detail says what was found.
	Detail string `json:"detail"`
	// Fix says what to do; "" when Status is CheckOK.
	Fix string `json:"fix,omitempty"`
}

// Report is the Doctor's findings, host checks first, then per PF.
type Report struct {
	Checks []Check `json:"checks"`
}

// Worst returns the most severe status in the report (Fail > Warn >
// Unknown > OK).
func (r *Report) Worst() CheckStatus {
	rank := map[CheckStatus]int{CheckSkipped: 0, CheckOK: 1, CheckUnknown: 2, CheckWarn: 3, CheckFail: 4}
	worst := CheckOK
	for _, c := range r.Checks {
		if rank[c.Status] > rank[worst] {
			worst = c.Status
		}
	}
	return worst
}

// String renders the report as a table with fix hints.
func (r *Report) String() string {
	var b strings.Builder
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "[%-7s] %-18s %-16s %s\n", c.Status, c.Name, c.Subject, c.Detail)
		if c.Fix != "" && c.Status != CheckOK {
			fmt.Fprintf(&b, "          fix: %s\n", c.Fix)
		}
	}
	return b.String()
}

// OVSStatus is what the Doctor needs to know about Open vSwitch. The OVS
// packages fill it in (see WithOVSProbe); without a probe, the Doctor only
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

// DoctorOption configures Doctor.
type DoctorOption func(*doctorConfig)

type doctorConfig struct {
	ovs func(context.Context) (OVSStatus, error)
}

// WithOVSProbe gives the Doctor a way to read OVS's configuration (over
// OVSDB); the ovs packages provide one.
func WithOVSProbe(f func(context.Context) (OVSStatus, error)) DoctorOption {
	return func(c *doctorConfig) { c.ovs = f }
}

// Doctor checks everything the offload guides list as a prerequisite or a
// pitfall: kernel >= 5.7, SR-IOV enabled, eswitch mode, hw-tc-offload, PFs
// in a bond, NetworkManager managing VF netdevs, OVS and its hw-offload
// switch, OVN load balancers (their dp_hash/hash actions are not offloaded),
// and each vendor backend's own checks (Corigine firmware, YUSUR hados).
// It reads only; an unreadable item is CheckUnknown, not an error. The
// error is for a host that cannot be read at all.
func (e *Engine) Doctor(ctx context.Context, opts ...DoctorOption) (*Report, error) {
	var cfg doctorConfig
	for _, o := range opts {
		o(&cfg)
	}
	r := &Report{}
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

// checkKernel reads proc/sys/kernel/osrelease below the root.
func (e *Engine) checkKernel() Check {
	c := Check{Name: "kernel", Subject: "host"}
	rel, major, minor, err := e.view().KernelRelease()
	switch {
	case err != nil && rel == "":
		c.Status, c.Detail = CheckUnknown, "cannot read the kernel release: "+err.Error()
		c.Fix = "run on the host itself (or mount its /proc); the guides need Linux 5.7 or later"
	case err != nil:
		c.Status, c.Detail = CheckUnknown, fmt.Sprintf("cannot parse kernel release %q", rel)
	case major > 5 || major == 5 && minor >= 7:
		c.Status, c.Detail = CheckOK, "Linux "+rel
	default:
		c.Status, c.Detail = CheckFail, fmt.Sprintf("Linux %s is older than 5.7, which the guides require for OVS TC offload", rel)
		c.Fix = "upgrade to Linux 5.7 or later (or a distribution kernel with the backports, such as CentOS 8 Stream)"
	}
	return c
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
// so in /proc, or its run directory) and for an unmanaged-devices setting.
// The guides: "some behaviors of NetworkManager may cause driver
// exceptions"; it also renames and configures VF and representor netdevs.
func (e *Engine) checkNetworkManager() Check {
	c := Check{Name: "networkmanager", Subject: "host"}
	running := e.processRunning("NetworkManager") || e.h.FS().Exists("run/NetworkManager/NetworkManager.pid")
	if !running {
		c.Status, c.Detail = CheckOK, "NetworkManager is not running"
		return c
	}
	if e.nmUnmanaged() {
		c.Status, c.Detail = CheckOK, "NetworkManager is running with an unmanaged-devices setting"
		return c
	}
	c.Status, c.Detail = CheckWarn, "NetworkManager is running and may manage VF and representor netdevs"
	c.Fix = "systemctl stop NetworkManager && systemctl disable NetworkManager, or list the VF and representor netdevs in unmanaged-devices= (for example driver:mlx5_core) in /etc/NetworkManager/conf.d"
	return c
}

// processRunning reports whether a process whose comm is name exists in
// proc below the root.
func (e *Engine) processRunning(name string) bool {
	return e.view().ProcessRunning(func(comm string) bool { return comm == name })
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
func (e *Engine) checkOVS(ctx context.Context, cfg doctorConfig) []Check {
	ovs := Check{Name: "ovs", Subject: "host"}
	hw := Check{Name: "ovs-hw-offload", Subject: "host"}
	lb := Check{Name: "ovn-lb", Subject: "host", Status: CheckUnknown,
		Detail: "OVN load balancers use dp_hash and hash actions, which these NICs cannot offload; such flows stay in software",
		Fix:    "disable OVN load balancing where offload matters (Kube-OVN: ENABLE_LB=false), as the guides say"}
	if cfg.ovs != nil {
		st, err := cfg.ovs(ctx)
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
			lb.Status = CheckWarn
			lb.Detail = fmt.Sprintf("%d OVN load balancers: their dp_hash and hash actions cannot be offloaded, such flows stay in software", st.LoadBalancers)
		}
		return []Check{ovs, hw, lb}
	}
	switch {
	case e.h.FS().Exists("run/openvswitch/ovs-vswitchd.pid") || e.processRunning("ovs-vswitchd"):
		ovs.Status, ovs.Detail = CheckOK, "ovs-vswitchd is running"
	case e.h.FS().Exists("run/openvswitch/db.sock"):
		ovs.Status, ovs.Detail, ovs.Fix = CheckWarn, "ovsdb-server is up but ovs-vswitchd is not", "start ovs-vswitchd"
	default:
		ovs.Status, ovs.Detail, ovs.Fix = CheckUnknown, "no ovs-vswitchd found (it may run in a container: Kube-OVN's ovs-ovn pod)", "install and start Open vSwitch 2.8 or later"
	}
	hw.Status, hw.Detail = CheckUnknown, "other_config:hw-offload needs an OVSDB connection (pass WithOVSProbe)"
	hw.Fix = "ovs-vsctl get Open_vSwitch . other_config:hw-offload must print \"true\""
	return []Check{ovs, hw, lb}
}

// checkPF runs the per-PF checks and the PF backend's own.
func (e *Engine) checkPF(ctx context.Context, pf *offload.PF) []Check {
	subj := pf.Address.String()
	backend := e.backendForPF(pf)
	prof := backend.Profile(pf)
	var out []Check
	sriov := Check{Name: "sriov", Subject: subj}
	if pf.TotalVFs > 0 {
		sriov.Status = CheckOK
		sriov.Detail = fmt.Sprintf("%s %s (%s, backend %s): %d of %d VFs", pf.ID, dashIfEmpty(pf.Driver), prof.Order, backend.Name(), pf.NumVFs, pf.TotalVFs)
		if pf.NumVFs == 0 {
			sriov.Status = CheckWarn
			sriov.Fix = fmt.Sprintf("create VFs: echo N > /sys/bus/pci/devices/%s/sriov_numvfs, or plan them with Plan (examples/switchdev -pf %s -vfs N)", subj, subj)
		}
	} else {
		sriov.Status, sriov.Detail = CheckFail, "sriov_totalvfs is 0: SR-IOV is disabled"
		sriov.Fix = "enable SR-IOV in the BIOS and in the NIC firmware (mlx5: mlxconfig SRIOV_EN=1 NUM_OF_VFS=N)"
	}
	out = append(out, sriov)
	st, err := e.readState(ctx, pf, prof)
	mode := Check{Name: "eswitch-mode", Subject: subj}
	switch {
	case err != nil:
		mode.Status, mode.Detail = CheckUnknown, err.Error()
	case prof.Order == OrderNoESwitch:
		mode.Status, mode.Detail = CheckSkipped, "no kernel eswitch: the card's own software switches (VF representors are OVS-DPDK ports)"
	case st.Mode == offload.ESwitchModeSwitchdev:
		mode.Status, mode.Detail = CheckOK, "switchdev ("+st.ModeSource+")"
	default:
		mode.Status, mode.Detail = CheckWarn, fmt.Sprintf("%s (%s): OVS cannot offload to this PF", st.Mode, st.ModeSource)
		mode.Fix = fmt.Sprintf("examples/switchdev -pf %s -vfs N -apply (devlink dev eswitch set pci/%s mode switchdev, after unbinding the VFs on mlx5)", subj, subj)
		if prof.Order == OrderModeFixed {
			mode.Fix = "load the flower firmware and reload the driver (see corigine-firmware)"
		}
	}
	out = append(out, mode)
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
			tc.Status, tc.Detail, tc.Fix = CheckWarn, "off: the driver refuses TC flower rules", "ethtool -K "+st.Uplink+" hw-tc-offload on"
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
				up.Status, up.Detail = CheckUnknown, "cannot read operstate: "+rerr.Error()
			case state == "down":
				up.Status, up.Detail = CheckWarn, "the uplink is down: the guides bring the PF up after creating the VFs"
				up.Fix = "ip link set " + st.Uplink + " up"
			default:
				up.Status, up.Detail = CheckOK, "operstate "+state
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
		bond.Status = CheckWarn
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
