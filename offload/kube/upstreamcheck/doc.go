// Package upstreamcheck is a separate module whose tests read the YAML that
// examples/k8sgen prints (the golden files in testdata/k8s and
// examples/k8sgen/testdata) and that offload/kube's tests write, with the
// Kubernetes YAML library, and decode it strictly (unknown fields
// rejected) into the real upstream types where the module proxy serves
// them:
//
//   - core/v1 ConfigMap and Pod (k8s.io/api), and the CNI network
//     configuration list (containernetworking/cni);
//   - the pod whose command holds U+2028, U+2029 and U+0085
//     (testdata/k8s/pod-line-separators.yaml), which must come back as the
//     same plain strings;
//   - the agent's deploy files (deploy/daemonset.yaml into apps/v1
//     DaemonSet, deploy/configmap.yaml into core/v1 ConfigMap);
//   - the CNI install settings offload/kube writes (testdata/k8s): the
//     antrea-agent patch into apps/v1 DaemonSet, and the Kube-OVN and
//     Antrea Helm values, which have no Go type upstream, against excerpts
//     of the charts' values.yaml (key paths and value types, with the
//     commit and lines they come from);
//   - guide 003's underlay objects (k8sgen -underlay): ProviderNetwork,
//     Vlan and Subnet into Kube-OVN's own API types,
//     github.com/kubeovn/kube-ovn/pkg/apis/kubeovn/v1 at v1.13.0, and
//     checked against Kube-OVN's CRD schemas of that release
//     (testdata/crd/kubeovn-v1.13.0.yaml: name lengths, patterns, enums,
//     required fields); the NetworkAttachmentDefinition and the pod's
//     k8s.v1.cni.cncf.io/networks annotation into the Multus types of
//     github.com/k8snetworkplumbingwg/network-attachment-definition-client
//     v1.7.5.
//
// Of the exact Kube-OVN versions tried, the module proxy served v1.13.0
// and v1.14.10 (not v1.12.0, the release guide 003 installs, nor v1.13.10,
// v1.14.0, v1.14.5, v1.14.9, v1.14.11, v1.15.0); v1.14.10 would raise this
// module's go directive to 1.25.1, v1.13.0 keeps 1.25.0. Its API package
// needs only apimachinery, so it builds with this module's k8s.io v0.34.1
// unchanged. The network-attachment-definition
// client is served at exact versions (v1.7.5 is the one Kube-OVN v1.13.0
// requires); an earlier note here said it was not, which held only for
// @latest.
//
// The sriov-network-operator's API types (k8sgen -operator, and the
// SriovNetworkNodeState offload/kube reads) are mirrored instead, field
// for field (sriovmirror_test.go), from
// github.com/k8snetworkplumbingwg/sriov-network-operator v1.6.0, package
// api/v1. That package cannot be required here: it imports the operator's
// pkg/render and pkg/vars, which pull in openshift/machine-config-operator
// and client-go, and the operator's go.mod resolves those only through its
// own replace directives (ignored in a dependency), so `go get` fails for
// v1.6.0 and v1.5.0 alike ("cannot find module providing package
// k8s.io/client-go/kubernetes", kube-openapi v0.31.2 not served). The
// mirrors are held to the operator's CRD schemas of the same release
// (testdata/crd/sriovnetwork-v1.6.0-*.yaml, copied from the repository
// at tag v1.6.0), both ways: every mirrored field is a schema property of
// the same type and every property a field. Generated policies and the
// node states offload/kube reads are decoded strictly into the mirrors and
// validated against the schemas.
//
// The schema check (crdschema_test.go) is written here rather than taken
// from k8s.io/apiextensions-apiserver or k8s.io/kube-openapi's validator:
// both need k8s.io/client-go or kube-openapi at versions that Kube-OVN's
// go.mod names only through its replace directives (client-go v1.5.2,
// kube-openapi v0.31.2, not real releases), so this module would need
// replace directives of its own to build them. It covers exactly the
// keywords these CRDs use (type, properties, additionalProperties, items,
// required, enum, minimum, maximum, maxLength, pattern, not,
// x-kubernetes-list-type set) and refuses to load a schema with any
// other, so a CRD update cannot pass unchecked; unlike the API server it
// reports undeclared fields, which the server would silently drop.
//
// It is a module of its own so offloadkit does not depend on any of this.
// The SR-IOV device plugin's types import kubelet, gRPC and ghw: its
// config.json is checked against field-for-field mirrors in offload/kube's
// own tests.
package upstreamcheck
