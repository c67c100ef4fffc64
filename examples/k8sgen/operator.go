package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/kube"
)

// operatorOptions are the -operator flags: the sriov-network-operator path
// of guide 003. The zero value is off.
type operatorOptions struct {
	enabled         bool // -operator
	name, namespace string
	numVfs          int
	resource        string
	rdma            bool
	priority        int    // -1: leave the operator's default
	nodeState       string // -node-state FILE: compare instead of generate
}

// addOperatorFlags registers the -operator flags with guide 003's values
// as defaults.
func addOperatorFlags(fs *flag.FlagSet, p *operatorOptions) {
	*p = guideOperatorOptions()
	p.enabled = false
	fs.BoolVar(&p.enabled, "operator", false, "print SriovNetworkNodePolicy objects for the sriov-network-operator (guide 003) instead of the device plugin objects")
	fs.StringVar(&p.name, "operator-name", p.name, "policy `name` (-<resource> is added with several vendors)")
	fs.StringVar(&p.namespace, "operator-namespace", p.namespace, "the operator's `namespace`")
	fs.IntVar(&p.numVfs, "operator-numvfs", p.numVfs, "`VFs` per PF (at most each PF's sriov_totalvfs)")
	fs.StringVar(&p.resource, "operator-resource", p.resource, "resource `name` without prefix (default: cx_sriov_switchdev for Mellanox, as guide 003)")
	fs.BoolVar(&p.rdma, "operator-rdma", p.rdma, "set isRdma in the policies")
	fs.IntVar(&p.priority, "operator-priority", p.priority, "policy `priority` 0 to 99 (default: unset, the operator's 99)")
	fs.StringVar(&p.nodeState, "node-state", p.nodeState, "compare the SriovNetworkNodeState in `FILE` (kubectl get sriovnetworknodestates NODE -o yaml) with this host and print the differences; exit status 1 when there are any")
}

// guideOperatorOptions returns the flags' defaults, guide 003's values,
// with -operator on.
func guideOperatorOptions() operatorOptions {
	g := kube.GuidePolicy()
	return operatorOptions{enabled: true, name: g.Name, namespace: g.Namespace, numVfs: g.NumVfs, resource: g.ResourceName, priority: -1}
}

// runOperator prints one SriovNetworkNodePolicy per vendor for the host's
// PFs, and on warn the PFs left out and why.
func runOperator(w, warn io.Writer, o options) error {
	p := o.operator
	cfg := kube.PolicyConfig{Name: p.name, Namespace: p.namespace, NumVfs: p.numVfs, ResourceName: p.resource, IsRdma: p.rdma}
	if p.priority >= 0 {
		prio := p.priority
		cfg.Priority = &prio
	} else if p.priority != -1 {
		return errs.Invalid("-operator-priority", fmt.Sprint(p.priority), "want 0 to 99, or -1 for the operator's default")
	}
	pfs, err := discoverPFs(o)
	if err != nil {
		return err
	}
	policies, skipped, err := kube.PoliciesFromPFs(pfs, cfg)
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintf(warn, "k8sgen: PF %s left out: %s\n", s.PF, s.Reason)
	}
	if len(policies) == 0 {
		fmt.Fprintln(warn, "k8sgen: no PF the sriov-network-operator can put in switchdev mode (Mellanox, Intel E810); no policy printed.")
		return nil
	}
	objs := make([]any, len(policies))
	for i, pol := range policies {
		objs[i] = pol
	}
	y, err := kube.YAML(objs...)
	if err != nil {
		return err
	}
	_, err = w.Write(y)
	return err
}

// errDiffers makes k8sgen exit 1 after -node-state printed differences.
type errDiffers int

func (e errDiffers) Error() string {
	return fmt.Sprintf("the node state and the host differ in %d places", int(e))
}

// runNodeState compares a SriovNetworkNodeState with the host and prints
// one line per difference.
func runNodeState(w io.Writer, o options) error {
	data, err := os.ReadFile(o.operator.nodeState)
	if err != nil {
		return err
	}
	st, err := kube.ParseNodeState(data)
	if err != nil {
		return fmt.Errorf("%s: %w", o.operator.nodeState, err)
	}
	pfs, err := discoverPFs(o)
	if err != nil {
		return err
	}
	diffs := kube.CompareNodeState(st, pfs)
	for _, d := range diffs {
		fmt.Fprintln(w, d)
	}
	if len(diffs) > 0 {
		return errDiffers(len(diffs))
	}
	fmt.Fprintf(w, "node state %s agrees with this host (%d PFs)\n", st.Metadata.Name, len(pfs))
	return nil
}
