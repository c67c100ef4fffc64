package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/offload/kube"
)

func runK8s(ctx context.Context, e env, args []string) error {
	var c common
	var cni, cfgNS, nadName, nadNS, podName, podNS, image, ls string
	var withPod bool
	fs := newFlags(e, "k8s", "[-tree NAME | -root DIR] [-cni kube-ovn|antrea|both] [-o json]")
	c.register(fs, true, 30*time.Second)
	fs.StringVar(&cni, "cni", "both", "NADs for `CNI`: kube-ovn, antrea or both")
	fs.StringVar(&cfgNS, "namespace", "kube-system", "`namespace` of the device plugin ConfigMap")
	fs.StringVar(&nadName, "nad-name", "sriov", "`name` of the NetworkAttachmentDefinition (Antrea's gets an -antrea suffix with -cni both)")
	fs.StringVar(&nadNS, "nad-namespace", "default", "`namespace` of the NetworkAttachmentDefinitions")
	fs.BoolVar(&withPod, "pod", true, "print a sample pod requesting a VF")
	fs.StringVar(&podName, "pod-name", "nginx", "`name` of the sample pod")
	fs.StringVar(&podNS, "pod-namespace", "default", "`namespace` of the sample pod")
	fs.StringVar(&image, "image", "docker.io/library/nginx:alpine", "container `image` of the sample pod")
	fs.StringVar(&ls, "logical-switch", "", "Kube-OVN `subnet` for the sample pod (default: the default subnet)")
	// k8s prints YAML by default: its "table" is the YAML for kubectl.
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if c.listTrees(e.stdout) {
		return nil
	}
	kubeOVN, antrea := false, false
	switch cni {
	case "kube-ovn":
		kubeOVN = true
	case "antrea":
		antrea = true
	case "both":
		kubeOVN, antrea = true, true
	default:
		return usagef("-cni %q: want kube-ovn, antrea or both", cni)
	}
	if ls != "" && !kubeOVN {
		return usagef("-logical-switch needs a Kube-OVN NAD (-cni kube-ovn or both)")
	}
	h, done, err := c.openHost(nil)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	pfs, err := h.Discover(ctx)
	if err != nil {
		return err
	}
	// isRdma as examples/k8sgen sets it: for Antrea alone (guide 001).
	res, err := kube.ResourcesFromPFsWith(pfs, kube.ResourcesOptions{RDMA: antrea && !kubeOVN})
	if err != nil {
		return err
	}
	cm, err := kube.DevicePluginConfigMap(kube.DevicePluginConfig{ResourceList: res}, cfgNS)
	if err != nil {
		return usageError{err}
	}
	objs := []any{cm}
	if len(res) == 0 {
		fmt.Fprintln(e.stderr, "offloadctl k8s: no switchdev PF with VFs found; the ConfigMap has no resources and no NADs or pods are printed (try -tree cx5-switchdev, or offloadctl apply first)")
	}
	for i, r := range res {
		suffix := ""
		if len(res) > 1 {
			suffix = "-" + strings.ReplaceAll(r.ResourceName, "_", "-")
		}
		var podNAD *kube.NetworkAttachmentDefinition
		if kubeOVN {
			nad, err := kube.KubeOVNNAD(nadName+suffix, nadNS, r.Resource())
			if err != nil {
				return usageError{err}
			}
			objs = append(objs, nad)
			podNAD = nad
		}
		if antrea {
			name := nadName + suffix
			if kubeOVN {
				name += "-antrea"
			}
			nad, err := kube.AntreaNAD(name, nadNS, r.Resource())
			if err != nil {
				return usageError{err}
			}
			objs = append(objs, nad)
			if podNAD == nil {
				podNAD = nad
			}
		}
		if withPod {
			name := podName
			if len(res) > 1 {
				name = fmt.Sprintf("%s-%d", podName, i)
			}
			l := ""
			if kubeOVN {
				l = ls
			}
			pod, err := kube.VFPod(kube.VFPodSpec{Name: name, Namespace: podNS, Image: image, NAD: podNAD, LogicalSwitch: l})
			if err != nil {
				return usageError{err}
			}
			objs = append(objs, pod)
		}
	}
	if c.json() {
		return writeJSON(e.stdout, objs)
	}
	y, err := kube.YAML(objs...)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(y)
	return err
}
