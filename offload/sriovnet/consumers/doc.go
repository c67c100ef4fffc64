// Package consumers calls the offload/sriovnet drop-in the way Antrea,
// Kube-OVN and ovn-kubernetes call github.com/k8snetworkplumbingwg/sriovnet,
// one file per project, with only the import prefix changed: the same
// functions with the same argument and result types, the result fields
// they read, the interfaces their own types must satisfy, and the
// subpackages they import (pkg/utils/filesystem for Kube-OVN,
// pkg/utils/netlinkops for ovn-kubernetes). It compiling is the check that
// switching the prefix is all those projects need; `make unit` builds,
// vets and tests it.
//
// The call shapes were read from the projects' sources (Antrea
// pkg/agent/cniserver/{interfaces.go,sriov_linux.go,
// interface_configuration_linux.go}; Kube-OVN pkg/daemon/ovs_linux.go;
// ovn-kubernetes go-controller/pkg/util/{sriovnet_linux.go,
// dpuops_linux.go,sriovnet_linux_test.go}, all as of August 2026) and are
// written here anew, not copied: each file keeps the projects' own names
// for their interfaces and methods so a reader can find the original.
//
// It is a separate module so that the projects' shapes do not become part
// of offloadkit's API, as offload/kube/upstreamcheck is for Kubernetes
// types. Linux-only, as the projects' callers are.
package consumers
