// Package unixctl is a client for the control socket of Open vSwitch
// daemons (ovs-vswitchd, ovsdb-server): the channel ovs-appctl uses, without
// running ovs-appctl.
//
// The protocol is JSON-RPC 1.0 over a unix stream socket, usually
// <rundir>/ovs-vswitchd.<pid>.ctl. A request is exactly
// {"method":M,"params":[strings],"id":N}: OVS drops the connection on any
// other member (a "jsonrpc" member included) or a missing params. The reply
// is {"id":N,"result":text,"error":null} or {"id":N,"error":text}; a whole
// flow dump arrives as one JSON string.
//
// Dial resolves the socket from a Config (run directory and pidfile, as
// ovs-appctl -t does, or an explicit path; the zero Config is the local
// ovs-vswitchd). A Client keeps one connection, serialises callers on it
// (the daemon answers one request at a time per connection), re-dials
// after any transport or protocol error, and bounds the reply size
// (Config.MaxResponseSize). Helpers wrap dpctl/dump-flows (parsed with package
// ovs/dpflow), dpif/show, dpctl/show and version.
//
// # Privileges
//
// The socket is created by the daemon, normally root-owned with mode 0750:
// connecting needs the same privilege ovs-appctl needs. A refused connect
// matches ErrPermission.
//
// # Network namespaces
//
// A unix socket path is resolved in the caller's mount namespace, not its
// network namespace: a Client works from any network namespace as long as
// the run directory is visible.
//
// # Errors
//
// Transport errors are *errs.Error values naming the method and socket path
// (a missing pidfile or socket matches ErrNotFound). An error reply from the
// daemon is a *ReplyError carrying the daemon's text; it matches
// ErrNotSupported for an unknown command and ErrInvalidArgument for a wrong
// argument count or an "(Invalid argument)" failure. A context that expires
// mid-call gives an error matching ErrTimeout and the context's error, and
// the connection is dropped (its state is unknown) and re-dialled on the
// next call. A reply larger than the limit matches ErrResponseTooLarge.
package unixctl
