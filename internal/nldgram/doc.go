// Package nldgram reads netlink dump replies a whole datagram at a time
// into buffers the caller owns and reuses, and splits them in place.
//
// The netlink package's receive copies every datagram into a fresh buffer
// (with a fixed receive buffer configured) or peeks first to size one:
// over 100 MB of garbage for a dump of 100,000 OVS flows, and about a
// third of such a dump's time in the qemu guest
// (hack/datapath-bench/README.md). ovs/datapath's flow dumps and tc's
// filter dumps read through here instead.
//
// Reader reads one datagram with recvmsg on the socket's descriptor
// (syscall.RawConn, so the socket's deadlines apply); a connection without
// a descriptor, such as nltest's, has no Reader, and Replies then falls
// back to the netlink package's receive. Split checks every message
// against the request (netlink.Validate) and turns the kernel's
// NLMSG_ERROR and NLMSG_DONE errnos into *netlink.OpError, with the
// extended acknowledgement's message and offset, as the netlink package
// does.
//
// Privileges: none of its own. Network namespaces: a socket's, unchanged.
// Errors: *netlink.OpError, to be wrapped by internal/nlerr as callers do
// for the netlink package's errors; a datagram larger than the buffer is
// an error wrapping ErrTruncated, never silently cut.
package nldgram
