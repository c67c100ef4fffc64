// Command k8sgen prints the Kubernetes objects an offload deployment needs
// for a host's SmartNICs, ready for `kubectl apply -f -`: the SR-IOV network
// device plugin ConfigMap (sriovdp-config) with one resource per vendor
// holding every VF of the switchdev PFs, a Multus NetworkAttachmentDefinition
// per resource for Kube-OVN and/or Antrea, and a sample pod that requests a
// VF. It reads the host it runs on (read-only), a sysfs tree copied
// elsewhere (-root DIR), or a bundled offloadtest tree (-tree NAME; -tree
// list lists them), with the same flags as examples/discover. Before the
// objects, as YAML comments, it prints the -cni CNIs' install settings with
// hardware offload on (-install=false leaves them out; see install.go):
// Kube-OVN's install.sh lines and Helm values, Antrea's antrea-agent patch
// and Helm values. With -cni antrea the Mellanox resource gets isRdma, as
// the Antrea guide's ConfigMap has it; -cni both leaves it out.
//
//	go run ./examples/k8sgen -tree cx5-switchdev | kubectl apply -f -
//	go run ./examples/k8sgen -cni antrea -nad-namespace kube-system
//	go run ./examples/k8sgen -tree cx5-switchdev -underlay 0   # guide 003's underlay (underlay.go)
//	go run ./examples/k8sgen -tree cx5-switchdev -operator     # sriov-network-operator policies (operator.go)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/kube"
	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

type options struct {
	root, tree            string
	cni                   string // kube-ovn, antrea or both
	configNamespace       string
	nadName, nadNamespace string
	podName, podNamespace string
	image, logicalSwitch  string
	withPod               bool
	install               installOptions // install.go
	underlay              underlayOptions
	operator              operatorOptions
}

func main() {
	var o options
	flag.StringVar(&o.root, "root", "/", "read sysfs below `DIR` (DIR/sys)")
	flag.StringVar(&o.tree, "tree", "", "use the bundled offloadtest tree `NAME` (\"list\" lists them)")
	flag.StringVar(&o.cni, "cni", "both", "NADs for `CNI`: kube-ovn, antrea or both")
	flag.StringVar(&o.configNamespace, "namespace", "kube-system", "`namespace` of the device plugin ConfigMap")
	flag.StringVar(&o.nadName, "nad-name", "sriov", "`name` of the NetworkAttachmentDefinition (Antrea's gets an -antrea suffix with -cni both)")
	flag.StringVar(&o.nadNamespace, "nad-namespace", "default", "`namespace` of the NetworkAttachmentDefinitions")
	flag.BoolVar(&o.withPod, "pod", true, "print a sample pod requesting a VF")
	flag.StringVar(&o.podName, "pod-name", "nginx", "`name` of the sample pod")
	flag.StringVar(&o.podNamespace, "pod-namespace", "default", "`namespace` of the sample pod")
	flag.StringVar(&o.image, "image", "docker.io/library/nginx:alpine", "container `image` of the sample pod")
	flag.StringVar(&o.logicalSwitch, "logical-switch", "", "Kube-OVN `subnet` for the sample pod (default: the default subnet)")
	o.install.register(flag.CommandLine)
	addUnderlayFlags(flag.CommandLine, &o.underlay)
	addOperatorFlags(flag.CommandLine, &o.operator)
	flag.Parse()
	if err := run(os.Stdout, os.Stderr, o); err != nil {
		fmt.Fprintln(os.Stderr, "k8sgen:", err)
		os.Exit(1)
	}
}

// openHost opens the host at root, or a fresh build of the bundled tree
// (removed by the returned cleanup) with its whole fake kernel attached,
// as discover and switchdev do: sysfs alone would leave rtnetlink, devlink
// and ethtool questions about the tree's devices to the real kernel.
func openHost(root, tree string) (*offload.Host, func(), error) {
	if tree == "" {
		h, err := offload.Open(offload.Config{Root: root})
		if err != nil {
			return nil, nil, err
		}
		return h, func() { h.Close() }, nil
	}
	spec, ok := offloadtest.ByName(tree)
	if !ok {
		return nil, nil, fmt.Errorf("no bundled tree %q; -tree list shows them", tree)
	}
	dir, err := os.MkdirTemp("", "offloadkit-"+tree)
	if err != nil {
		return nil, nil, err
	}
	tr, err := offloadtest.Build(dir, spec)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	h, err := tr.Open()
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return h, func() { h.Close(); os.RemoveAll(dir) }, nil
}

func run(w, warn io.Writer, o options) error {
	if o.tree == "list" {
		for _, n := range offloadtest.Names() {
			s, _ := offloadtest.ByName(n)
			fmt.Fprintf(w, "%-14s %s\n", n, s.Description)
		}
		return nil
	}
	if handled, err := runModes(w, warn, o); handled {
		return err
	}
	kubeOVN, antrea := false, false
	switch o.cni {
	case "kube-ovn":
		kubeOVN = true
	case "antrea":
		antrea = true
	case "both":
		kubeOVN, antrea = true, true
	default:
		return fmt.Errorf("-cni %q: want kube-ovn, antrea or both", o.cni)
	}
	h, done, err := openHost(o.root, o.tree)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pfs, err := h.Discover(ctx)
	if err != nil {
		return err
	}
	res, err := kube.ResourcesFromPFsWith(pfs, o.install.resourcesOptions(kubeOVN, antrea, pfs, warn))
	if err != nil {
		return err
	}
	settings, err := o.install.installSettings(kubeOVN, antrea, pfs, warn)
	if err != nil {
		return err
	}
	cm, err := kube.DevicePluginConfigMap(kube.DevicePluginConfig{ResourceList: res}, o.configNamespace)
	if err != nil {
		return err
	}
	objs := []any{cm}
	if len(res) == 0 {
		fmt.Fprintln(warn, "k8sgen: no switchdev PF with VFs found; the ConfigMap has no resources and no NADs or pods are printed.")
		fmt.Fprintln(warn, "k8sgen: put the eswitch in switchdev mode and create VFs first, or try -tree cx5-switchdev.")
	}
	for i, r := range res {
		suffix := ""
		if len(res) > 1 {
			suffix = "-" + strings.ReplaceAll(r.ResourceName, "_", "-")
		}
		var podNAD *kube.NetworkAttachmentDefinition
		if kubeOVN {
			nad, err := kube.KubeOVNNAD(o.nadName+suffix, o.nadNamespace, r.Resource())
			if err != nil {
				return err
			}
			objs = append(objs, nad)
			podNAD = nad
		}
		if antrea {
			name := o.nadName + suffix
			if kubeOVN {
				name += "-antrea"
			}
			nad, err := kube.AntreaNAD(name, o.nadNamespace, r.Resource())
			if err != nil {
				return err
			}
			objs = append(objs, nad)
			if podNAD == nil {
				podNAD = nad
			}
		}
		if o.withPod {
			name := o.podName
			if len(res) > 1 {
				name = fmt.Sprintf("%s-%d", o.podName, i)
			}
			ls := ""
			if kubeOVN {
				ls = o.logicalSwitch
			} else if o.logicalSwitch != "" {
				return errors.New("-logical-switch needs a Kube-OVN NAD (-cni kube-ovn or both)")
			}
			pod, err := kube.VFPod(kube.VFPodSpec{Name: name, Namespace: o.podNamespace, Image: o.image, NAD: podNAD, LogicalSwitch: ls})
			if err != nil {
				return err
			}
			objs = append(objs, pod)
		}
	}
	y, err := kube.YAML(objs...)
	if err != nil {
		return err
	}
	_, err = w.Write(append(settings, y...))
	return err
}
