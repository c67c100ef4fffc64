// Package nlerr maps a failed netlink request (rtnetlink or generic netlink)
// to offloadkit's typed error (offload/errs.Error): the errno, the kernel's
// extended-ack text and a context that ended. It is the one mapping the
// devlink, ethtool, rtnl and tc clients share, kept out of offload/errs so
// that package depends on the standard library alone.
//
// The package has no state, needs no privileges and has no build tags.
package nlerr
