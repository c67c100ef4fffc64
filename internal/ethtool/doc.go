// Package ethtool is a small client for the kernel's ethtool generic netlink
// family, limited to what offload needs: reading and setting netdev
// features by name (`ethtool -k` and `ethtool -K <dev> hw-tc-offload on`)
// with FEATURES_GET and FEATURES_SET.
//
// github.com/mdlayher/ethtool v0.7.0 cannot read or set features, and
// safchain/ethtool's Change reports success when the kernel changed
// nothing. The kernel's FEATURES_SET reply lists the requested bits that it
// did not apply (veth cannot turn hw-tc-offload on, for instance); SetFeatures
// turns that list into a *NotAppliedError, which matches
// errs.ErrNotApplied.
//
// Wire format: include/uapi/linux/ethtool_netlink.h. Bitsets are requested
// and decoded in the verbose (bit-by-bit, with names) form; the compact
// form is decoded too, with names taken from the reply's full HW set. The
// Encode* and Decode* functions are exported for fakes of the kernel
// (offload/offloadtest) and for tests.
//
// Privileges: reading needs none; setting needs CAP_NET_ADMIN in the
// netdev's network namespace.
// Network namespaces: interfaces are looked up by name or index in the
// namespace the connection was opened in (Dial's cfg.NetNS).
// Errors: *errs.Error naming the interface with the kernel's extended ack;
// ENODEV maps to errs.ErrNotFound, EOPNOTSUPP to errs.ErrNotSupported. A
// kernel without the ethtool family (before 5.6) gives ErrNotSupported.
package ethtool
