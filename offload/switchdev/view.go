package switchdev

import (
	"context"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// HostView is what a Backend may read of the host: the typed model of its
// PFs, VFs and representors, the devlink parameters it plans around, the
// vendor files it needs (PCI attributes, MLNX_OFED compat files, firmware
// and installed software below the Host's root) and the running
// processes. It is read-only: every change a backend wants is a step it adds
// to the PlanBuilder, which the Engine applies, verifies and rolls back.
type HostView interface {
	// PF reads PF addr (see offload.Host.PF).
	PF(ctx context.Context, addr offload.PCIAddress) (*offload.PF, error)
	// PFOfVF returns the PF of VF vf.
	PFOfVF(vf offload.PCIAddress) (offload.PCIAddress, error)
	// VFIndex returns vf's index on its PF.
	VFIndex(ctx context.Context, vf offload.PCIAddress) (int, error)
	// VFRepresentor returns the kernel representor of vf.
	VFRepresentor(ctx context.Context, vf offload.PCIAddress) (*offload.Representor, error)
	// PCIAddressOfNetdev returns the PCI function behind netdev name.
	PCIAddressOfNetdev(ctx context.Context, name string) (offload.PCIAddress, error)
	// DevlinkInfo reads `devlink dev info` of PF pf.
	DevlinkInfo(ctx context.Context, pf offload.PCIAddress) (offload.DevlinkInfo, error)
	// Param reads devlink parameter name of PF pf.
	Param(ctx context.Context, pf offload.PCIAddress, name string, cmode offload.ParamCMode) (offload.ParamValue, error)
	// PCIAttr reads a text sysfs attribute of PCI function addr ("hw/plat_name").
	PCIAttr(addr offload.PCIAddress, attr string) (string, error)
	// PCIAttrBytes reads a binary sysfs attribute of PCI function addr ("vpd").
	PCIAttrBytes(addr offload.PCIAddress, attr string) ([]byte, error)
	// CompatDevlink reads an MLNX_OFED compat/devlink file of netdev.
	CompatDevlink(netdev, name string) (string, error)
	// BondOf returns the bond netdev is enslaved to, nil when none (see
	// offload.Host.BondOf).
	BondOf(ctx context.Context, netdev string) (*offload.Bond, error)
	// DebugFile reads a text file below debugfs (sys/kernel/debug below
	// the Host's root), such as "mlx5/0000:84:00.0/lag/state": where a
	// driver exposes state nothing else shows. Absence (debugfs not
	// mounted, a driver without the file) matches errs.ErrNotFound;
	// debugfs is readable by root only.
	DebugFile(rel string) (string, error)
	// FileExists reports whether path (absolute, as on the host) exists
	// below the Host's root.
	FileExists(path string) bool
	// ProcessRunning reports whether a process whose comm satisfies match runs.
	ProcessRunning(match func(comm string) bool) bool
	// KernelRelease returns the running kernel's release and its major and
	// minor numbers.
	KernelRelease() (release string, major, minor int, err error)
	// Root is the directory the Host is rooted at.
	Root() string
}

// view is the Engine's HostView: the Host's read calls plus the vendor
// file reads, all below the Host's root.
type view struct{ h *offload.Host }

func (e *Engine) view() view { return view{e.h} }

// ViewOf returns the HostView of h that backends get from an Engine, for
// calling a backend's helpers (vendor_corigine.PlanFirmware, ...) directly.
func ViewOf(h *offload.Host) HostView { return view{h} }

func (v view) PF(ctx context.Context, addr offload.PCIAddress) (*offload.PF, error) {
	return v.h.PF(ctx, addr)
}
func (v view) PFOfVF(vf offload.PCIAddress) (offload.PCIAddress, error) { return v.h.PFOfVF(vf) }
func (v view) VFIndex(ctx context.Context, vf offload.PCIAddress) (int, error) {
	return v.h.VFIndex(ctx, vf)
}
func (v view) VFRepresentor(ctx context.Context, vf offload.PCIAddress) (*offload.Representor, error) {
	return v.h.VFRepresentor(ctx, vf)
}
func (v view) PCIAddressOfNetdev(ctx context.Context, name string) (offload.PCIAddress, error) {
	return v.h.PCIAddressOfNetdev(ctx, name)
}
func (v view) Param(ctx context.Context, pf offload.PCIAddress, name string, cmode offload.ParamCMode) (offload.ParamValue, error) {
	return v.h.Devlink(offload.PCIDevice(pf)).Param(ctx, name, cmode)
}
func (v view) DevlinkInfo(ctx context.Context, pf offload.PCIAddress) (offload.DevlinkInfo, error) {
	return v.h.Devlink(offload.PCIDevice(pf)).Info(ctx)
}
func (v view) CompatDevlink(netdev, name string) (string, error) {
	return CompatDevlink(v.h, netdev, name)
}
func (v view) Root() string { return v.h.FS().Root() }

// PCIAttr reads a sysfs attribute of PCI function addr (the YUSUR backend
// reads "hw/plat_name"). attr is a relative path of plain names; absence
// gives errs.ErrNotFound.
func (v view) PCIAttr(addr offload.PCIAddress, attr string) (string, error) {
	if err := validateAttrPath(attr); err != nil {
		return "", err
	}
	p := sysfs.PCIPath(addr.String(), attr)
	s, err := v.h.FS().ReadString(p)
	if err != nil {
		return "", &errs.Error{Op: "read " + attr, Device: addr.String(), Path: v.h.FS().Abs(p), Err: err}
	}
	return s, nil
}

// BondOf returns the bond netdev is enslaved to.
func (v view) BondOf(ctx context.Context, netdev string) (*offload.Bond, error) {
	return v.h.BondOf(ctx, netdev)
}

// DebugFile reads sys/kernel/debug/<rel> below the Host's root; rel is a
// relative path of plain names (a PCI address is one: "0000:84:00.0").
func (v view) DebugFile(rel string) (string, error) {
	// A PCI address's colons are the only characters beyond a sysfs
	// attribute's; swapping them for a letter checks everything else the
	// same way (no empty, . or .. element, nothing that escapes the root).
	if err := validateAttrPath(strings.ReplaceAll(rel, ":", "c")); err != nil {
		return "", errs.Invalid("debugfs path", rel, "want plain names separated by /")
	}
	p := "sys/kernel/debug/" + rel
	s, err := v.h.FS().ReadString(p)
	if err != nil {
		return "", &errs.Error{Op: "read debugfs " + rel, Path: v.h.FS().Abs(p), Err: err}
	}
	return s, nil
}

// PCIAttrBytes reads a binary sysfs attribute of PCI function addr ("vpd").
func (v view) PCIAttrBytes(addr offload.PCIAddress, attr string) ([]byte, error) {
	if err := validateAttrPath(attr); err != nil {
		return nil, err
	}
	p := sysfs.PCIPath(addr.String(), attr)
	b, err := v.h.FS().ReadFile(p)
	if err != nil {
		return nil, &errs.Error{Op: "read " + attr, Device: addr.String(), Path: v.h.FS().Abs(p), Err: err}
	}
	return b, nil
}

// KernelRelease returns the running kernel's release ("6.1.0-13-amd64")
// and its major and minor numbers, read from proc/sys/kernel/osrelease
// below the root; an error when it cannot be read or parsed.
func (v view) KernelRelease() (release string, major, minor int, err error) {
	rel, err := v.h.FS().ReadString("proc/sys/kernel/osrelease")
	if err != nil {
		return "", 0, 0, &errs.Error{Op: "read kernel release", Path: v.h.FS().Abs("proc/sys/kernel/osrelease"), Err: err}
	}
	major, minor, ok := parseKernelRelease(rel)
	if !ok {
		return rel, 0, 0, errs.Invalid("kernel release", rel, "want major.minor...")
	}
	return rel, major, minor, nil
}

// ProcessRunning reports whether a process whose name (comm) satisfies
// match runs on the host (read from proc below the root). Backends use it
// for daemons a card needs, such as YUSUR's hados.
func (v view) ProcessRunning(match func(comm string) bool) bool {
	names, err := v.h.FS().ReadDir("proc")
	if err != nil {
		return false
	}
	for _, n := range names {
		if _, err := strconv.Atoi(n); err != nil {
			continue // not a pid directory
		}
		if comm, err := v.h.FS().ReadString("proc/" + n + "/comm"); err == nil && match(comm) {
			return true
		}
	}
	return false
}

// FileExists reports whether path (absolute, as on the host) exists below
// the Host's root. Backends use it for installed software and firmware.
func (v view) FileExists(p string) bool {
	rel := strings.TrimPrefix(path.Clean("/"+p), "/")
	if rel == "" {
		return true
	}
	// Lstat, not the FS's Exists (which follows links): an absolute link
	// target would resolve on this machine, not below the Host's root.
	_, err := os.Lstat(v.h.FS().Abs(rel))
	return err == nil
}

// validateAttrPath accepts "a" or "a/b" of plain sysfs names.
func validateAttrPath(attr string) error {
	if attr == "" || len(attr) > 128 {
		return errs.Invalid("sysfs attribute", attr, "empty or too long")
	}
	start := 0
	for i := 0; i <= len(attr); i++ {
		if i == len(attr) || attr[i] == '/' {
			seg := attr[start:i]
			if seg == "" || seg == "." || seg == ".." {
				return errs.Invalid("sysfs attribute", attr, "empty, . or .. path element")
			}
			start = i + 1
			continue
		}
		c := attr[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return errs.Invalid("sysfs attribute", attr, "only letters, digits, '_', '-', '.' and '/'")
		}
	}
	return nil
}
