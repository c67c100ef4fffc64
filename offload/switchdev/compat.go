package switchdev

import (
	"context"
	"fmt"
	"slices"

	"github.com/offloadkit/offloadkit/internal/sysfs"
	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// compatFiles returns the MLNX_OFED compat/devlink files a plan may change,
// in a fixed order so that a plan reads them in the same order every time.
func compatFiles() []string { return []string{"mode", "steering_mode", "inline", "encap"} }

// CompatDevlink reads /sys/class/net/<netdev>/compat/devlink/<name> below
// h's root, the MLNX_OFED (out-of-tree mlx5) sysfs face of devlink: "mode",
// "steering_mode", "inline", "encap". Upstream kernels have none
// (errs.ErrNotFound).
func CompatDevlink(h *offload.Host, netdev, name string) (string, error) {
	if !slices.Contains(compatFiles(), name) {
		return "", errs.Invalid("compat/devlink file", name, "want mode, steering_mode, inline or encap")
	}
	p, err := sysfs.NetPath(netdev, "compat", "devlink", name)
	if err != nil {
		return "", err
	}
	s, err := h.FS().ReadString(p)
	if err != nil {
		return "", &errs.Error{Op: "read compat/devlink/" + name, Device: netdev, Path: h.FS().Abs(p), Err: err}
	}
	return s, nil
}

// setCompatDevlink writes value to compat/devlink/<name> of netdev and reads
// it back.
func setCompatDevlink(ctx context.Context, h *offload.Host, netdev, name, value string) error {
	if !slices.Contains(compatFiles(), name) {
		return errs.Invalid("compat/devlink file", name, "want mode, steering_mode, inline or encap")
	}
	if err := validateAttrValue(value); err != nil {
		return err
	}
	p, err := sysfs.NetPath(netdev, "compat", "devlink", name)
	if err != nil {
		return err
	}
	if err := h.FS().WriteFile(ctx, p, []byte(value)); err != nil {
		return &errs.Error{Op: "write compat/devlink/" + name, Device: netdev, Path: h.FS().Abs(p), Err: err}
	}
	got, err := CompatDevlink(h, netdev, name)
	if err != nil {
		return err
	}
	if got != value {
		return &errs.Error{Op: "write compat/devlink/" + name, Device: netdev, Path: h.FS().Abs(p), Err: fmt.Errorf("%w: reads %q after writing %q", errs.ErrNotApplied, got, value)}
	}
	return nil
}

// validateAttrValue accepts a short single-line word.
func validateAttrValue(v string) error {
	if v == "" || len(v) > 64 {
		return errs.Invalid("sysfs value", v, "empty or too long")
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c == 0x7f {
			return errs.Invalid("sysfs value", v, "no spaces or control characters")
		}
	}
	return nil
}
