package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/kube"
)

// installOptions are the flags for the CNI install settings (issue 15
// item 3) and the device plugin selectors' choices (item 9).
type installOptions struct {
	install  bool   // print the install settings of the -cni CNIs
	iface    string // Kube-OVN IFACE; "" takes the discovered uplink or bond
	vfRanges bool   // pfNames with the VF index range
}

func (in *installOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&in.install, "install", true, "print the install settings with hardware offload on for the -cni CNIs, as YAML comments before the objects")
	fs.StringVar(&in.iface, "iface", "", "Kube-OVN IFACE `interface` (default: the bond or uplink of the first offload PF)")
	fs.BoolVar(&in.vfRanges, "pf-vf-ranges", false, "limit each pfNames selector to the VFs that exist now (\"p0#0-6\"); stale once sriov_numvfs changes")
}

// resourcesOptions picks the device plugin choices for the CNIs asked
// for. isRdma (guide 001) is set only with -cni antrea: with -cni both
// the one ConfigMap serves both CNIs, and isRdma would drop VFs without
// an RDMA device (mlx5_ib not loaded) from Kube-OVN's pool too, where no
// Kube-OVN guide asks for it; a note on warn says so when it matters.
func (in installOptions) resourcesOptions(kubeOVN, antrea bool, pfs []offload.PF, warn io.Writer) kube.ResourcesOptions {
	o := kube.ResourcesOptions{VFRanges: in.vfRanges, RDMA: antrea && !kubeOVN}
	if antrea && kubeOVN {
		for _, pf := range pfs {
			if pf.ID.Vendor == offload.VendorMellanox && pf.ESwitchMode == offload.ESwitchModeSwitchdev && len(pf.VFs) > 0 {
				fmt.Fprintln(warn, "k8sgen: -cni both leaves isRdma out of the Mellanox resource (the Kube-OVN guides' form); -cni antrea sets it as the Antrea guide does.")
				break
			}
		}
	}
	return o
}

// installSettings renders the install settings of the CNIs as a block
// of YAML comments, so the output stays one stream for kubectl apply.
// It returns nothing when asked for nothing, and nothing (with a note on
// warn) for Kube-OVN when no IFACE was found or given.
func (in installOptions) installSettings(kubeOVN, antrea bool, pfs []offload.PF, warn io.Writer) ([]byte, error) {
	if in.iface != "" {
		if !kubeOVN {
			return nil, errors.New("-iface needs Kube-OVN (-cni kube-ovn or both)")
		}
		if err := errs.ValidateIfName(in.iface); err != nil {
			return nil, fmt.Errorf("-iface: %w", err)
		}
	}
	if !in.install {
		return nil, nil
	}
	var b bytes.Buffer
	if kubeOVN {
		iface, from := in.iface, "-iface"
		if iface == "" {
			iface, _ = kube.OffloadIface(pfs)
			from = "the uplink of the first offload PF"
			for _, pf := range pfs {
				if pf.Bond != nil && pf.Bond.Name == iface {
					from = "the bond of the first offload PF, for VF LAG"
				}
			}
		}
		if iface == "" {
			fmt.Fprintln(warn, "k8sgen: no offload PF with VFs and no -iface: the Kube-OVN install settings are not printed.")
		} else {
			if err := kubeOVNSettings(&b, iface, fmt.Sprintf("# Kube-OVN with hardware offload (IFACE %s: %s).", iface, from)); err != nil {
				return nil, err
			}
		}
	}
	if antrea {
		a := kube.AntreaOffloadInstall()
		py, err := kube.YAML(a.AgentPatch())
		if err != nil {
			return nil, err
		}
		vy, err := kube.YAML(a.HelmValues())
		if err != nil {
			return nil, err
		}
		if b.Len() > 0 {
			fmt.Fprintln(&b, "#")
		}
		fmt.Fprintf(&b, "# Antrea with hardware offload: the %s container runs %s.\n", kube.AntreaOVSContainer, strings.Join(a.OVSCommand(), " "))
		fmt.Fprintf(&b, "# Installed from build/yamls/antrea.yml: kubectl -n kube-system patch daemonset %s --patch-file FILE with\n", kube.AntreaAgentDaemonSet)
		comment(&b, string(py))
		fmt.Fprintln(&b, "# or install the chart (build/charts/antrea) with these values (helm install -f FILE):")
		comment(&b, string(vy))
	}
	return b.Bytes(), nil
}

// kubeOVNSettings writes the header line, then Kube-OVN's install.sh lines
// and Helm values with hardware offload on and IFACE iface, as YAML
// comments.
func kubeOVNSettings(b *bytes.Buffer, iface, header string) error {
	k, err := kube.KubeOVNOffloadInstall(iface)
	if err != nil {
		return err
	}
	sh, err := k.InstallSh()
	if err != nil {
		return err
	}
	v, err := k.HelmValues()
	if err != nil {
		return err
	}
	vy, err := kube.YAML(v)
	if err != nil {
		return err
	}
	fmt.Fprintln(b, header)
	fmt.Fprintln(b, "# Set these lines in install.sh (kubeovn/kube-ovn release-1.12, dist/images/install.sh):")
	comment(b, sh)
	fmt.Fprintln(b, "# or install the chart (charts/kube-ovn) with these values (helm install -f FILE):")
	comment(b, string(vy))
	return nil
}

// comment writes text as indented YAML comment lines.
func comment(w io.Writer, text string) {
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fmt.Fprintln(w, "#   "+l)
	}
}
