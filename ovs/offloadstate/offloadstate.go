package offloadstate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/ovs/ovsdb"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
	"github.com/offloadkit/offloadkit/tc"
)

// State is the answer of Check.
type State uint8

// The three answers.
const (
	// Unknown: the check could not tell; Result.Reason says why.
	Unknown State = iota
	// InEffect: the running ovs-vswitchd offloads datapath flows.
	InEffect
	// NotInEffect: it does not; Result.Reason says why.
	NotInEffect
)

// String returns "unknown", "in-effect" or "not-in-effect".
func (s State) String() string {
	switch s {
	case InEffect:
		return "in-effect"
	case NotInEffect:
		return "not-in-effect"
	case Unknown:
		return "unknown"
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText returns String.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Evidence is one thing the check looked at and what it showed.
type Evidence struct {
	// Source is where: "unixctl upcall/show", "ovsdb other_config",
	// "kernel qdiscs of eth0".
	Source string `json:"source"`
	// Says is what it showed, in words.
	Says string `json:"says"`
	// Err is why it could not be read, "" when it was.
	Err string `json:"error,omitempty"`
}

// Datapath is one datapath of the running daemon.
type Datapath struct {
	// Name is the dpif name: "system@ovs-system", "netdev@ovs-netdev".
	Name string `json:"name"`
	// Type is "system" (kernel) or "netdev" (userspace).
	Type string `json:"type"`
	// FlowAPI says whether at least one port has an initialised flow API;
	// nil when the daemon did not say (version, error).
	FlowAPI *bool `json:"flow_api"`
	// OffloadedFlows is the daemon's count of flows in its flow API
	// providers, when FlowAPI is true.
	OffloadedFlows uint64 `json:"offloaded_flows"`
	// Ports are the datapath's ports from dpif/show.
	Ports []Port `json:"ports"`
}

// Port is a datapath port and what the kernel shows for it.
type Port struct {
	Bridge string `json:"bridge"`
	Name   string `json:"name"`
	// Type is the netdev type dpif/show prints ("system", "internal",
	// "tap", "dpdk", "geneve").
	Type string `json:"type"`
	// WantQdisc is the qdisc OVS's TC provider adds to this port
	// ("ingress", or "clsact" for an internal port); "" when the kernel
	// is not consulted for it (userspace datapath, tunnel vports).
	WantQdisc string `json:"want_qdisc,omitempty"`
	// Qdiscs are the kinds of the port's ingress-side qdiscs, when read.
	Qdiscs []string `json:"qdiscs,omitempty"`
	// HasQdisc reports whether WantQdisc is among them.
	HasQdisc bool `json:"has_qdisc"`
	// Err is why the qdiscs could not be read ("" when read or not asked).
	Err string `json:"error,omitempty"`
}

// Result is the answer and the evidence for it.
type Result struct {
	State State `json:"state"`
	// Reason says why, for every state: what showed offload in effect,
	// why it is not, or why the check could not tell.
	Reason string `json:"reason"`
	// Version is ovs-vswitchd's version, "" when not read.
	Version string `json:"version,omitempty"`
	// Configured is other_config:hw-offload as OVSDB holds it (true when
	// "true" in any case, as OVS reads it); nil when OVSDB was not read.
	Configured *bool `json:"configured"`
	// Datapaths are the running daemon's datapaths.
	Datapaths []Datapath `json:"datapaths"`
	// Evidence lists everything read, in order.
	Evidence []Evidence `json:"evidence"`

	cause error // the error that left the answer open, for Err
}

// Err returns the answer as a feature probe does: nil when InEffect, an
// error matching errs.ErrNotApplied when NotInEffect, and otherwise an
// error saying why the check could not tell (wrapping the cause, such as
// errs.ErrPermission or errs.ErrTimeout, when there was one).
func (r Result) Err() error {
	switch r.State {
	case InEffect:
		return nil
	case NotInEffect:
		return &errs.Error{Op: "ovs-vswitchd hardware offload", Err: fmt.Errorf("%w: %s", errs.ErrNotApplied, r.Reason)}
	}
	if r.cause != nil {
		return &errs.Error{Op: "ovs-vswitchd hardware offload: could not tell", Err: fmt.Errorf("%s: %w", r.Reason, r.cause)}
	}
	return &errs.Error{Op: "ovs-vswitchd hardware offload: could not tell", Err: errors.New(r.Reason)}
}

// Config names the clients Check uses. Only Unixctl is required.
type Config struct {
	// Unixctl is connected to the running ovs-vswitchd's control socket.
	// Without it the answer is Unknown.
	Unixctl *unixctl.Client
	// OVSDB, if set, reads other_config:hw-offload to explain a
	// NotInEffect answer.
	OVSDB *ovsdb.Client
	// TC, if set, lists the qdiscs of the kernel datapath's ports. It
	// must be dialled in ovs-vswitchd's network namespace.
	TC *tc.Client
}

// Check asks the running ovs-vswitchd, and the kernel, whether hardware
// offload is in effect. It never fails: errors are evidence, and an
// error that leaves the question open makes the answer Unknown with the
// reason. ctx bounds every call.
func Check(ctx context.Context, cfg Config) Result {
	var r Result
	if cfg.Unixctl == nil {
		r.Reason = "no unixctl client: the running ovs-vswitchd was not asked"
		return r
	}
	uc := cfg.Unixctl

	v, err := uc.Version(ctx)
	if err != nil {
		return r.unknown(err, "unixctl version", "cannot talk to ovs-vswitchd over its control socket")
	}
	r.Version = v.Version
	r.add("unixctl version", strings.TrimSpace(firstLine(v.Raw)), nil)

	if cfg.OVSDB != nil {
		oc, err := cfg.OVSDB.OffloadConfig(ctx)
		if err != nil {
			r.add("ovsdb other_config", "", err)
		} else {
			on := oc.HWOffload
			r.Configured = &on
			r.add("ovsdb other_config", "hw-offload "+onOff(on)+", tc-policy "+orDefault(string(oc.TCPolicy), "none (default)"), nil)
		}
	}

	dps, err := uc.DpifShow(ctx)
	if err != nil {
		return r.unknown(err, "unixctl dpif/show", "cannot list the daemon's datapaths")
	}
	for _, dp := range dps {
		d := Datapath{Name: dp.Type + "@" + dp.Name, Type: dp.Type}
		for _, br := range dp.Bridges {
			for _, p := range br.Ports {
				d.Ports = append(d.Ports, Port{Bridge: br.Name, Name: p.Name, Type: p.Type})
			}
		}
		r.Datapaths = append(r.Datapaths, d)
	}
	r.add("unixctl dpif/show", describeDatapaths(r.Datapaths), nil)
	if len(r.Datapaths) == 0 {
		r.Reason = "ovs-vswitchd has no datapath yet (no bridge): no port shows whether its flow API is on"
		return r
	}

	switch {
	case v.AtLeast(3, 7):
		text, err := uc.Call(ctx, "dpif/offload/show")
		if err != nil {
			return r.unknown(err, "unixctl dpif/offload/show", "OVS "+v.Version+" did not answer dpif/offload/show")
		}
		enabled, ok := ParseOffloadShow(text)
		if !ok {
			r.add("unixctl dpif/offload/show", firstLine(text), nil)
			r.Reason = "dpif/offload/show did not print \"Globally enabled: true|false\""
			return r
		}
		r.add("unixctl dpif/offload/show", "Globally enabled: "+strconv.FormatBool(enabled), nil)
		for i := range r.Datapaths {
			e := enabled
			r.Datapaths[i].FlowAPI = &e
		}
	case v.AtLeast(2, 15):
		text, err := uc.Call(ctx, "upcall/show")
		if err != nil {
			return r.unknown(err, "unixctl upcall/show", "cannot read the daemon's flow API state")
		}
		api := ParseUpcallShow(text)
		var says []string
		for i := range r.Datapaths {
			d := &r.Datapaths[i]
			n, on := api[d.Name]
			d.FlowAPI, d.OffloadedFlows = &on, n
			if on {
				says = append(says, fmt.Sprintf("%s: offloaded flows %d (a port has a flow API)", d.Name, n))
			} else {
				says = append(says, d.Name+": no offloaded flows line (no port has a flow API)")
			}
		}
		r.add("unixctl upcall/show", strings.Join(says, "; "), nil)
	default:
		r.checkKernel(ctx, cfg.TC)
		r.Reason = "OVS " + orDefault(v.Version, "of unknown version") + " does not report its flow API over unixctl " +
			"(upcall/show shows it from 2.15, dpif/offload/show from 3.7)"
		return r
	}

	r.checkKernel(ctx, cfg.TC)
	r.decide()
	return r
}

// decide turns the evidence into the answer.
func (r *Result) decide() {
	var inEffect, apiUserspace []string
	var noAPI []string
	for _, d := range r.Datapaths {
		switch {
		case d.FlowAPI == nil:
			r.Reason = d.Name + ": the daemon did not say whether a port has a flow API"
			return
		case !*d.FlowAPI:
			noAPI = append(noAPI, d.Name)
		case d.Type == "netdev" && !hasPortType(d, "dpdk"):
			apiUserspace = append(apiUserspace, d.Name)
		default:
			inEffect = append(inEffect, d.Name)
		}
	}
	if len(inEffect) > 0 {
		for _, d := range r.Datapaths {
			if d.Type != "system" || d.FlowAPI == nil || !*d.FlowAPI {
				continue
			}
			checked, with := 0, 0
			for _, p := range d.Ports {
				if p.WantQdisc != "" && p.Err == "" && p.Qdiscs != nil {
					checked++
					if p.HasQdisc {
						with++
					}
				}
			}
			if checked > 0 && with == 0 {
				r.Reason = fmt.Sprintf("the daemon reports a flow API on %s, but none of its %d ports the kernel shows has the qdisc "+
					"OVS's TC provider adds (is the tc client in ovs-vswitchd's network namespace?)", d.Name, checked)
				return
			}
		}
		r.State = InEffect
		r.Reason = "the running ovs-vswitchd has a flow API on " + strings.Join(inEffect, ", ") + r.kernelSummary()
		if r.Configured != nil && !*r.Configured {
			r.Reason += "; other_config:hw-offload is no longer true, but the daemon keeps its flow API until it restarts"
		}
		return
	}
	r.State = NotInEffect
	var why []string
	switch {
	case r.Configured != nil && !*r.Configured:
		why = append(why, "other_config:hw-offload is not true")
	case r.Configured != nil:
		why = append(why, "other_config:hw-offload is true")
	}
	if len(noAPI) > 0 {
		s := "no port of " + strings.Join(noAPI, ", ") + " has a flow API"
		if r.Configured != nil && *r.Configured {
			s += " (the flow API provider could not initialise any port: see netdev_offload in the ovs-vswitchd log)"
		}
		why = append(why, s)
	}
	if len(apiUserspace) > 0 {
		why = append(why, "the userspace datapath "+strings.Join(apiUserspace, ", ")+" has a flow API only on non-DPDK ports: "+
			"it offloads to hardware only through DPDK ports (rte_flow), and it has none")
	}
	for _, d := range r.Datapaths {
		if d.Type == "netdev" && (d.FlowAPI == nil || !*d.FlowAPI) && !hasPortType(d, "dpdk") {
			why = append(why, d.Name+" is the userspace datapath without DPDK ports, which never offloads to hardware")
			break
		}
	}
	r.Reason = strings.Join(why, "; ") + r.kernelSummary()
}

// kernelSummary says what the kernel showed, for the reason text.
func (r *Result) kernelSummary() string {
	checked, with := 0, 0
	for _, d := range r.Datapaths {
		for _, p := range d.Ports {
			if p.WantQdisc != "" && p.Err == "" && p.Qdiscs != nil {
				checked++
				if p.HasQdisc {
					with++
				}
			}
		}
	}
	if checked == 0 {
		return ""
	}
	return fmt.Sprintf("; kernel: %d of %d kernel-datapath ports have the qdisc OVS's TC provider adds", with, checked)
}

// checkKernel lists the qdiscs of the kernel datapath's ports.
func (r *Result) checkKernel(ctx context.Context, c *tc.Client) {
	if c == nil {
		return
	}
	for i := range r.Datapaths {
		d := &r.Datapaths[i]
		if d.Type != "system" {
			continue // the userspace datapath: OVS's TC qdiscs mean nothing there
		}
		for j := range d.Ports {
			p := &d.Ports[j]
			switch p.Type {
			case "system", "tap", "":
				p.WantQdisc = "ingress"
			case "internal":
				p.WantQdisc = "clsact"
			default:
				continue // tunnel vports: their netdev is not named after the port
			}
			qs, err := c.Qdiscs(ctx, tc.Interface{Name: p.Name})
			if err != nil {
				p.Err = err.Error()
				r.add("kernel qdiscs of "+p.Name, "", err)
				continue
			}
			p.Qdiscs = []string{}
			for _, q := range qs {
				if q.Kind == "ingress" || q.Kind == "clsact" {
					p.Qdiscs = append(p.Qdiscs, q.Kind)
					if q.Kind == p.WantQdisc {
						p.HasQdisc = true
					}
				}
			}
			says := "no " + p.WantQdisc + " qdisc"
			if p.HasQdisc {
				says = p.WantQdisc + " qdisc present"
			}
			r.add("kernel qdiscs of "+p.Name, says, nil)
		}
	}
}

// unknown records err as the evidence of source and leaves the answer
// Unknown with why.
func (r Result) unknown(err error, source, why string) Result {
	r.add(source, "", err)
	r.State, r.Reason, r.cause = Unknown, why+": "+err.Error(), err
	return r
}

func (r *Result) add(source, says string, err error) {
	e := Evidence{Source: source, Says: says}
	if err != nil {
		e.Err = err.Error()
	}
	r.Evidence = append(r.Evidence, e)
}

// ParseUpcallShow parses unixctl "upcall/show" output (OVS 2.15-3.6) into
// the datapaths that print an "offloaded flows : N" line, with N: those
// with at least one port whose flow API is initialised.
func ParseUpcallShow(s string) map[string]uint64 {
	out := map[string]uint64{}
	cur := ""
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			cur = strings.TrimSuffix(strings.TrimSpace(line), ":")
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || cur == "" || strings.TrimSpace(k) != "offloaded flows" {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
			out[cur] = n
		}
	}
	return out
}

// ParseOffloadShow parses the first line of unixctl "dpif/offload/show"
// (OVS 3.7 and later): "Globally enabled: true" or "false". ok is false
// when the line is not there.
func ParseOffloadShow(s string) (enabled, ok bool) {
	for _, line := range strings.Split(s, "\n") {
		v, found := strings.CutPrefix(strings.TrimSpace(line), "Globally enabled:")
		if !found {
			continue
		}
		switch strings.TrimSpace(v) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		return false, false
	}
	return false, false
}

func hasPortType(d Datapath, typ string) bool {
	for _, p := range d.Ports {
		if p.Type == typ {
			return true
		}
	}
	return false
}

func describeDatapaths(dps []Datapath) string {
	var parts []string
	for _, d := range dps {
		var ports []string
		for _, p := range d.Ports {
			ports = append(ports, p.Name+" ("+orDefault(p.Type, "?")+")")
		}
		parts = append(parts, d.Name+": "+orDefault(strings.Join(ports, ", "), "no ports"))
	}
	return strings.Join(parts, "; ")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func onOff(b bool) string {
	if b {
		return "true"
	}
	return "not true"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
