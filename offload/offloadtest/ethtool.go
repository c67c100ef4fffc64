package offloadtest

import (
	"os"
	"path"
	"path/filepath"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink/nltest"

	"github.com/offloadkit/offloadkit/internal/ethtool"
	"github.com/offloadkit/offloadkit/offload"
)

// fakeFeatures are the features the fake ethtool knows, a subset of the
// kernel's netdev_features_strings. The indices are the fake's own (the
// kernel's depend on its version); clients must match by name, as the
// offload package does.
var fakeFeatures = [...]string{
	"tx-scatter-gather", "tx-checksum-ip-generic", "rx-vlan-hw-parse", "tx-vlan-hw-insert",
	"rx-vlan-filter", "tx-tcp-segmentation", "generic-segmentation-offload",
	"generic-receive-offload", "rx-checksum", "hw-tc-offload",
}

// featureState is one feature of one netdev.
type featureState struct {
	changeable bool
	wanted     bool
	active     bool
}

// EthtoolConn returns a fake ethtool generic netlink connection that
// answers FEATURES_GET and FEATURES_SET for every netdev of the tree, the
// way the kernel does: features are kept per netdev; hw-tc-offload can
// change only on netdevs of PFs and VFs whose driver offloads tc (mlx5_core,
// nfp, ice) and is on by default on representors; on other netdevs (lo, a
// bond, YUSUR) it is fixed off, and FEATURES_SET reports it as not applied,
// as the kernel does for veth. Tree.Open passes one to the Host.
func (tr *Tree) EthtoolConn() *genetlink.Conn {
	return genetlink.NewConn(nltest.Dial(serveGenl(fakeEthtoolFamilyID, ethtool.GenlName, fakeEthtoolVersion, tr.serveEthtool)))
}

// Feature returns the fake kernel's state of feature name on netdev; ok is
// false when either is unknown.
func (tr *Tree) Feature(netdev, name string) (active, ok bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	fs := tr.featuresOf(netdev)
	if fs == nil || fs[name] == nil {
		return false, false
	}
	return fs[name].active, true
}

// FixFeature makes feature name of netdev unchangeable at its current
// state, as a driver without the capability has it ("[fixed]" in `ethtool
// -k`): FEATURES_SET then reports a request to change it as not applied.
// It returns false when netdev or the feature is unknown.
func (tr *Tree) FixFeature(netdev, name string) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	fs := tr.featuresOf(netdev)
	if fs == nil || fs[name] == nil {
		return false
	}
	fs[name].changeable = false
	return true
}

// tcOffloadDriver says whether netdevs of driver can offload tc flower.
func tcOffloadDriver(driver string) bool {
	switch driver {
	case "mlx5_core", "nfp", "nfp_netvf", "ice":
		return true
	}
	return false
}

// featuresOf returns (creating on first use) the features of netdev; nil
// when there is no such netdev.
func (tr *Tree) featuresOf(netdev string) map[string]*featureState {
	if _, ok := tr.ifindexOf(netdev); !ok {
		return nil
	}
	if tr.feat == nil {
		tr.feat = map[string]map[string]*featureState{}
	}
	if fs := tr.feat[netdev]; fs != nil {
		return fs
	}
	tcOK, rep := tr.netdevOffloadCaps(netdev)
	fs := map[string]*featureState{}
	for _, n := range fakeFeatures {
		st := &featureState{changeable: true, wanted: true, active: true}
		if n == "hw-tc-offload" {
			st.changeable = tcOK
			st.wanted, st.active = rep, rep
		}
		fs[n] = st
	}
	tr.feat[netdev] = fs
	return fs
}

// netdevOffloadCaps says whether netdev's driver offloads tc, and whether
// the netdev is a representor (a switchdev port other than the uplink).
func (tr *Tree) netdevOffloadCaps(netdev string) (tcOK, rep bool) {
	// sysfs links are relative to where they sit: resolve, then take the
	// device directory's name (its PCI address).
	target, err := filepath.EvalSymlinks(tr.abs("sys/class/net/" + netdev + "/device"))
	if err != nil {
		return false, false
	}
	dev := filepath.Base(target)
	driver := ""
	if p := tr.pfs[dev]; p != nil {
		driver = p.spec.Driver
		if b, err := os.ReadFile(tr.abs("sys/class/net/" + netdev + "/phys_port_name")); err == nil {
			switch offload.ParsePhysPortName(string(trimNL(b))).Flavour {
			case offload.PortFlavourPCIVF, offload.PortFlavourPCIPF, offload.PortFlavourPCISF:
				rep = true
			}
		}
	} else if drv, err := os.Readlink(tr.abs("sys/bus/pci/devices/" + dev + "/driver")); err == nil {
		driver = path.Base(filepath.ToSlash(drv))
	}
	return tcOffloadDriver(driver), rep
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

func (tr *Tree) serveEthtool(cmd uint8, attrs []byte, dump bool) ([]genlReply, *kernelError) {
	if dump {
		return nil, kerr(syscall.EOPNOTSUPP, "")
	}
	r, err := ethtool.DecodeFeaturesRequest(attrs)
	if err != nil {
		return nil, kerr(syscall.EINVAL, err.Error())
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	name := r.Interface.Name
	if name == "" {
		return nil, kerr(syscall.EOPNOTSUPP, "the fake ethtool looks up devices by name only")
	}
	var after *kernelError
	if cmd == ethtool.MsgFeaturesSet {
		if f, due := tr.once.hit(featuresSetFaultKey(name)); due {
			var refuse *kernelError
			if refuse, after = f.outcome(); refuse != nil {
				return nil, refuse
			}
		}
	}
	replies, ke := tr.ethtoolRequest(cmd, r, name)
	if ke == nil && after != nil {
		return nil, after
	}
	return replies, ke
}

// ethtoolRequest serves a features request; the caller holds tr.mu.
func (tr *Tree) ethtoolRequest(cmd uint8, r ethtool.FeaturesRequest, name string) ([]genlReply, *kernelError) {
	idx, ok := tr.ifindexOf(name)
	fs := tr.featuresOf(name)
	if !ok || fs == nil {
		return nil, kerr(syscall.ENODEV, "no device matches name")
	}
	ifc := ethtool.Interface{Index: idx, Name: name}
	switch cmd {
	case ethtool.MsgFeaturesGet:
		var list ethtool.Features
		for i, n := range fakeFeatures {
			st := fs[n]
			list = append(list, ethtool.Feature{Name: n, Index: i, Changeable: st.changeable, Requested: st.wanted, Active: st.active})
		}
		b, err := ethtool.EncodeFeatures(ifc, list)
		if err != nil {
			return nil, kerr(syscall.EINVAL, err.Error())
		}
		return []genlReply{{cmd: ethtool.MsgFeaturesGetReply, data: b}}, nil
	case ethtool.MsgFeaturesSet:
		if r.Wanted == nil {
			return nil, kerr(syscall.EINVAL, "")
		}
		index := map[string]int{}
		for i, n := range fakeFeatures {
			index[n] = i
		}
		// Check every bit before changing any, as the kernel parses the
		// whole bitset first.
		for _, b := range r.Wanted.Bits {
			if b.Name == "" && (b.Index < 0 || b.Index >= len(fakeFeatures)) || b.Name != "" && fs[b.Name] == nil {
				return nil, kerr(syscall.EINVAL, "bit name not found")
			}
		}
		var notApplied, changed []ethtool.Bit
		for _, b := range r.Wanted.Bits {
			n := b.Name
			if n == "" {
				n = fakeFeatures[b.Index]
			}
			st := fs[n]
			if st.changeable {
				st.wanted = b.Value
				if st.active != b.Value {
					st.active = b.Value
					changed = append(changed, ethtool.Bit{Index: index[n], Name: n, Value: b.Value})
				}
			}
			if st.active != b.Value {
				notApplied = append(notApplied, ethtool.Bit{Index: index[n], Name: n, Value: b.Value})
			}
		}
		if r.Flags&2 != 0 { // ETHTOOL_FLAG_OMIT_REPLY: acknowledge only
			return nil, nil
		}
		b, err := ethtool.EncodeFeaturesSetReply(ifc, len(fakeFeatures), notApplied, changed)
		if err != nil {
			return nil, kerr(syscall.EINVAL, err.Error())
		}
		return []genlReply{{cmd: ethtool.MsgFeaturesSetReply, data: b}}, nil
	}
	return nil, kerr(syscall.EOPNOTSUPP, "")
}
