package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/offloadkit/offloadkit/offload"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/kube"
)

// underlayOptions are the -underlay flags: Kube-OVN's underlay network of
// guide 003 with a VF pod on it. The zero value is off.
type underlayOptions struct {
	vlanID *int // -underlay VLAN_ID; nil: not asked for
	// network, provider: the ProviderNetwork's name and defaultInterface.
	// Kube-OVN's IFACE, the cluster NIC, is install.go's -iface.
	network, provider      string
	vlan, subnet           string
	cidr, gateway, exclude string
}

// addUnderlayFlags registers the -underlay flags with guide 003's values
// as defaults.
func addUnderlayFlags(fs *flag.FlagSet, u *underlayOptions) {
	g := guideUnderlayOptions(0)
	g.vlanID = nil
	*u = g
	fs.Func("underlay", "print Kube-OVN's underlay objects (ProviderNetwork, Vlan, Subnet, NAD, a pod with a VF and one without) for VLAN `ID` (0: untagged, as guide 003)", func(s string) error {
		id, err := strconv.Atoi(s)
		if err != nil || id < 0 || id > 4095 {
			return fmt.Errorf("want a VLAN id 0 to 4095")
		}
		u.vlanID = &id
		return nil
	})
	fs.StringVar(&u.network, "underlay-network", u.network, "ProviderNetwork `name`, at most 12 characters (the guide's underlay-offload is too long for Kube-OVN)")
	fs.StringVar(&u.provider, "underlay-provider", u.provider, "the ProviderNetwork's defaultInterface `IFACE`: a switchdev PF uplink or a VF LAG bond over them")
	fs.StringVar(&u.vlan, "underlay-vlan", u.vlan, "Vlan object `name`")
	fs.StringVar(&u.subnet, "underlay-subnet", u.subnet, "Subnet `name`, also the pods' logical switch")
	fs.StringVar(&u.cidr, "underlay-cidr", u.cidr, "the Subnet's `CIDR`")
	fs.StringVar(&u.gateway, "underlay-gateway", u.gateway, "the Subnet's `gateway`, also the VF pod's default route")
	fs.StringVar(&u.exclude, "underlay-exclude", u.exclude, "comma-separated `ranges` (a..b or a) Kube-OVN must not give to pods; \"\" for none")
}

// guideUnderlayOptions returns the flags' defaults, guide 003's values,
// with VLAN id.
func guideUnderlayOptions(id int) underlayOptions {
	g := kube.GuideUnderlay()
	var ex []string
	for _, r := range g.Exclude {
		ex = append(ex, r.String())
	}
	return underlayOptions{vlanID: &id, network: g.ProviderNetwork, provider: g.Interface,
		vlan: g.Vlan, subnet: g.Subnet, cidr: g.CIDR.String(), gateway: g.Gateway.String(), exclude: strings.Join(ex, ",")}
}

// spec turns the flags into a kube.UnderlaySpec; kube.Underlay validates
// the rest.
func (u underlayOptions) spec() (kube.UnderlaySpec, error) {
	s := kube.UnderlaySpec{ProviderNetwork: u.network, Interface: u.provider, Vlan: u.vlan, VlanID: *u.vlanID, Subnet: u.subnet}
	var err error
	if s.CIDR, err = netip.ParsePrefix(u.cidr); err != nil {
		return s, errs.Invalid("-underlay-cidr", u.cidr, "want a prefix such as 10.10.204.0/24")
	}
	if s.Gateway, err = netip.ParseAddr(u.gateway); err != nil {
		return s, errs.Invalid("-underlay-gateway", u.gateway, "want an address")
	}
	if u.exclude != "" {
		for _, part := range strings.Split(u.exclude, ",") {
			r, err := kube.ParseIPRange(strings.TrimSpace(part))
			if err != nil {
				return s, fmt.Errorf("-underlay-exclude: %w", err)
			}
			s.Exclude = append(s.Exclude, r)
		}
	}
	return s, nil
}

// discoverPFs opens the host (or tree) of o and discovers its PFs.
func discoverPFs(o options) ([]offload.PF, error) {
	h, done, err := openHost(o.root, o.tree)
	if err != nil {
		return nil, err
	}
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return h.Discover(ctx)
}

// runUnderlay prints guide 003's underlay objects for the host: the
// ProviderNetwork, Vlan and Subnet, the Kube-OVN NAD backed by the VF
// resource of the provider's PFs, the pod with a VF on the underlay as a
// secondary network with its default route, and the pod without a VF;
// before them, as YAML comments (unless -install=false), Kube-OVN's
// install settings with IFACE from -iface, "" by default as the guide's
// underlay section has it (not the discovered uplink -iface defaults to
// for overlay: in underlay mode that is the PF the cluster NIC must not
// be). The provider and cluster interfaces are checked against the host
// first: an interface the host lacks (a VF LAG bond not made yet, the
// guide's bond1 on a tree without it) is a warning, a PF in the wrong
// place an error.
func runUnderlay(w, warn io.Writer, o options) error {
	if o.cni == "antrea" {
		return errors.New("-underlay is Kube-OVN's (ProviderNetwork, Vlan, Subnet): use -cni kube-ovn or both")
	}
	u, cluster := o.underlay, o.install.iface
	s, err := u.spec()
	if err != nil {
		return err
	}
	objs, err := kube.Underlay(s)
	if err != nil {
		return err
	}
	pfs, err := discoverPFs(o)
	if err != nil {
		return err
	}
	if err := kube.CheckUnderlayNICs(pfs, kube.UnderlayNICs{Provider: u.provider, Cluster: cluster}); err != nil {
		if !errors.Is(err, errs.ErrNotFound) {
			return err
		}
		fmt.Fprintf(warn, "k8sgen: warning: %v\n", err)
	}
	res, err := underlayResource(pfs, u.provider)
	if err != nil {
		return err
	}
	nad, err := kube.KubeOVNNAD(o.nadName, o.nadNamespace, res)
	if err != nil {
		return err
	}
	out := []any{objs.ProviderNetwork, objs.Vlan, objs.Subnet, nad}
	if o.withPod {
		vfPod, err := kube.SecondaryVFPod(kube.SecondaryVFPodSpec{Name: o.podName + "-underlay", Namespace: o.podNamespace,
			Image: o.image, NAD: nad, DefaultRoute: []netip.Addr{s.Gateway}, LogicalSwitch: s.Subnet})
		if err != nil {
			return err
		}
		noVF, err := kube.NoVFPod(kube.NoVFPodSpec{Name: o.podName + "-underlay-novf", Namespace: o.podNamespace,
			Image: o.image, LogicalSwitch: s.Subnet})
		if err != nil {
			return err
		}
		out = append(out, vfPod, noVF)
	}
	y, err := kube.YAML(out...)
	if err != nil {
		return err
	}
	settings, err := underlayInstall(o.install.install, cluster)
	if err != nil {
		return err
	}
	_, err = w.Write(append(settings, y...))
	return err
}

// underlayInstall renders Kube-OVN's install settings for underlay
// offload as YAML comments: HW_OFFLOAD on, ENABLE_LB off, IFACE cluster
// ("" lets Kube-OVN take the default route's NIC).
func underlayInstall(on bool, cluster string) ([]byte, error) {
	if !on {
		return nil, nil
	}
	header := fmt.Sprintf("# Kube-OVN with hardware offload, underlay (IFACE %s, -iface: checked not to be a PF or their bond).", cluster)
	if cluster == "" {
		header = `# Kube-OVN with hardware offload, underlay (IFACE "": Kube-OVN takes the NIC of the default route, which must not be a PF; -iface names another).`
	}
	var b bytes.Buffer
	if err := kubeOVNSettings(&b, cluster, header); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// underlayResource picks the device plugin resource of the VFs behind the
// provider interface: that of the PF (or the bond's PFs) it names, or the
// host's only resource when the interface is not on the host.
func underlayResource(pfs []offload.PF, provider string) (kube.ResourceName, error) {
	res, err := kube.ResourcesFromPFs(pfs)
	if err != nil {
		return kube.ResourceName{}, err
	}
	if len(res) == 0 {
		return kube.ResourceName{}, errors.New("no switchdev PF with VFs found: no VF resource for the NAD; put the eswitch in switchdev mode and create VFs first, or try -tree cx5-switchdev")
	}
	for _, pf := range pfs {
		mine := pf.Bond != nil && pf.Bond.Name == provider
		for _, nd := range pf.Netdevs {
			mine = mine || nd.Name == provider
		}
		if !mine {
			continue
		}
		if r, ok := kube.DefaultResource(pf.ID.Vendor); ok {
			for _, c := range res {
				if c.Resource() == r {
					return r, nil
				}
			}
		}
	}
	if len(res) == 1 {
		return res[0].Resource(), nil
	}
	return kube.ResourceName{}, fmt.Errorf("-underlay-provider %s is not on this host and it has %d VF resources: name the PF or bond whose VFs the pod should get", provider, len(res))
}

// runModes runs -underlay, -operator or -node-state when one was asked
// for (handled true), refusing two at once.
func runModes(w, warn io.Writer, o options) (handled bool, err error) {
	n := 0
	for _, on := range []bool{o.underlay.vlanID != nil, o.operator.enabled, o.operator.nodeState != ""} {
		if on {
			n++
		}
	}
	switch {
	case n > 1:
		return true, errors.New("-underlay, -operator and -node-state are separate modes: give one")
	case o.underlay.vlanID != nil:
		return true, runUnderlay(w, warn, o)
	case o.operator.enabled:
		return true, runOperator(w, warn, o)
	case o.operator.nodeState != "":
		return true, runNodeState(w, o)
	}
	return false, nil
}
