package ovstest

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/vishvananda/netns"

	"github.com/offloadkit/offloadkit/ovs/ovsdb"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
)

// The types live here, without build tags, so they and their docs exist
// once; ovs_linux.go runs the daemons, ovs_others.go only skips.

// DefaultSchema is where Debian's openvswitch-common installs the
// Open_vSwitch schema.
const DefaultSchema = "/usr/share/openvswitch/vswitch.ovsschema"

// OVS is a private, running ovsdb-server and ovs-vswitchd.
type OVS struct {
	// Dir is the run, database and log directory (OVS_RUNDIR).
	Dir string
	// Endpoint is the OVSDB endpoint, "unix:<Dir>/db.sock".
	Endpoint string
	// Version is ovs-vswitchd's version ("3.1.0").
	Version unixctl.Version
	// DB is a connected OVSDB client, closed in t.Cleanup.
	DB *ovsdb.Client

	bins       map[string]string
	env        []string
	vswitchd   *exec.Cmd
	vswitchdNS netns.NsHandle
}

// Target names this instance's ovs-vswitchd control socket (the target of
// ovs-appctl -t), as the unixctl.Config to Dial it with.
func (o *OVS) Target() unixctl.Config {
	return unixctl.Config{RunDir: o.Dir, Program: "ovs-vswitchd"}
}

// Env returns environment variables that point OVS tools at this
// instance (OVS_RUNDIR and friends), for tests that cross-check with
// ovs-appctl or ovs-vsctl.
func (o *OVS) Env() []string { return append([]string(nil), o.env...) }

// Bin returns the path of an OVS program found by Start ("ovs-appctl").
func (o *OVS) Bin(name string) (string, bool) {
	p, ok := o.bins[name]
	if !ok {
		p, ok = findBin(name)
	}
	return p, ok
}

// findBin looks in PATH and then in /usr/sbin and /usr/bin, where Debian
// puts the daemons even when PATH lacks the sbin directories.
func findBin(name string) (string, bool) {
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	for _, d := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"} {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// Port is a bridge port: one end of a veth pair in ovs-vswitchd's network
// namespace, the other ("eth0", with IP) in a namespace of its own.
type Port struct {
	// Name is the OVS port and netdev name.
	Name string
	// IP is the address of the far end.
	IP netip.Addr
	// Prefix is IP with its prefix length.
	Prefix netip.Prefix
	ns     netns.NsHandle
}
