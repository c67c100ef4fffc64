// Package ovnnb reads what offload needs from the OVN northbound database:
// the load balancers, whose datapath flows OVN builds with dp_hash (or, with
// selection_fields, hash) selection. The vendors' guides say SmartNICs
// cannot offload dp_hash and hash actions, so every flow through such a
// load balancer stays in software; Kube-OVN's guides turn OVN load
// balancing off (ENABLE_LB=false) for that reason. LoadBalancers reads the
// table over OVSDB (libovsdb) instead of exec'ing ovn-nbctl, and Blocking
// says which of them break offload.
//
// # Privileges
//
// Read access to the northbound database socket (Kube-OVN:
// /var/run/ovn/ovnnb_db.sock in the ovn-central pod, or tcp:<ip>:6641).
//
// # Network namespaces
//
// A unix socket is reached through the file system; a tcp endpoint through
// the caller's network namespace.
//
// # Errors
//
// Errors are *errs.Error (offload/errs) naming the endpoint as Path; a
// context that ended matches errs.ErrTimeout.
package ovnnb
