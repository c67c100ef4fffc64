package unixctl

import (
	"bufio"
	"context"
	"strconv"
	"strings"
)

// Version is the parsed output of the "version" command.
type Version struct {
	// Program is the daemon ("ovs-vswitchd").
	Program string
	// Version is the version text ("3.1.0", "2.17.9", "3.3.0-1.el9").
	Version string
	// Major, Minor and Patch are the leading numbers of Version; zero
	// where absent.
	Major, Minor, Patch int
	// DPDK is the DPDK version line's value for DPDK builds ("DPDK 22.11.1"),
	// else "".
	DPDK string
	// Raw is the output as received.
	Raw string
}

// AtLeast reports whether the version is major.minor or newer. Use it for
// behaviour that changed between releases (flow attribute order in 3.2).
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || v.Major == major && v.Minor >= minor
}

// ParseVersion parses "ovs-vswitchd (Open vSwitch) 3.1.0" and an optional
// "DPDK x.y.z" line.
func ParseVersion(s string) Version {
	v := Version{Raw: s}
	for i, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		line = strings.TrimSpace(line)
		if i == 0 {
			if p, rest, ok := strings.Cut(line, " (Open vSwitch) "); ok {
				v.Program, v.Version = p, strings.TrimSpace(rest)
			} else if f := strings.Fields(line); len(f) > 0 {
				v.Program, v.Version = f[0], f[len(f)-1]
			}
			continue
		}
		if strings.HasPrefix(line, "DPDK ") {
			v.DPDK = strings.TrimSpace(strings.TrimPrefix(line, "DPDK "))
		}
	}
	nums := v.Version
	if i := strings.IndexFunc(nums, func(r rune) bool { return r != '.' && (r < '0' || r > '9') }); i >= 0 {
		nums = nums[:i]
	}
	for i, f := range strings.SplitN(nums, ".", 3) {
		n, _ := strconv.Atoi(f)
		switch i {
		case 0:
			v.Major = n
		case 1:
			v.Minor = n
		case 2:
			v.Patch = n
		}
	}
	return v
}

// Version runs "version".
func (c *Client) Version(ctx context.Context) (Version, error) {
	s, err := c.Call(ctx, "version")
	if err != nil {
		return Version{}, err
	}
	return ParseVersion(s), nil
}

// DpifDatapath is one datapath in "dpif/show" output.
type DpifDatapath struct {
	// Type and Name split "netdev@ovs-netdev" or "system@ovs-system".
	Type, Name string
	// Hit and Missed are the datapath's lookup counters.
	Hit, Missed uint64
	// Bridges are the OpenFlow bridges on this datapath.
	Bridges []DpifBridge
}

// DpifBridge is a bridge in "dpif/show" output.
type DpifBridge struct {
	// Name is the bridge's name.
	Name string
	// Ports are the bridge's ports, in output order.
	Ports []DpifPort
}

// DpifPort is a port line: "name ofport/dpport: (type: config)".
type DpifPort struct {
	// Name is the port's name.
	Name string
	// OFPort is the OpenFlow port number; nil when OVS printed "none"
	// (or anything but a number).
	OFPort *uint32
	// DPPort is the datapath port number; nil when OVS printed "none", as
	// it does for a port not (or not yet) in the datapath.
	DPPort *uint32
	// Type is the netdev type ("system", "internal", "tap", "vxlan", "dpdk").
	Type string
	// Config is the text after the type ("key=flow, remote_ip=flow"), if any.
	Config string
}

// ParseDpifShow parses "dpif/show" output. Lines it does not recognise
// are skipped, so additions in later OVS releases do not break it.
func ParseDpifShow(s string) []DpifDatapath {
	var dps []DpifDatapath
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		indented := raw[0] == ' ' || raw[0] == '\t'
		switch {
		case !indented:
			head, rest, _ := strings.Cut(line, ":")
			dp := DpifDatapath{}
			dp.Type, dp.Name, _ = strings.Cut(head, "@")
			for k, n := range counters(rest) {
				switch k {
				case "hit":
					dp.Hit = n
				case "missed":
					dp.Missed = n
				}
			}
			dps = append(dps, dp)
		case len(dps) == 0:
			continue
		case strings.HasSuffix(line, ":") && !strings.Contains(line, " "):
			dp := &dps[len(dps)-1]
			dp.Bridges = append(dp.Bridges, DpifBridge{Name: strings.TrimSuffix(line, ":")})
		default:
			dp := &dps[len(dps)-1]
			if len(dp.Bridges) == 0 {
				continue
			}
			if p, ok := parseDpifPort(line); ok {
				br := &dp.Bridges[len(dp.Bridges)-1]
				br.Ports = append(br.Ports, p)
			}
		}
	}
	return dps
}

func parseDpifPort(line string) (DpifPort, bool) {
	var p DpifPort
	head, tail, _ := strings.Cut(line, ":")
	sp := strings.LastIndexByte(head, ' ')
	if sp <= 0 {
		return p, false
	}
	p.Name = head[:sp]
	of, dp, ok := strings.Cut(head[sp+1:], "/")
	if !ok {
		return p, false
	}
	p.OFPort, p.DPPort = portNum(of), portNum(dp)
	p.Type, p.Config = typeConfig(tail)
	return p, true
}

// typeConfig splits the "(type: config)" both show commands print after a
// port; both are "" when it is absent.
func typeConfig(s string) (typ, config string) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") {
		return "", ""
	}
	typ, config, _ = strings.Cut(s[1:len(s)-1], ":")
	return strings.TrimSpace(typ), strings.TrimSpace(config)
}

// portNum reads a port number; "none" and anything else that is not one
// is absent.
func portNum(s string) *uint32 {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return nil
	}
	v := uint32(n)
	return &v
}

// DpifShow runs "dpif/show" and parses it.
func (c *Client) DpifShow(ctx context.Context) ([]DpifDatapath, error) {
	s, err := c.Call(ctx, "dpif/show")
	if err != nil {
		return nil, err
	}
	return ParseDpifShow(s), nil
}

// DpctlDatapath is one datapath in "dpctl/show" output.
type DpctlDatapath struct {
	// Type and Name split "netdev@ovs-netdev".
	Type, Name string
	// Hit, Missed and Lost are the "lookups:" counters.
	Hit, Missed, Lost uint64
	// Flows is the number of datapath flows.
	Flows uint64
	// MasksHit and MasksTotal are the "masks:" counters (kernel datapath).
	MasksHit, MasksTotal uint64
	// Ports are the datapath ports, in output order.
	Ports []DpctlPort
}

// DpctlPort is a "port N: name (type: config)" line.
type DpctlPort struct {
	// Number is the datapath port number.
	Number uint32
	// Name is the netdev name.
	Name string
	// Type is the port type; "" for a plain system port, which OVS prints
	// without parentheses.
	Type string
	// Config is the text after the type, if any.
	Config string
}

// ParseDpctlShow parses "dpctl/show" output, with or without -s; lines it
// does not recognise (statistics) are skipped.
func ParseDpctlShow(s string) []DpctlDatapath {
	var dps []DpctlDatapath
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		if raw[0] != ' ' && raw[0] != '\t' {
			dp := DpctlDatapath{}
			dp.Type, dp.Name, _ = strings.Cut(strings.TrimSuffix(line, ":"), "@")
			dps = append(dps, dp)
			continue
		}
		if len(dps) == 0 {
			continue
		}
		dp := &dps[len(dps)-1]
		key, rest, _ := strings.Cut(line, ":")
		switch {
		case key == "lookups":
			for k, v := range counters(rest) {
				switch k {
				case "hit":
					dp.Hit = v
				case "missed":
					dp.Missed = v
				case "lost":
					dp.Lost = v
				}
			}
		case key == "flows":
			dp.Flows, _ = strconv.ParseUint(strings.TrimSpace(rest), 10, 64)
		case key == "masks":
			for k, v := range counters(rest) {
				switch k {
				case "hit":
					dp.MasksHit = v
				case "total":
					dp.MasksTotal = v
				}
			}
		case strings.HasPrefix(key, "port "):
			n, err := strconv.ParseUint(strings.TrimPrefix(key, "port "), 10, 32)
			if err != nil {
				continue
			}
			p := DpctlPort{Number: uint32(n)}
			rest = strings.TrimSpace(rest)
			name, tail, _ := strings.Cut(rest, " ")
			p.Name = name
			p.Type, p.Config = typeConfig(tail)
			dp.Ports = append(dp.Ports, p)
		}
	}
	return dps
}

// counters yields "k:v" pairs of unsigned counters from a stats line.
func counters(s string) func(func(string, uint64) bool) {
	return func(yield func(string, uint64) bool) {
		for _, f := range strings.Fields(s) {
			k, v, ok := strings.Cut(f, ":")
			if !ok {
				continue
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				continue
			}
			if !yield(k, n) {
				return
			}
		}
	}
}

// DpctlShow runs "dpctl/show" (optionally for one datapath, e.g.
// "netdev@ovs-netdev") and parses it.
func (c *Client) DpctlShow(ctx context.Context, datapath ...string) ([]DpctlDatapath, error) {
	s, err := c.Call(ctx, "dpctl/show", datapath...)
	if err != nil {
		return nil, err
	}
	return ParseDpctlShow(s), nil
}
