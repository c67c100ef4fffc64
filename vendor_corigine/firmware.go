package corigine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/offloadkit/offloadkit/internal/fwlink"

	"github.com/offloadkit/offloadkit/offload/switchdev"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/offloadkit/offloadkit/offload"
)

// FirmwareOptions configure PlanFirmware.
type FirmwareOptions struct {
	// Dir is the netronome firmware directory; the default is
	// <host root>/lib/firmware/netronome.
	Dir string
	// App is the firmware application: "flower" (default) or
	// "flower-next" when that firmware is installed.
	App string
	// Assembly overrides detection ("AMDA0097"), for cards whose VPD and
	// devlink info do not show it: take it from the guide's `ethtool -w`
	// dump.
	Assembly string
	// BoardID returns the PF's board.id ("AMDA0097-0001"); nil reads it
	// from `devlink dev info` through the host.
	BoardID func(ctx context.Context, pf offload.PCIAddress) (string, error)
	// Select makes the Backend plan the firmware change when the flower
	// firmware is not running (Backend.Plan): the links, then two manual
	// steps, rebuilding the initramfs and reloading nfp. false (the
	// default) plans no firmware change: the backend's check fails and
	// Engine.Plan refuses the PF, as changing firmware is a decision to
	// take explicitly. PlanFirmware ignores it.
	Select bool
}

// Link is one symbolic link of a firmware selection.
type Link struct {
	// Path is the link's absolute path.
	Path string `json:"path"`
	// Target is what it should point to, relative to its directory.
	Target string `json:"target"`
	// Current is what it points to now; "" when it does not exist.
	Current string `json:"current,omitempty"`
}

// UpToDate reports whether the link already points to Target.
func (l Link) UpToDate() bool { return l.Current == l.Target }

// Selection is the firmware a PF should load and the links that select
// it, as agilio-tc-fw-select.sh makes them.
type Selection struct {
	PF       offload.PCIAddress `json:"pf"`
	Assembly string             `json:"assembly"`
	// Source says where the assembly came from: "vpd", "devlink info
	// board.id" or "given".
	Source string `json:"source"`
	App    string `json:"app"`
	// Quirk is the AMDA0081 -> AMDA0097 image link, when the card is an
	// AMDA0081 and the firmware package has no image of its own.
	Quirk *Link `json:"quirk,omitempty"`
	// Link is <dir>/pci-<BDF>.nffw -> <app>/nic_<assembly>.nffw.
	Link Link `json:"link"`
	// Image is the firmware file the links resolve to (the AMDA0097 image
	// for an AMDA0081); ImageExists says whether it is installed.
	Image       string `json:"image"`
	ImageExists bool   `json:"image_exists"`
	// Shadowing lists serial-*.nffw files, which the driver loads before
	// pci-*.nffw, so a selection by PCI address would be ignored.
	Shadowing []string `json:"shadowing,omitempty"`
	// FlowerRunning is true when the running firmware already exposes a
	// switchdev eswitch (flower).
	FlowerRunning bool `json:"flower_running"`
}

// ReloadNeeded reports whether the nfp driver must be reloaded (`rmmod
// nfp; modprobe nfp`) for the selection to take effect. offloadkit never
// reloads drivers itself.
func (s *Selection) ReloadNeeded() bool { return !s.FlowerRunning }

// UpToDate reports whether the links are in place.
func (s *Selection) UpToDate() bool {
	return s.Link.UpToDate() && (s.Quirk == nil || s.Quirk.UpToDate())
}

// String renders the selection and what remains to do.
func (s *Selection) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "firmware for %s: assembly %s (from %s), app %s\n", s.PF, s.Assembly, s.Source, s.App)
	if s.Quirk != nil {
		fmt.Fprintf(&b, "  %s -> %s (now %s): AMDA0081 uses the AMDA0097 image\n", s.Quirk.Path, s.Quirk.Target, orNone(s.Quirk.Current))
	}
	fmt.Fprintf(&b, "  %s -> %s (now %s)\n", s.Link.Path, s.Link.Target, orNone(s.Link.Current))
	if !s.ImageExists {
		fmt.Fprintf(&b, "  image %s is not installed: install the Agilio firmware package first\n", s.Image)
	}
	for _, f := range s.Shadowing {
		fmt.Fprintf(&b, "  warning: %s is loaded before pci-*.nffw and overrides this selection\n", f)
	}
	if s.ReloadNeeded() {
		b.WriteString("  then reload the driver: rmmod nfp; modprobe nfp (an operator action: offloadkit never reloads drivers; Backend.Plan with FirmwareOptions.Select plans it as a manual step with its risk)\n")
	} else {
		b.WriteString("  the flower firmware is running: no reload needed\n")
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "missing"
	}
	return s
}

// DetectAssembly finds the PF's assembly number from the PCI VPD, then
// from devlink info's board.id (`devlink dev info`, or opts.BoardID). ErrNotFound when neither shows
// it; the error says how to read it by hand.
func DetectAssembly(ctx context.Context, h switchdev.HostView, pf offload.PCIAddress, opts FirmwareOptions) (asm, source string, err error) {
	if opts.Assembly != "" {
		a, ok := AssemblyFromText(opts.Assembly)
		if !ok || a != opts.Assembly {
			return "", "", fmt.Errorf("%w: assembly %q: want AMDA and four digits", errs.ErrInvalidArgument, opts.Assembly)
		}
		return a, "given", nil
	}
	var tried []string
	if raw, err := h.PCIAttrBytes(pf, "vpd"); err == nil {
		v, perr := ParseVPD(raw)
		if a, ok := v.Assembly(); ok {
			return a, "vpd", nil
		}
		if perr != nil {
			tried = append(tried, "vpd: "+perr.Error())
		} else {
			tried = append(tried, "vpd has no AMDA number")
		}
	} else {
		tried = append(tried, "no readable vpd")
	}
	boardID := opts.BoardID
	if boardID == nil {
		boardID = func(ctx context.Context, pf offload.PCIAddress) (string, error) {
			in, err := h.DevlinkInfo(ctx, pf)
			if err != nil {
				return "", err
			}
			id, ok := in.FixedVersion("board.id")
			if !ok {
				return "", fmt.Errorf("%w: no board.id among the fixed versions", errs.ErrNotFound)
			}
			return id, nil
		}
	}
	id, err := boardID(ctx, pf)
	if err == nil {
		if a, ok := AssemblyFromText(id); ok {
			return a, "devlink info board.id", nil
		}
		tried = append(tried, fmt.Sprintf("board.id %q has no AMDA number", id))
	} else {
		tried = append(tried, "devlink info: "+err.Error())
	}
	return "", "", &errs.Error{Op: "detect Agilio assembly", Device: pf.String(),
		Err: fmt.Errorf("%w: %s; read it by hand with `ethtool -W <dev> 0; ethtool -w <dev> data /dev/stdout | strings | grep ^SN:` and pass the AMDA number as FirmwareOptions.Assembly", errs.ErrNotFound, strings.Join(tried, "; "))}
}

// PlanFirmware computes the firmware selection of pf: nothing is changed.
func PlanFirmware(ctx context.Context, h switchdev.HostView, pf offload.PCIAddress, opts FirmwareOptions) (*Selection, error) {
	id, err := h.PF(ctx, pf)
	if err != nil {
		return nil, err
	}
	if _, ok := Lookup(id.ID); !ok {
		return nil, &errs.Error{Op: "plan Agilio firmware", Device: pf.String(), Err: fmt.Errorf("%w: %s is not an Agilio PF", errs.ErrInvalidArgument, id.ID)}
	}
	app := opts.App
	if app == "" {
		app = "flower"
	}
	if app != "flower" && app != "flower-next" {
		return nil, fmt.Errorf("%w: firmware app %q: want flower or flower-next", errs.ErrInvalidArgument, app)
	}
	asm, src, err := DetectAssembly(ctx, h, pf, opts)
	if err != nil {
		return nil, err
	}
	dir := opts.Dir
	if dir == "" {
		dir = filepath.Join(h.Root(), "lib", "firmware", "netronome")
	}
	s := &Selection{PF: pf, Assembly: asm, Source: src, App: app}
	image := "nic_" + asm + ".nffw"
	if q := filepath.Join(dir, app, "nic_AMDA0081.nffw"); asm == "AMDA0081" && !fileExists(q) {
		// The script links it only when no image (or a dangling link) is there.
		cur, err := currentLink(q)
		if err != nil {
			return nil, &errs.Error{Op: "plan Agilio firmware", Device: pf.String(), Path: q, Err: err}
		}
		s.Quirk = &Link{Path: q, Target: "nic_AMDA0097.nffw", Current: cur}
	}
	// pf.String() is a validated PCI address and asm matched AMDA[0-9]{4}:
	// neither can leave dir.
	s.Link = Link{Path: filepath.Join(dir, "pci-"+pf.String()+".nffw"), Target: app + "/" + image}
	if s.Link.Current, err = currentLink(s.Link.Path); err != nil {
		return nil, &errs.Error{Op: "plan Agilio firmware", Device: pf.String(), Path: s.Link.Path, Err: err}
	}
	s.Image = filepath.Join(dir, app, image)
	if s.Quirk != nil {
		s.Image = filepath.Join(dir, app, s.Quirk.Target)
	}
	s.ImageExists = fileExists(s.Image)
	if m, err := filepath.Glob(filepath.Join(dir, "serial-*.nffw")); err == nil {
		s.Shadowing = m
	}
	if cur, err := h.PF(ctx, pf); err == nil && cur.ESwitchMode == offload.ESwitchModeSwitchdev {
		s.FlowerRunning = true
	}
	return s, nil
}

// currentLink returns what the link at p points to: "" when nothing is
// there or p is not a link (Apply refuses to replace a regular file), an
// error when p could not be read (permissions, I/O), which must not read
// as "no link".
func currentLink(p string) (string, error) {
	cur, err := os.Readlink(p)
	switch {
	case err == nil:
		return cur, nil
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.EINVAL):
		return "", nil
	}
	return "", err
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Apply creates the selection's links (the explicit opt-in of the
// firmware step): each is written under a temporary name and renamed into
// place, so a reader never sees a missing link. It refuses when the image
// is not installed. It does not reload the driver; ReloadNeeded says
// whether that is still to do.
func (s *Selection) Apply(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !s.ImageExists {
		return &errs.Error{Op: "select Agilio firmware", Device: s.PF.String(), Path: s.Image,
			Err: fmt.Errorf("%w: firmware image not installed", errs.ErrNotFound)}
	}
	if s.Quirk != nil && !s.Quirk.UpToDate() {
		if err := replaceLink(*s.Quirk); err != nil {
			return &errs.Error{Op: "link AMDA0081 firmware", Device: s.PF.String(), Path: s.Quirk.Path, Err: err}
		}
		s.Quirk.Current = s.Quirk.Target
	}
	if !s.Link.UpToDate() {
		if err := replaceLink(s.Link); err != nil {
			return &errs.Error{Op: "select Agilio firmware", Device: s.PF.String(), Path: s.Link.Path, Err: err}
		}
		s.Link.Current = s.Link.Target
	}
	return nil
}

// replaceLink points l.Path at l.Target the way Plan.Apply's firmware
// step does (internal/fwlink: atomic rename, a regular file left alone,
// read back).
func replaceLink(l Link) error { return fwlink.Set(l.Path, l.Target) }
