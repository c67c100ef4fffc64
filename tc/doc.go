// Package tc reads and writes Linux traffic-control objects over rtnetlink:
// the qdiscs, chains and filters of an interface, with flower keys and
// actions decoded, and the hardware-offload state the kernel reports for
// each filter (skip_sw, skip_hw, in_hw, not_in_hw, in_hw_count, per-action
// hardware counters and cookies). When Open vSwitch runs with
// other_config:hw-offload=true it installs flower filters on representors
// and uplinks and stores each datapath flow's UFID in the action cookie, so
// Offload reports, per filter and per OVS flow, whether it is in hardware:
// what experts read from `tc -s filter show dev <rep> ingress`.
//
// # Why a focused codec
//
// The codec is written here on github.com/mdlayher/netlink (already a
// dependency) rather than by wrapping github.com/florianl/go-tc. go-tc is
// the only Go library with the ct action and hardware counters, but it sends
// VLAN ids byte-swapped (VLAN 100 goes out as 1024), and lacks IPv6 and
// enc-IPv6 flower keys, Geneve options (enc_opts) and ct_labels, all of which
// OVS offload uses; wrapping it would mean a new dependency plus patches
// around its gaps. vishvananda/netlink's flower lacks ct and in_hw decoding
// and encodes skip_sw/skip_hw in the wrong byte order. A codec of the
// attributes offload needs is small, lets tests fake the kernel at the socket
// with nltest, and is checked attribute for attribute against requests
// recorded from iproute2's tc (testdata/tc, hack/tc-bench/record.sh).
//
// Byte order is per attribute, as the kernel defines it: flower's EtherTypes,
// ports, addresses, key ids and TCP flags are big-endian; VLAN ids, the
// classifier flags (TCA_FLOWER_FLAGS), ct keys and everything in tc_* structs
// are host order. The types here hold host-order values and the codec
// converts.
//
// Unknown attributes are kept (Attr lists), never fatal; malformed input
// returns an error wrapping errs.ErrInvalidArgument and never panics.
//
// The UFID is ovs/dpflow's type (dpflow.UFID), the one the dump-flows
// parser yields: Action.UFID reads it from OVS's cookie, so a filter and a
// flow compare equal without conversion. tc imports ovs/dpflow for that
// type only; it imports nothing of the offload core.
//
// Subpackages: tc/ovsjoin joins Offload reports with parsed OVS datapath
// flows (ovs/dpflow) by UFID; tc/tctest reads the recordings under
// testdata/tc and serves them as a fake kernel for nltest.
//
// Privileges: listing needs none; AddFilter, ReplaceFilter and DeleteFilter
// need CAP_NET_ADMIN. Network namespaces: a Client works in the namespace it
// was dialled in (Config.NetNS), and interface names are resolved there, not
// in the caller's namespace. Errors: kernel refusals come back as
// *errs.Error carrying the kernel's extended-ack text and matching the
// errs sentinels: ErrNotFound for a missing interface or filter, and for a
// kernel without cls_flower (ENOENT, "TC classifier not found"); ErrExists
// for a handle in use; ErrNotSupported for skip_sw on a device that cannot
// offload; ErrPermission without CAP_NET_ADMIN; ErrBusy when a streamed dump
// was interrupted; ErrTimeout (with the context's error) when ctx ends.
package tc
