// Package kube builds the Kubernetes objects a SmartNIC offload deployment
// needs, as typed Go values with the exact JSON field names of their
// upstream projects, and renders them as YAML a person can pipe to
// `kubectl apply -f -`:
//
//   - the SR-IOV network device plugin's config.json (DevicePluginConfig)
//     and the sriovdp-config ConfigMap around it, generated from discovered
//     hardware by ResourcesFromPFs;
//   - Multus NetworkAttachmentDefinitions for Kube-OVN (KubeOVNNAD) and
//     Antrea (AntreaNAD), carrying the k8s.v1.cni.cncf.io/resourceName
//     annotation;
//   - a Pod that requests one VF through the device plugin resource and the
//     Multus default-network annotation (VFPod).
//
// It does not import the Kubernetes client libraries: the types here mirror
// only the fields the guides use. The tests unmarshal the output strictly
// (unknown fields rejected) into field-for-field mirrors of the upstream
// types, and the separate module upstreamcheck/ reads the YAML with
// sigs.k8s.io/yaml into the real k8s.io/api and CNI types.
//
// Every name that reaches an object is validated first (DNS-1123 labels and
// subdomains, extended resource names, PCI addresses, interface names);
// errors match errs.ErrInvalidArgument. The package touches no files,
// sockets or namespaces and needs no privileges.
package kube
