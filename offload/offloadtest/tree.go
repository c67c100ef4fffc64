package offloadtest

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/internal/rtnl"
	"github.com/offloadkit/offloadkit/offload"
)

// Tree is a fake host on disk plus the fake kernel that mutates it.
type Tree struct {
	// Root is the directory holding sys/.
	Root string
	Spec Spec

	mu       sync.Mutex
	pfs      map[string]*pfState // by PCI address
	ifindex  int
	failW    map[string]syscall.Errno
	hangW    map[string]bool
	failR    map[string]syscall.Errno
	writeLog []string
	// once holds one-shot faults (faults.go).
	once oneShots

	// dl and feat are the fake devlink's and ethtool's own state
	// (devlink.go, ethtool.go), created on first use.
	dl   *devlinkState
	feat map[string]map[string]*featureState
}

type pfState struct {
	spec      PFSpec
	addr      offload.PCIAddress
	devDir    string // relative: sys/devices/pci0000:84/0000:84:00.0
	numVFs    int
	mode      offload.ESwitchMode
	autoprobe bool
	vfInfo    []rtnl.VFInfo // what the PF reports per VF over rtnetlink
}

// New builds spec into a fresh t.TempDir().
func New(t testing.TB, spec Spec) *Tree {
	t.Helper()
	tr, err := Build(t.TempDir(), spec)
	if err != nil {
		t.Fatalf("offloadtest: building %s: %v", spec.Name, err)
	}
	return tr
}

// NewByName builds the bundled tree name into a fresh t.TempDir().
func NewByName(t testing.TB, name string) *Tree {
	t.Helper()
	spec, ok := ByName(name)
	if !ok {
		t.Fatalf("offloadtest: no tree %q (have %v)", name, Names())
	}
	return New(t, spec)
}

// Build writes spec below dir (which must exist) and returns the Tree.
func Build(dir string, spec Spec) (*Tree, error) {
	tr := &Tree{Root: dir, Spec: spec, pfs: map[string]*pfState{}, ifindex: 1,
		failW: map[string]syscall.Errno{}, hangW: map[string]bool{}, failR: map[string]syscall.Errno{}}
	for _, n := range spec.Netdevs {
		if err := tr.addVirtualNetdev(n); err != nil {
			return nil, err
		}
	}
	for _, p := range spec.PFs {
		if err := tr.addPF(p); err != nil {
			return nil, fmt.Errorf("PF %s: %w", p.Address, err)
		}
	}
	for _, b := range spec.Bonds {
		if err := tr.addBond(b); err != nil {
			return nil, fmt.Errorf("bond %s: %w", b.Name, err)
		}
	}
	return tr, nil
}

// Config returns the offload.Config of a Host on the tree with the fake
// kernel attached: the tree's root, its sysfs hooks, and fake rtnetlink,
// devlink and ethtool connections that answer consistently with the tree.
// Change a field (a logger, other hooks, a connection standing for a
// kernel without a family) and open it with HostWith or offload.Open.
func (tr *Tree) Config() offload.Config {
	return offload.Config{Root: tr.Root, SysfsHooks: tr, Rtnetlink: tr.RtnetlinkConn(),
		Devlink: tr.DevlinkConn(), Ethtool: tr.EthtoolConn()}
}

// Host opens an offload.Host on the tree with the fake kernel attached
// (Config), and closes it when the test ends.
func (tr *Tree) Host(t testing.TB) *offload.Host {
	t.Helper()
	return tr.HostWith(t, tr.Config())
}

// HostWith opens an offload.Host with cfg (usually tr.Config() changed),
// and closes it when the test ends.
func (tr *Tree) HostWith(t testing.TB, cfg offload.Config) *offload.Host {
	t.Helper()
	h, err := offload.Open(cfg)
	if err != nil {
		t.Fatalf("offloadtest: open host: %v", err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// Open opens an offload.Host on the tree with the fake kernel attached
// (Config); the caller closes it.
func (tr *Tree) Open() (*offload.Host, error) { return offload.Open(tr.Config()) }

// FailWrite makes writes to rel (relative to Root, e.g.
// "sys/bus/pci/devices/0000:84:00.0/sriov_numvfs") fail with errno.
func (tr *Tree) FailWrite(rel string, errno syscall.Errno) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.failW[rel] = errno
}

// HangWrite makes writes to rel block until the writer's context ends, as
// some drivers do with sriov_numvfs.
func (tr *Tree) HangWrite(rel string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.hangW[rel] = true
}

// FailRead makes reads of rel fail with errno (EOPNOTSUPP on a
// phys_port_name, say).
func (tr *Tree) FailRead(rel string, errno syscall.Errno) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.failR[rel] = errno
}

// Writes returns the writes the fake kernel has seen, as "rel=value", in
// order. Tests use it to prove that bad input touched nothing.
func (tr *Tree) Writes() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.writeLog...)
}

// ESwitchMode returns the fake kernel's eswitch mode of PF addr.
func (tr *Tree) ESwitchMode(addr string) offload.ESwitchMode {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if p := tr.pfs[addr]; p != nil {
		return p.mode
	}
	return offload.ESwitchModeUnknown
}

// SetESwitchMode changes the fake kernel's eswitch mode of PF addr the way
// mlx5 does: switchdev creates a representor for every VF, legacy removes
// them. It refuses (EBUSY) when VFs are bound and the driver would need
// them unbound; the fake only models the representor side.
func (tr *Tree) SetESwitchMode(addr string, mode offload.ESwitchMode) error {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	p := tr.pfs[addr]
	if p == nil {
		return syscall.ENODEV
	}
	if p.mode == mode {
		return nil
	}
	if p.spec.RepNetdev == "" && mode == offload.ESwitchModeSwitchdev {
		// A legacy-mode mlx5 spec names no representors; name them the
		// way mlx5 does ("enp132s0f0np0" -> "enp132s0f0r3", "pf0vf3").
		if p.spec.Driver != "mlx5_core" || p.spec.Netdev == "" {
			return syscall.EOPNOTSUPP
		}
		base := p.spec.Netdev
		if i := strings.LastIndex(base, "np"); i > 0 {
			base = base[:i]
		}
		p.spec.RepNetdev = base + "r%d"
		p.spec.RepPortName = fmt.Sprintf("pf%d", p.addr.Function) + "vf%d"
	}
	if mode == offload.ESwitchModeSwitchdev {
		if p.spec.SwitchID == "" {
			// One ID per card, as mlx5 derives it from the card-wide system
			// image GUID: the PCI functions of one slot share it.
			p.spec.SwitchID = fmt.Sprintf("%016x", 0xb8cef60300000000|uint64(p.addr.RoutingID()&^7))
		}
		p.mode = mode
		if err := tr.setSwitchID(p, p.spec.Netdev, p.spec.SwitchID); err != nil {
			return err
		}
		for i := 0; i < p.numVFs; i++ {
			if err := tr.addRep(p, i); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < p.numVFs; i++ {
		tr.removeNetdev(p.devDir, fmt.Sprintf(p.spec.RepNetdev, i))
	}
	p.mode = mode
	_ = os.Remove(filepath.Join(tr.Root, p.devDir, "net", p.spec.Netdev, "phys_switch_id"))
	return nil
}

// --- building -------------------------------------------------------------

func (tr *Tree) abs(rel string) string { return filepath.Join(tr.Root, filepath.FromSlash(rel)) }

func (tr *Tree) file(rel, content string) error {
	p := tr.abs(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(content), 0o644)
}

// link makes rel a relative symlink to target (both relative to Root), as
// sysfs does.
func (tr *Tree) link(rel, target string) error {
	p := tr.abs(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	r, err := filepath.Rel(filepath.Dir(p), tr.abs(target))
	if err != nil {
		return err
	}
	// sysfs never points a link at an ancestor with ".." alone: a netdev's
	// device link reads ../../../0000:84:00.0, naming the device. Tools
	// (sriovnet among them) take the device name from the link text.
	if allDotDot(r) {
		r = filepath.Join(r, "..", filepath.Base(target))
	}
	_ = os.Remove(p)
	return os.Symlink(r, p)
}

func allDotDot(rel string) bool {
	for _, c := range strings.Split(rel, string(filepath.Separator)) {
		if c != ".." {
			return false
		}
	}
	return true
}

func pciRootDir(a offload.PCIAddress) string {
	if a.Domain > 0xffff {
		return fmt.Sprintf("sys/devices/pci%05x:%02x", a.Domain, a.Bus)
	}
	return fmt.Sprintf("sys/devices/pci%04x:%02x", a.Domain, a.Bus)
}

func (tr *Tree) addVirtualNetdev(name string) error {
	dir := "sys/devices/virtual/net/" + name
	if err := tr.netdevFiles(dir, name, "", ""); err != nil {
		return err
	}
	return tr.link("sys/class/net/"+name, dir)
}

func (tr *Tree) netdevFiles(dir, name, portName, switchID string) error {
	idx := tr.ifindex
	tr.ifindex++
	mac := fmt.Sprintf("02:00:00:%02x:%02x:%02x", idx>>16&0xff, idx>>8&0xff, idx&0xff)
	if name == "lo" {
		mac = "00:00:00:00:00:00"
	}
	files := map[string]string{"ifindex": strconv.Itoa(idx) + "\n", "address": mac + "\n", "operstate": "up\n", "mtu": "1500\n"}
	if portName != "" {
		files["phys_port_name"] = portName + "\n"
	}
	if switchID != "" {
		files["phys_switch_id"] = switchID + "\n"
	}
	for f, c := range files {
		if err := tr.file(dir+"/"+f, c); err != nil {
			return err
		}
	}
	return nil
}

// addNetdev creates netdev name below the device directory devDir.
func (tr *Tree) addNetdev(devDir, name, portName, switchID string) error {
	dir := devDir + "/net/" + name
	if err := tr.netdevFiles(dir, name, portName, switchID); err != nil {
		return err
	}
	if err := tr.link(dir+"/device", devDir); err != nil {
		return err
	}
	return tr.link("sys/class/net/"+name, dir)
}

func (tr *Tree) removeNetdev(devDir, name string) {
	_ = os.RemoveAll(tr.abs(devDir + "/net/" + name))
	_ = os.Remove(tr.abs("sys/class/net/" + name))
}

func (tr *Tree) setSwitchID(p *pfState, name, id string) error {
	return tr.file(p.devDir+"/net/"+name+"/phys_switch_id", id+"\n")
}

func (tr *Tree) pciDevice(dir string, a offload.PCIAddress, vendor offload.VendorID, device offload.DeviceID, driver string, numa int) error {
	files := map[string]string{
		"vendor": fmt.Sprintf("0x%04x\n", uint16(vendor)), "device": fmt.Sprintf("0x%04x\n", uint16(device)),
		"class": "0x020000\n", "numa_node": strconv.Itoa(numa) + "\n", "driver_override": "(null)\n",
	}
	for f, c := range files {
		if err := tr.file(dir+"/"+f, c); err != nil {
			return err
		}
	}
	if err := tr.link("sys/bus/pci/devices/"+a.String(), dir); err != nil {
		return err
	}
	if driver != "" {
		return tr.bindLinks(dir, a, driver)
	}
	return nil
}

// driverDir creates sys/bus/pci/drivers/<driver> with its bind, unbind
// and new_id files, as loading the driver does.
func (tr *Tree) driverDir(driver string) error {
	drv := "sys/bus/pci/drivers/" + driver
	for _, f := range []string{"bind", "unbind", "new_id"} {
		if _, err := os.Stat(tr.abs(drv + "/" + f)); err != nil {
			if err := tr.file(drv+"/"+f, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

func (tr *Tree) bindLinks(dir string, a offload.PCIAddress, driver string) error {
	drv := "sys/bus/pci/drivers/" + driver
	if err := tr.driverDir(driver); err != nil {
		return err
	}
	if err := tr.link(drv+"/"+a.String(), dir); err != nil {
		return err
	}
	return tr.link(dir+"/driver", drv)
}

func (tr *Tree) addPF(s PFSpec) error {
	a, err := offload.ParsePCIAddress(s.Address)
	if err != nil {
		return err
	}
	p := &pfState{spec: s, addr: a, devDir: pciRootDir(a) + "/" + a.String(), mode: s.Mode, autoprobe: true}
	tr.pfs[a.String()] = p
	if err := tr.pciDevice(p.devDir, a, s.Vendor, s.Device, s.Driver, s.NUMANode); err != nil {
		return err
	}
	files := map[string]string{
		"sriov_totalvfs": strconv.Itoa(s.TotalVFs) + "\n", "sriov_numvfs": "0\n",
		"sriov_offset": strconv.Itoa(s.VFOffset) + "\n", "sriov_stride": strconv.Itoa(s.VFStride) + "\n",
		"sriov_drivers_autoprobe": "1\n", "sriov_vf_device": fmt.Sprintf("%04x\n", uint16(s.VFDevice)),
	}
	for f, c := range files {
		if err := tr.file(p.devDir+"/"+f, c); err != nil {
			return err
		}
	}
	for f, c := range s.Files {
		if err := tr.file(p.devDir+"/"+f, c+"\n"); err != nil {
			return err
		}
	}
	if s.VFDriver != "" {
		// The VF driver is loaded with the PF's (the kernel lists it
		// whether or not a VF is bound), so its directory outlives VFs.
		if err := tr.driverDir(s.VFDriver); err != nil {
			return err
		}
	}
	sw := ""
	if s.Mode == offload.ESwitchModeSwitchdev {
		sw = s.SwitchID
	}
	if s.Netdev != "" {
		if err := tr.addNetdev(p.devDir, s.Netdev, s.PortName, sw); err != nil {
			return err
		}
	}
	for _, nd := range s.ExtraNetdevs {
		if err := tr.addNetdev(p.devDir, nd.Name, nd.PortName, sw); err != nil {
			return err
		}
	}
	for _, nd := range s.FixedReps {
		if err := tr.addNetdev(p.devDir, nd.Name, nd.PortName, sw); err != nil {
			return err
		}
	}
	if err := tr.createVFs(p, s.NumVFs); err != nil {
		return err
	}
	for _, sf := range s.SFs {
		if err := tr.addSF(p, sf); err != nil {
			return fmt.Errorf("SF %d: %w", sf.SFNum, err)
		}
	}
	return nil
}

// addSF lays out an active subfunction below p (see SFSpec).
func (tr *Tree) addSF(p *pfState, sf SFSpec) error {
	aux := func(dir, name, driver string) error {
		if err := tr.file(dir+"/uevent", "DRIVER="+driver+"\nMODALIAS=auxiliary:"+name[:strings.LastIndexByte(name, '.')]+"\n"); err != nil {
			return err
		}
		if err := tr.link(dir+"/driver", "sys/bus/auxiliary/drivers/"+driver); err != nil {
			return err
		}
		if err := tr.link(dir+"/subsystem", "sys/bus/auxiliary"); err != nil {
			return err
		}
		return tr.link("sys/bus/auxiliary/devices/"+name, dir)
	}
	mod := p.spec.Driver
	name := fmt.Sprintf("%s.sf.%d", mod, sf.AuxIndex)
	dir := p.devDir + "/" + name
	if err := tr.file(dir+"/sfnum", strconv.Itoa(sf.SFNum)+"\n"); err != nil {
		return err
	}
	if err := aux(dir, name, mod+".sf"); err != nil {
		return err
	}
	// The SF's own class devices hang off auxiliary devices nested below
	// it; its netdev, though, is registered on the SF device itself.
	for _, c := range []struct{ kind, driver string }{{"eth", mod + ".eth"}, {"rdma", "mlx5_ib.rdma"}} {
		n := fmt.Sprintf("%s.%s.%d", mod, c.kind, sf.AuxIndex)
		if err := aux(dir+"/"+n, n, c.driver); err != nil {
			return err
		}
	}
	if sf.Netdev != "" {
		return tr.addNetdev(dir, sf.Netdev, "", "")
	}
	return nil
}

func (tr *Tree) vfAddr(p *pfState, i int) offload.PCIAddress {
	rid := int(p.addr.RoutingID()) + p.spec.VFOffset + i*p.spec.VFStride
	return offload.PCIAddress{Domain: p.addr.Domain, Bus: uint8(rid >> 8), Device: uint8(rid>>3) & 0x1f, Function: uint8(rid) & 7}
}

func (tr *Tree) vfDir(p *pfState, a offload.PCIAddress) string {
	return pciRootDir(p.addr) + "/" + a.String()
}

func (tr *Tree) createVFs(p *pfState, n int) error {
	for i := 0; i < n; i++ {
		a := tr.vfAddr(p, i)
		dir := tr.vfDir(p, a)
		drv := ""
		if p.autoprobe {
			drv = p.spec.VFDriver
		}
		if err := tr.pciDevice(dir, a, p.spec.Vendor, p.spec.VFDevice, drv, p.spec.NUMANode); err != nil {
			return err
		}
		if err := tr.link(dir+"/physfn", p.devDir); err != nil {
			return err
		}
		if err := tr.link(p.devDir+"/virtfn"+strconv.Itoa(i), dir); err != nil {
			return err
		}
		if drv != "" && p.spec.VFNetdev != "" {
			if err := tr.addNetdev(dir, fmt.Sprintf(p.spec.VFNetdev, i), "", ""); err != nil {
				return err
			}
		}
		if p.mode == offload.ESwitchModeSwitchdev && p.spec.RepNetdev != "" {
			if err := tr.addRep(p, i); err != nil {
				return err
			}
		}
	}
	p.numVFs = n
	p.vfInfo = p.vfInfo[:0]
	for i := 0; i < n; i++ {
		p.vfInfo = append(p.vfInfo, defaultVFInfo(i))
	}
	return tr.file(p.devDir+"/sriov_numvfs", strconv.Itoa(n)+"\n")
}

func (tr *Tree) addRep(p *pfState, i int) error {
	return tr.addNetdev(p.devDir, fmt.Sprintf(p.spec.RepNetdev, i), fmt.Sprintf(p.spec.RepPortName, i), p.spec.SwitchID)
}

func (tr *Tree) destroyVFs(p *pfState) error {
	for i := 0; i < p.numVFs; i++ {
		a := tr.vfAddr(p, i)
		dir := tr.vfDir(p, a)
		if names, err := os.ReadDir(tr.abs(dir + "/net")); err == nil {
			for _, n := range names {
				_ = os.Remove(tr.abs("sys/class/net/" + n.Name()))
			}
		}
		if drv, err := os.Readlink(tr.abs(dir + "/driver")); err == nil {
			_ = os.Remove(tr.abs("sys/bus/pci/drivers/" + path.Base(filepath.ToSlash(drv)) + "/" + a.String()))
		}
		if err := os.RemoveAll(tr.abs(dir)); err != nil {
			return err
		}
		_ = os.Remove(tr.abs("sys/bus/pci/devices/" + a.String()))
		_ = os.Remove(tr.abs(p.devDir + "/virtfn" + strconv.Itoa(i)))
		if p.spec.RepNetdev != "" {
			tr.removeNetdev(p.devDir, fmt.Sprintf(p.spec.RepNetdev, i))
		}
	}
	p.numVFs = 0
	p.vfInfo = nil
	return tr.file(p.devDir+"/sriov_numvfs", "0\n")
}

// --- the fake kernel --------------------------------------------------------

// ReadFile implements offload.SysfsHooks.
func (tr *Tree) ReadFile(rel string) ([]byte, bool, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if e, ok := tr.failR[rel]; ok {
		return nil, true, e
	}
	return nil, false, nil
}

// WriteFile implements offload.SysfsHooks.
func (tr *Tree) WriteFile(ctx context.Context, rel string, data []byte) (bool, error) {
	tr.mu.Lock()
	hang := tr.hangW[rel]
	errno, fail := tr.failW[rel]
	f, due := tr.once.hit("w|" + rel)
	if due && fail {
		due = false // a standing refusal takes precedence
	}
	tr.writeLog = append(tr.writeLog, rel+"="+strings.TrimSpace(string(data)))
	tr.mu.Unlock()
	if hang {
		<-ctx.Done()
		return true, syscall.EINTR
	}
	if fail {
		return true, errno
	}
	if due {
		switch f.kind {
		case FaultRefused:
			return true, f.errno
		case FaultLate:
			// The write cannot be interrupted: it is still in the kernel
			// when the writer gives up, and lands after.
			<-ctx.Done()
			time.Sleep(f.delay)
		case FaultSlow:
			time.Sleep(f.delay)
		case FaultAppliedThenError:
			if _, err := tr.applyWrite(rel, data, true); err != nil {
				return true, err
			}
			return true, f.errno
		}
	}
	return tr.applyWrite(rel, data, false)
}

// applyWrite is what the fake kernel does with a write to rel: handled
// false leaves plain files to the caller's FS, unless plain is set (the
// write must be done here, before an error is returned for it).
func (tr *Tree) applyWrite(rel string, data []byte, plain bool) (bool, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if bond, battr, ok := bondingAttr(rel); ok {
		return true, tr.writeBonding(bond, battr, string(data))
	}
	val := strings.TrimSpace(string(data))
	dir, attr := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	switch {
	case strings.HasPrefix(dir, "sys/bus/pci/devices/") && attr == "sriov_numvfs":
		return true, tr.writeNumVFs(path.Base(dir), val)
	case strings.HasPrefix(dir, "sys/bus/pci/devices/") && attr == "sriov_drivers_autoprobe":
		if p := tr.pfs[path.Base(dir)]; p != nil {
			p.autoprobe = val != "0"
		}
	case strings.HasPrefix(dir, "sys/bus/pci/drivers/") && (attr == "bind" || attr == "unbind"):
		return true, tr.writeBind(path.Base(dir), attr == "bind", val)
	}
	if strings.HasPrefix(rel, "sys/") {
		// A sysfs attribute reads back as the kernel renders it, one
		// line with its newline, whatever the writer's spelling ("1"
		// written reads "1\n").
		data = []byte(val + "\n")
	} else if !plain {
		return false, nil
	}
	fh, err := os.OpenFile(tr.abs(rel), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return true, err
	}
	_, werr := fh.Write(data)
	if cerr := fh.Close(); werr == nil {
		werr = cerr
	}
	return true, werr
}

func (tr *Tree) writeNumVFs(pfAddr, val string) error {
	p := tr.pfs[pfAddr]
	if p == nil {
		return syscall.ENOENT
	}
	n, err := strconv.Atoi(val)
	if err != nil || n < 0 {
		return syscall.EINVAL
	}
	if n > p.spec.TotalVFs {
		return syscall.ERANGE
	}
	if n == p.numVFs {
		return nil
	}
	if n != 0 && p.numVFs != 0 {
		return syscall.EBUSY
	}
	if n == 0 {
		return tr.destroyVFs(p)
	}
	return tr.createVFs(p, n)
}

func (tr *Tree) writeBind(driver string, bind bool, val string) error {
	a, err := offload.ParsePCIAddress(val)
	if err != nil {
		return syscall.ENODEV
	}
	var p *pfState
	idx := -1
	for _, pf := range tr.pfs {
		for i := 0; i < pf.numVFs; i++ {
			if tr.vfAddr(pf, i) == a {
				p, idx = pf, i
			}
		}
	}
	if p == nil {
		return syscall.ENODEV
	}
	dir := tr.vfDir(p, a)
	cur, _ := os.Readlink(tr.abs(dir + "/driver"))
	curName := ""
	if cur != "" {
		curName = path.Base(filepath.ToSlash(cur))
	}
	if !bind {
		if curName != driver {
			return syscall.ENODEV
		}
		if names, err := os.ReadDir(tr.abs(dir + "/net")); err == nil {
			for _, n := range names {
				tr.removeNetdev(dir, n.Name())
			}
		}
		_ = os.Remove(tr.abs(dir + "/net"))
		_ = os.Remove(tr.abs(dir + "/driver"))
		return os.Remove(tr.abs("sys/bus/pci/drivers/" + driver + "/" + a.String()))
	}
	if curName != "" {
		return syscall.EBUSY
	}
	if driver != p.spec.VFDriver {
		return syscall.ENODEV // the driver does not claim this device ID
	}
	if err := tr.bindLinks(dir, a, driver); err != nil {
		return err
	}
	if p.spec.VFNetdev != "" {
		return tr.addNetdev(dir, fmt.Sprintf(p.spec.VFNetdev, idx), "", "")
	}
	return nil
}
