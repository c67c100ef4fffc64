// Package upstreamcheck is a separate module whose tests read the YAML that
// examples/k8sgen prints (the golden files in testdata/k8s) with the
// Kubernetes YAML library and decode it strictly into the real upstream
// types: core/v1 ConfigMap and Pod (k8s.io/api) and the CNI network
// configuration list (containernetworking/cni); and the pod whose command
// holds U+2028, U+2029 and U+0085 (testdata/k8s/pod-line-separators.yaml,
// written by offload/kube's tests), which must come back as the same plain
// strings; and the agent's deploy files (deploy/daemonset.yaml into apps/v1
// DaemonSet, deploy/configmap.yaml into core/v1 ConfigMap); and the CNI
// install settings offload/kube writes (testdata/k8s): the antrea-agent
// patch into apps/v1 DaemonSet, and the Kube-OVN and Antrea Helm values,
// which have no Go type upstream, against excerpts of the charts'
// values.yaml (key paths and value types, with the commit and lines they
// come from). It is a module
// of its own so offloadkit does not depend on them. The
// NetworkAttachmentDefinition client module is not served by the module
// proxy, and the SR-IOV device
// plugin's types import kubelet, gRPC and ghw: those two are checked
// against field-for-field mirrors in offload/kube's own tests.
package upstreamcheck
