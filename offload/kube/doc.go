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
//     Multus default-network annotation (VFPod);
//   - the CNIs' install settings with hardware offload on: Kube-OVN's
//     install.sh variables and the Helm values they map to
//     (KubeOVNInstall, with IFACE from OffloadIface), and Antrea's
//     start_ovs --hw-offload as a patch of the antrea-agent DaemonSet or
//     the chart's ovs.hwOffload (AntreaInstall);
//   - Kube-OVN's underlay network of guide 003 (Underlay: ProviderNetwork,
//     Vlan, Subnet), a pod with a VF on it as a secondary network that
//     takes its default route (SecondaryVFPod) and a pod in it without a
//     VF (NoVFPod), with CheckUnderlayNICs saying whether the provider and
//     cluster interfaces suit offload on the discovered host;
//   - the sriov-network-operator's SriovNetworkNodePolicy generated from
//     discovered PFs (PoliciesFromPFs), and its SriovNetworkNodeState read
//     from kubectl's YAML or JSON (ParseNodeState) and compared with what
//     the host reports (CompareNodeState).
//
// It does not import the Kubernetes client libraries: the types here mirror
// only the fields the guides use. The tests unmarshal the output strictly
// (unknown fields rejected) into field-for-field mirrors of the upstream
// types, and the separate module upstreamcheck/ reads the YAML with
// sigs.k8s.io/yaml into the real k8s.io/api, CNI, Multus and Kube-OVN
// types, and checks the operator's objects against its CRD schemas.
//
// Every name that reaches an object is validated first (DNS-1123 labels and
// subdomains, extended resource names, annotation and label keys, label
// values, PCI addresses, interface names, container images), and container
// commands are checked for what no process argument can hold (NUL,
// invalid UTF-8); errors match errs.ErrInvalidArgument. The package
// touches no files, sockets or namespaces and needs no privileges.
//
// # YAML
//
// YAML is not written by hand here: objects are encoded with encoding/json
// (so the JSON tags decide names and omissions), and the JSON is emitted as
// YAML by go.yaml.in/yaml/v3, the YAML organisation's maintained
// continuation of gopkg.in/yaml.v3 and the emitter sigs.k8s.io/yaml v1.6.0
// itself builds on, pinned at v3.0.4. Every string is a !!str scalar
// whose style this package picks from its content (plain only for simple
// words, a literal block for multi-line printable ASCII, double quotes
// with escapes for everything else), so no string value can become
// structure: a command holding U+2028, U+2029 or U+0085, which YAML
// parsers take for line breaks when written raw, is written "\L", "\P",
// "\N". sigs.k8s.io/yaml's own functions were measured and not used:
// JSONToYAML (yaml.v2's emitter) writes "\u0085y" as ' y', losing the
// character, and refuses U+007F; its kyaml encoder writes U+00A0 or U+2028
// at the start of a continuation line as a literal backslash sequence. The
// fuzz target FuzzYAMLRoundTrip checks the property with arbitrary
// strings, decoding with gopkg.in/yaml.v3 and sigs.k8s.io/yaml (test-only
// dependencies), and the module upstreamcheck decodes into k8s.io/api.
package kube
