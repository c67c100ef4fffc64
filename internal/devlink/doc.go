// Package devlink is a small client for the kernel's devlink generic netlink
// family: what `devlink dev show`, `devlink dev eswitch show|set`,
// `devlink dev param show|set`, `devlink dev reload` and `devlink port
// show|function set` do, without exec'ing the devlink tool.
//
// It is written on github.com/mdlayher/genetlink because
// github.com/mdlayher/devlink only lists devices and ports and is
// unmaintained, and vishvananda/netlink lacks the port PF/VF/SF/controller
// numbers, inline/encap-mode set and reload. Tests fake the kernel at the
// socket with genltest.
//
// Wire format: every request and reply is a generic netlink message whose
// attributes follow include/uapi/linux/devlink.h; constants come from
// golang.org/x/sys/unix where it has them and are defined here (with the
// header's name in a comment) where it does not. Decoding skips attributes it
// does not know, so newer kernels do not break it. The Encode* and Decode*
// functions are exported so fakes of the kernel (offload/offloadtest) answer
// in exactly the format this client reads.
//
// Privileges: reading needs none; ESWITCH_SET, PARAM_SET, RELOAD and
// PORT_SET need CAP_NET_ADMIN.
// Network namespaces: a devlink instance belongs to one network namespace
// (netdevsim and mlx5 instances can be moved); Dial takes the namespace to
// talk in. The Client itself holds no namespace state.
// Errors: kernel errnos come back as *errs.Error naming the devlink handle
// and carrying the kernel's extended ack message, so errors.Is(err,
// errs.ErrNotSupported) (EOPNOTSUPP), errs.ErrBusy (EBUSY) and
// errs.ErrNotFound (ENODEV, ENOENT) work. A kernel without the devlink
// family gives ErrNotSupported from Dial/New.
package devlink
