package offload

import (
	"github.com/offloadkit/offloadkit/offload/errs"
)

// compatDevlink reads /sys/class/net/<netdev>/compat/devlink/<name>, the
// MLNX_OFED (out-of-tree mlx5) sysfs face of devlink: "mode",
// "steering_mode", "inline", "encap". Upstream kernels have none
// (errs.ErrNotFound).
func (h *Host) compatDevlink(netdev, name string) (string, error) {
	p, err := netPath(netdev, "compat", "devlink", name)
	if err != nil {
		return "", err
	}
	s, err := h.fs.ReadString(p)
	if err != nil {
		return "", &errs.Error{Op: "read compat/devlink/" + name, Device: netdev, Path: h.fs.Abs(p), Err: err}
	}
	return s, nil
}
