// Package genl is what the generic netlink clients of offloadkit (devlink,
// ethtool) share: dialling, resolving a family with a clear error when the
// kernel lacks it, one request at a time with context deadlines, restarted
// dumps, and kernel errors turned into the errs contract with the extended
// ack message kept (errs.Netlink, which the rtnetlink clients use too). It also reads integers of whatever width the kernel
// sends.
package genl
