package offload

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/rtnl"
	"github.com/offloadkit/offloadkit/internal/sysfs"
)

// Host is one machine's SmartNIC view: a sysfs tree, optional kernel clients
// and a logger. A Host holds no global state; Hosts on different roots are
// independent and safe to use side by side. A Host is safe for concurrent use.
type Host struct {
	fs  *sysfs.FS
	log *slog.Logger
	// kernel talks devlink and ethtool; nil when the Host has neither (a
	// fake root without Config.Devlink/Config.Ethtool).
	kernel *kernel

	// rtnl reads and sets per-VF settings on PFs. On the real root it is
	// dialled on first use; on another root only when Config.Rtnetlink gave one.
	rtnlMu   sync.Mutex
	rtnl     *rtnl.Client
	rtnlDial bool
	netns    int // Config.NetNS or Config.NetNSPath: where dialled connections live; 0 = the caller's
	// ownNetNS is the descriptor Config.NetNSPath opened; Close closes it.
	ownNetNS int

	// reps caches, per PF, where each representor netdev was last seen, so a
	// lookup costs a bounded number of sysfs reads instead of a scan of every
	// netdev; each hit is re-validated against sysfs before it is returned.
	repMu sync.Mutex
	reps  map[Device]*repIndex
	geo   map[PCIAddress]sriovGeo
}

// SysfsHooks lets a fake kernel give sysfs reads and writes the semantics of
// the real one (offloadtest uses it: a write to sriov_numvfs creates VF
// links). Paths are relative to the root, slash-separated. Returning
// handled=false leaves the access to the file system.
type SysfsHooks interface {
	ReadFile(rel string) (data []byte, handled bool, err error)
	WriteFile(ctx context.Context, rel string, data []byte) (handled bool, err error)
}

// Config configures Open. The zero Config is valid: the running system
// ("/"), logs discarded, netlink dialled in the caller's network namespace
// on first use.
type Config struct {
	// Root is the directory the Host reads sysfs (Root/sys), proc and run
	// below. Default "/", the running system; offloadtest trees, a copied
	// tree and the host's / mounted in a pod (/host) use others.
	// Privilege: read access below it; writes (sriov_numvfs, bind) need root.
	Root string
	// Logger receives the Host's log records. Default: discarded.
	Logger *slog.Logger
	// SysfsHooks installs a fake kernel's sysfs semantics (offloadtest).
	// Default nil: plain file access.
	SysfsHooks SysfsHooks
	// Rtnetlink is a NETLINK_ROUTE connection for per-VF settings (MAC,
	// VLAN, trust, spoof checking) and link state. Default nil: dialled on
	// first use where the Host may dial (see NetNSPath); offloadtest gives a
	// fake. The Host closes it. Privilege: CAP_NET_ADMIN to change settings.
	Rtnetlink *netlink.Conn
	// Devlink is a generic netlink connection for devlink (eswitch mode,
	// parameters, ports, info). Default nil: dialled like Rtnetlink. The
	// Host closes it. Privilege: CAP_NET_ADMIN to change settings.
	Devlink *genetlink.Conn
	// Ethtool is a generic netlink connection for ethtool features
	// (hw-tc-offload), like Devlink. The Host closes it.
	Ethtool *genetlink.Conn
	// NetNS, when non-zero, is a descriptor of the network namespace
	// (/proc/<pid>/ns/net, /run/netns/<name>) the connections the Host
	// dials itself talk in, instead of the calling thread's: a CNI plugin
	// running in a pod's namespace still sees the host's PFs and
	// representors. On a root other than "/" it also allows the Host to
	// dial at all. The Host does not close it. Default 0: the caller's.
	NetNS int
	// NetNSPath names that namespace by path instead: a DaemonSet with the
	// host's / at /host opens Open(Config{Root: "/host", NetNSPath:
	// "/host/proc/1/ns/net"}), so the sysfs tree and the kernel that answers
	// netlink are the same host's; "/proc/self/ns/net" is the caller's own
	// namespace (a hostNetwork pod). Open checks that the file is a network
	// namespace; each connection enters it on a locked OS thread while its
	// socket is made (the netlink library's Config.NetNS), so no goroutine
	// of the caller changes namespace. Close closes the descriptor.
	// Privilege: CAP_SYS_ADMIN to enter another namespace.
	//
	// Without it (or NetNS), a Host on a root other than "/" dials no
	// netlink: calls that need devlink, ethtool or rtnetlink fail with a
	// *MissingCapabilityError (errs.ErrNotSupported), and
	// Host.MissingCapabilities lists them.
	NetNSPath string
}

// config is Config with its defaults filled in.
type config struct {
	root      string
	log       *slog.Logger
	hooks     SysfsHooks
	rtnl      *netlink.Conn
	devlink   *genetlink.Conn
	ethtool   *genetlink.Conn
	netns     int
	netnsPath string
}

// Open returns a Host. It checks that the root exists and does nothing else;
// every query reads the current state.
func Open(cfg Config) (*Host, error) {
	c := config{root: cfg.Root, log: cfg.Logger, hooks: cfg.SysfsHooks, rtnl: cfg.Rtnetlink,
		devlink: cfg.Devlink, ethtool: cfg.Ethtool, netns: cfg.NetNS, netnsPath: cfg.NetNSPath}
	if c.root == "" {
		c.root = "/"
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var hooks sysfs.Hooks
	if c.hooks != nil {
		hooks = c.hooks
	}
	fs, err := sysfs.New(c.root, hooks)
	if err != nil {
		return nil, err
	}
	h := &Host{fs: fs, log: c.log, reps: make(map[Device]*repIndex), geo: make(map[PCIAddress]sriovGeo), ownNetNS: -1}
	netns := c.netns
	if c.netnsPath != "" {
		fd, err := openNetNS(c.netnsPath)
		if err != nil {
			return nil, err
		}
		h.ownNetNS, netns = fd, fd
	}
	// The running system's sysfs matches the kernel we would dial; on
	// another root only a named namespace says which kernel to ask.
	dial := filepath.Clean(fs.Root()) == "/" || netns != 0
	if c.rtnl != nil {
		h.rtnl = rtnl.New(c.rtnl)
	} else {
		h.rtnlDial = dial
	}
	h.kernel = newKernel(c.devlink, c.ethtool, dial, netns, fs.Root())
	h.netns = netns
	if missing := h.MissingCapabilities(); len(missing) > 0 {
		names := make([]string, len(missing))
		for i, m := range missing {
			names[i] = m.Capability
		}
		h.log.Warn("kernel access missing: calls that need it will fail with ErrNotSupported", "root", fs.Root(), "missing", names, "how", missing[0].How)
	}
	return h, nil
}

// MissingCapabilities returns the kernel interfaces this Host has no
// connection for and may not dial (see Config.NetNSPath), each as the error a
// call needing it returns; nil when it has them all. A capability the Host
// may dial but the kernel lacks shows only when a call is made.
func (h *Host) MissingCapabilities() []*MissingCapabilityError {
	var out []*MissingCapabilityError
	for _, c := range []string{capDevlink, capEthtool, capRtnetlink} {
		has := h.kernel.has(c)
		if c == capRtnetlink {
			h.rtnlMu.Lock()
			has = h.rtnl != nil || h.rtnlDial
			h.rtnlMu.Unlock()
		}
		if !has {
			out = append(out, h.kernel.missing(c))
		}
	}
	return out
}

// Close releases the Host's kernel connections and the namespace
// descriptor Config.NetNSPath opened.
func (h *Host) Close() error {
	err := h.kernel.close()
	h.rtnlMu.Lock()
	defer h.rtnlMu.Unlock()
	if h.rtnl != nil {
		if cerr := h.rtnl.Close(); err == nil {
			err = cerr
		}
		h.rtnl = nil
	}
	if h.ownNetNS >= 0 {
		if cerr := closeFD(h.ownNetNS); err == nil {
			err = cerr
		}
		h.ownNetNS = -1
	}
	return err
}

// rtnlClient returns the rtnetlink client, dialling it on the real root;
// nil, nil when this Host has none (a fake root without Config.Rtnetlink).
func (h *Host) rtnlClient() (*rtnl.Client, error) {
	h.rtnlMu.Lock()
	defer h.rtnlMu.Unlock()
	if h.rtnl != nil || !h.rtnlDial {
		return h.rtnl, nil
	}
	var cfg *netlink.Config
	if h.netns != 0 {
		cfg = &netlink.Config{NetNS: h.netns}
	}
	c, err := rtnl.Dial(cfg)
	if err != nil {
		return nil, err
	}
	h.rtnl = c
	return c, nil
}

// FS is the file system every Host read and write goes through: the
// directory the Host is rooted at (sys/, proc/, run/, lib/firmware below it),
// with the paths below it checked (no "..", no absolute paths), the fake
// kernel's hooks applied and a bounded, context-aware write. Its methods
// take slash-separated paths relative to the root.
type FS = sysfs.FS

// FS returns the Host's rooted file system: FS().Root() is the root
// directory, FS().Reads() counts files and links read so far (benchmarks
// bound lookups with it). Vendor backends and the switchdev engine read
// vendor files (MLNX_OFED compat, firmware links, /proc) through it so
// that every access stays below the Host's root.
func (h *Host) FS() *FS { return h.fs }

// Logger returns the Host's logger.
func (h *Host) Logger() *slog.Logger { return h.log }
