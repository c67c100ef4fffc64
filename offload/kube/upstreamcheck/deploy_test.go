package upstreamcheck

import (
	"os"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// deployDoc reads a file of deploy/ (one object) into JSON.
func deployDoc(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../../../deploy/" + name)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: sigs.k8s.io/yaml: %v", name, err)
	}
	return js
}

// TestDeployIntoUpstreamTypes decodes the agent's DaemonSet and ConfigMap
// strictly into apps/v1 and core/v1, and checks what the agent needs from
// them: privileged, hostNetwork, the host's /sys and /proc below -root,
// the OVS run directory, the config file the ConfigMap provides, and
// probes on the agent's /readyz and /healthz.
func TestDeployIntoUpstreamTypes(t *testing.T) {
	t.Parallel()
	var ds appsv1.DaemonSet
	strict(t, deployDoc(t, "daemonset.yaml"), &ds)
	var cm corev1.ConfigMap
	strict(t, deployDoc(t, "configmap.yaml"), &cm)

	if ds.Kind != "DaemonSet" || ds.APIVersion != "apps/v1" || cm.Kind != "ConfigMap" {
		t.Fatalf("kinds %s/%s, %s", ds.APIVersion, ds.Kind, cm.Kind)
	}
	spec := ds.Spec.Template.Spec
	if !spec.HostNetwork {
		t.Error("DaemonSet without hostNetwork: devlink, tc and the representors live in the host namespace")
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers", len(spec.Containers))
	}
	c := spec.Containers[0]
	if c.SecurityContext == nil || c.SecurityContext.Privileged == nil || !*c.SecurityContext.Privileged {
		t.Error("agent container is not privileged")
	}
	if len(c.Args) == 0 || c.Args[0] != "agent" {
		t.Errorf("args %v: want the agent subcommand", c.Args)
	}
	args := strings.Join(c.Args, " ")
	for _, a := range []string{"-root=/host", "-host-kernel", "-config=/etc/offloadkit/node.yaml", "-ovs-rundir=/var/run/openvswitch"} {
		if !strings.Contains(args, a) {
			t.Errorf("args %q lack %s", args, a)
		}
	}
	hostPaths := map[string]string{} // volume name -> host path
	cmVolume := ""
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			hostPaths[v.Name] = v.HostPath.Path
		}
		if v.ConfigMap != nil && v.ConfigMap.Name == cm.Name {
			cmVolume = v.Name
		}
	}
	mounts := map[string]string{} // mount path -> host path or "configmap"
	for _, m := range c.VolumeMounts {
		if p, ok := hostPaths[m.Name]; ok {
			mounts[m.MountPath] = p
		} else if m.Name == cmVolume {
			mounts[m.MountPath] = "configmap"
		}
	}
	for mp, hp := range map[string]string{"/host/sys": "/sys", "/host/proc": "/proc", "/var/run/openvswitch": "/var/run/openvswitch",
		"/host/run/offloadkit": "/run/offloadkit", "/etc/offloadkit": "configmap"} {
		if mounts[mp] != hp {
			t.Errorf("mount %s is %q, want %s", mp, mounts[mp], hp)
		}
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" ||
		c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Error("probes are not on /readyz and /healthz")
	}
	if ds.Spec.Template.Annotations["prometheus.io/port"] != "9478" || !strings.Contains(args, "-listen=:9478") {
		t.Errorf("scrape annotation port %q and -listen disagree", ds.Spec.Template.Annotations["prometheus.io/port"])
	}
	if _, ok := cm.Data["node.yaml"]; !ok {
		t.Errorf("ConfigMap has no node.yaml: %v", cm.Data)
	}
	// The node config itself is checked by cmd/offloadctl's tests, with
	// the agent's own strict decoder.
}
