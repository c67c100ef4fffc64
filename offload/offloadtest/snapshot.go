package offloadtest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Snapshot is the raw state of a fake host: every directory, file and
// symbolic link below Root, and the fake kernel's own state (eswitch
// modes, VF counts, autoprobe, per-VF settings, devlink modes, parameters
// and port functions, ethtool features), one text value per key. It is
// read from the tree and the fake's fields directly, never through the
// library, so a test comparing two snapshots does not trust the code it
// tests.
//
// Left out, because no rollback can restore them on a real kernel either:
// the run/ directory (agents' lock files), and the ifindex and MAC address
// of netdevs, which the kernel assigns anew when it recreates a VF or a
// representor. A netdev that exists is still recorded with its other
// files.
type Snapshot map[string]string

// Snapshot reads the raw state of the tree. Take it while no request is
// in flight.
func (tr *Tree) Snapshot() (Snapshot, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	s := Snapshot{}
	err := filepath.WalkDir(tr.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(tr.Root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "run" {
			return filepath.SkipDir
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			s["fs:"+rel] = "-> " + filepath.ToSlash(t)
		case d.IsDir():
			s["fs:"+rel] = "dir"
		default:
			switch filepath.Base(rel) {
			case "ifindex", "address":
				s["fs:"+rel] = "(assigned by the kernel)"
				return nil
			case "flags":
				// The fake writes a netdev's flags file on its first
				// change; the flags themselves are recorded below.
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s["fs:"+rel] = string(b)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if names, err := os.ReadDir(tr.abs("sys/class/net")); err == nil {
		for _, n := range names {
			s["kernel:link-flags:"+n.Name()] = fmt.Sprintf("%#x", tr.linkFlags(n.Name()))
		}
	}
	for addr, p := range tr.pfs {
		var vfs strings.Builder
		for _, v := range p.vfInfo {
			fmt.Fprintf(&vfs, "{vf=%d mac=%s vlan=%d qos=%d spoofchk=%s trust=%s link=%v} ", v.VF, v.MAC, v.VLAN, v.QoS, optBool(v.SpoofChk), optBool(v.Trust), v.LinkState)
		}
		s["kernel:pf:"+addr] = fmt.Sprintf("mode=%s numvfs=%d autoprobe=%v vfs=%s", p.mode, p.numVFs, p.autoprobe, vfs.String())
	}
	if st := tr.dl; st != nil {
		for k, v := range st.inline {
			s["kernel:devlink:inline:"+k] = fmt.Sprint(v)
		}
		for k, v := range st.encap {
			s["kernel:devlink:encap:"+k] = fmt.Sprint(v)
		}
		for k, v := range st.params {
			// The fake fills in a PF's parameters on first use; defaults
			// are what the kernel reports whether or not anyone asked.
			if p := tr.pfs[k]; p != nil && fmt.Sprintf("%+v", v) == fmt.Sprintf("%+v", defaultParams(p)) {
				continue
			}
			s["kernel:devlink:params:"+k] = fmt.Sprintf("%+v", v)
		}
		for k, v := range st.fnMAC {
			s["kernel:devlink:fn-mac:"+k] = v.String()
		}
		for k, v := range st.fnState {
			s["kernel:devlink:fn-state:"+k] = fmt.Sprint(v)
		}
	}
	for netdev, fs := range tr.feat {
		if _, ok := tr.ifindexOf(netdev); !ok {
			continue // the netdev is gone, and its features with it
		}
		names := make([]string, 0, len(fs))
		for n := range fs {
			names = append(names, n)
		}
		sort.Strings(names)
		// Features are filled in on first use with the driver's
		// defaults; only a netdev whose features differ from those is
		// recorded, so a query alone changes no snapshot.
		tcOK, rep := tr.netdevOffloadCaps(netdev)
		var b strings.Builder
		changed := false
		for _, n := range names {
			f := fs[n]
			def := featureState{changeable: true, wanted: true, active: true}
			if n == "hw-tc-offload" {
				def = featureState{changeable: tcOK, wanted: rep, active: rep}
			}
			changed = changed || *f != def
			fmt.Fprintf(&b, "%s(changeable=%v wanted=%v active=%v) ", n, f.changeable, f.wanted, f.active)
		}
		if changed {
			s["kernel:ethtool:"+netdev] = b.String()
		}
	}
	return s, nil
}

func optBool(b *bool) string {
	if b == nil {
		return "unset"
	}
	return fmt.Sprint(*b)
}
