package kube

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Well-known names the objects carry.
const (
	// DevicePluginConfigMapName is the ConfigMap the device plugin's
	// DaemonSet mounts (sriovdp-config, key config.json).
	DevicePluginConfigMapName = "sriovdp-config"
	// AnnotationResourceName on a NetworkAttachmentDefinition tells Multus
	// which device plugin resource backs the network.
	AnnotationResourceName = "k8s.v1.cni.cncf.io/resourceName"
	// AnnotationDefaultNetwork on a Pod replaces its cluster default
	// network with a NetworkAttachmentDefinition, "namespace/name".
	AnnotationDefaultNetwork = "v1.multus-cni.io/default-network"
	// KubeOVNServerSocket is the kube-ovn daemon socket the CNI plugin
	// talks to.
	KubeOVNServerSocket = "/run/openvswitch/kube-ovn-daemon.sock"
	// CNIVersion is the CNI spec version the guides' NADs declare.
	CNIVersion = "0.3.1"
)

// ObjectMeta is the part of Kubernetes object metadata these objects use.
type ObjectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ConfigMap is a core/v1 ConfigMap.
type ConfigMap struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   ObjectMeta        `json:"metadata"`
	Data       map[string]string `json:"data"`
}

// NetworkAttachmentDefinition is a k8s.cni.cncf.io/v1 Multus network.
type NetworkAttachmentDefinition struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   ObjectMeta `json:"metadata"`
	Spec       NADSpec    `json:"spec"`
}

// NADSpec holds the CNI configuration, a JSON document in a string.
type NADSpec struct {
	Config string `json:"config"`
}

// CNIConfList is a CNI network configuration list (the NAD's config).
type CNIConfList struct {
	CNIVersion string      `json:"cniVersion"`
	Name       string      `json:"name"`
	Plugins    []CNIPlugin `json:"plugins"`
}

// CNIPlugin is one plugin of a CNIConfList, with the fields the kube-ovn,
// antrea, portmap and bandwidth plugins read.
type CNIPlugin struct {
	Type string `json:"type"`
	// ServerSocket and Provider are kube-ovn's.
	ServerSocket string          `json:"server_socket,omitempty"`
	Provider     string          `json:"provider,omitempty"`
	IPAM         *IPAM           `json:"ipam,omitempty"`
	Capabilities map[string]bool `json:"capabilities,omitempty"`
}

// IPAM selects an IPAM plugin.
type IPAM struct {
	Type string `json:"type"`
}

// Pod is a core/v1 Pod with the fields a VF pod needs.
type Pod struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   ObjectMeta `json:"metadata"`
	Spec       PodSpec    `json:"spec"`
}

// PodSpec holds the containers.
type PodSpec struct {
	Containers []Container `json:"containers"`
}

// Container is one container of a Pod.
type Container struct {
	Name      string               `json:"name"`
	Image     string               `json:"image"`
	Command   []string             `json:"command,omitempty"`
	Resources ResourceRequirements `json:"resources"`
}

// ResourceRequirements are a container's requests and limits; extended
// resources must appear in both with the same quantity.
type ResourceRequirements struct {
	Requests map[string]string `json:"requests,omitempty"`
	Limits   map[string]string `json:"limits,omitempty"`
}

// validate checks the name, the namespace, the annotation keys and the
// labels where Kubernetes constrains them. Annotation values are free text:
// YAML keeps them exactly.
func (m ObjectMeta) validate(kind string) error {
	if err := ValidateDNS1123Subdomain(kind+" name", m.Name); err != nil {
		return err
	}
	if m.Namespace != "" {
		if err := ValidateDNS1123Label(kind+" namespace", m.Namespace); err != nil {
			return err
		}
	}
	for k := range m.Annotations {
		if err := ValidateQualifiedName(kind+" annotation key", k); err != nil {
			return err
		}
	}
	for k, v := range m.Labels {
		if err := ValidateQualifiedName(kind+" label key", k); err != nil {
			return err
		}
		if err := ValidateLabelValue(kind+" label value", v); err != nil {
			return err
		}
	}
	return nil
}

// indentJSON renders v as the guides show config.json: two-space indented,
// with a trailing newline.
func indentJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// DevicePluginConfigMap wraps cfg in the sriovdp-config ConfigMap in
// namespace (kube-system in the guides).
func DevicePluginConfigMap(cfg DevicePluginConfig, namespace string) (*ConfigMap, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ValidateDNS1123Label("ConfigMap namespace", namespace); err != nil {
		return nil, err
	}
	if cfg.ResourceList == nil {
		cfg.ResourceList = []ResourceConfig{}
	}
	js, err := indentJSON(cfg)
	if err != nil {
		return nil, err
	}
	return &ConfigMap{APIVersion: "v1", Kind: "ConfigMap",
		Metadata: ObjectMeta{Name: DevicePluginConfigMapName, Namespace: namespace},
		Data:     map[string]string{"config.json": js}}, nil
}

func newNAD(name, namespace string, res ResourceName, conf CNIConfList) (*NetworkAttachmentDefinition, error) {
	meta := ObjectMeta{Name: name, Namespace: namespace, Annotations: map[string]string{AnnotationResourceName: res.String()}}
	if err := meta.validate("NetworkAttachmentDefinition"); err != nil {
		return nil, err
	}
	if namespace == "" {
		return nil, errs.Invalid("NetworkAttachmentDefinition namespace", namespace, "empty")
	}
	if err := res.Validate(); err != nil {
		return nil, err
	}
	js, err := indentJSON(conf)
	if err != nil {
		return nil, err
	}
	return &NetworkAttachmentDefinition{APIVersion: "k8s.cni.cncf.io/v1", Kind: "NetworkAttachmentDefinition", Metadata: meta, Spec: NADSpec{Config: js}}, nil
}

// KubeOVNProvider returns the Kube-OVN provider name of a NAD,
// "<name>.<namespace>.ovn".
func KubeOVNProvider(name, namespace string) string { return name + "." + namespace + ".ovn" }

// KubeOVNNAD returns the NetworkAttachmentDefinition of the Kube-OVN
// guides: the kube-ovn plugin with the daemon socket and the provider
// "<name>.<namespace>.ovn", then portmap, backed by resource res.
func KubeOVNNAD(name, namespace string, res ResourceName) (*NetworkAttachmentDefinition, error) {
	return newNAD(name, namespace, res, CNIConfList{CNIVersion: CNIVersion, Name: "kube-ovn", Plugins: []CNIPlugin{
		{Type: "kube-ovn", ServerSocket: KubeOVNServerSocket, Provider: KubeOVNProvider(name, namespace)},
		{Type: "portmap", Capabilities: map[string]bool{"portMappings": true}},
	}})
}

// AntreaNAD returns the NetworkAttachmentDefinition of the Antrea guide:
// antrea with host-local IPAM, portmap and bandwidth, backed by res.
func AntreaNAD(name, namespace string, res ResourceName) (*NetworkAttachmentDefinition, error) {
	return newNAD(name, namespace, res, CNIConfList{CNIVersion: CNIVersion, Name: "antrea", Plugins: []CNIPlugin{
		{Type: "antrea", IPAM: &IPAM{Type: "host-local"}},
		{Type: "portmap", Capabilities: map[string]bool{"portMappings": true}},
		{Type: "bandwidth", Capabilities: map[string]bool{"bandwidth": true}},
	}})
}

// VFPodSpec describes a pod that gets one VF as its default network.
type VFPodSpec struct {
	Name, Namespace string // the pod; Namespace "" leaves it to kubectl
	Image           string
	Command         []string
	// NAD is the NetworkAttachmentDefinition the pod's default network
	// comes from; its resource annotation names the resource requested.
	NAD *NetworkAttachmentDefinition
	// LogicalSwitch, for Kube-OVN NADs, puts the pod in that subnet with
	// the "<provider>.kubernetes.io/logical_switch" annotation; "" keeps
	// the default subnet.
	LogicalSwitch string
}

// validatePodNAD checks the NAD a pod names. It may have been built by
// hand: its name and namespace go into an annotation value, so they are
// checked as a NAD's would be, and the namespace must be set.
func validatePodNAD(nad *NetworkAttachmentDefinition) error {
	if nad == nil {
		return errs.Invalid("pod network", "", "no NetworkAttachmentDefinition given")
	}
	if err := nad.Metadata.validate("NetworkAttachmentDefinition"); err != nil {
		return err
	}
	if nad.Metadata.Namespace == "" {
		return errs.Invalid("NetworkAttachmentDefinition namespace", "", "empty: the pod's annotation must name it")
	}
	return nil
}

// VFPod returns the pod of the guides: the Multus default-network
// annotation pointing at the NAD, one unit of the NAD's resource in both
// requests and limits, and for Kube-OVN the optional logical switch.
func VFPod(s VFPodSpec) (*Pod, error) {
	if err := validatePodNAD(s.NAD); err != nil {
		return nil, err
	}
	meta := ObjectMeta{Name: s.Name, Namespace: s.Namespace, Annotations: map[string]string{
		AnnotationDefaultNetwork: s.NAD.Metadata.Namespace + "/" + s.NAD.Metadata.Name,
	}}
	if err := meta.validate("Pod"); err != nil {
		return nil, err
	}
	if err := ValidateCommand("container command", s.Command); err != nil {
		return nil, err
	}
	if err := ValidateDNS1123Label("Pod name", s.Name); err != nil {
		return nil, err
	}
	if err := validateImage(s.Image); err != nil {
		return nil, err
	}
	res, err := ParseResourceName(s.NAD.Metadata.Annotations[AnnotationResourceName])
	if err != nil {
		return nil, err
	}
	if s.LogicalSwitch != "" {
		var conf CNIConfList
		if err := json.Unmarshal([]byte(s.NAD.Spec.Config), &conf); err != nil {
			return nil, errs.Invalid("NetworkAttachmentDefinition config", s.NAD.Metadata.Name, err.Error())
		}
		provider := ""
		for _, p := range conf.Plugins {
			if p.Type == "kube-ovn" {
				provider = p.Provider
			}
		}
		if provider == "" {
			return nil, errs.Invalid("logical switch", s.LogicalSwitch, "only Kube-OVN NADs (with a provider) take a logical switch")
		}
		if err := ValidateDNS1123Subdomain("logical switch", s.LogicalSwitch); err != nil {
			return nil, err
		}
		// The provider comes from the NAD's config, which may be hand-made:
		// the key it makes must still be a Kubernetes annotation key.
		key := provider + ".kubernetes.io/logical_switch"
		if err := ValidateQualifiedName("Kube-OVN provider annotation key", key); err != nil {
			return nil, err
		}
		meta.Annotations[key] = s.LogicalSwitch
	}
	q := map[string]string{res.String(): "1"}
	return &Pod{APIVersion: "v1", Kind: "Pod", Metadata: meta, Spec: PodSpec{Containers: []Container{{
		Name: s.Name, Image: s.Image, Command: slices.Clone(s.Command),
		Resources: ResourceRequirements{Requests: q, Limits: map[string]string{res.String(): "1"}},
	}}}}, nil
}
