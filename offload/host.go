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
	// fake root without WithDevlink/WithEthtool).
	kernel *kernel

	// rtnl reads and sets per-VF settings on PFs. On the real root it is
	// dialled on first use; on another root only when WithRtnetlink gave one.
	rtnlMu   sync.Mutex
	rtnl     *rtnl.Client
	rtnlDial bool
	netns    int // WithNetNS: where dialled connections live; 0 = the caller's

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

// Option configures Open.
type Option func(*config)

type config struct {
	root  string
	log   *slog.Logger
	hooks SysfsHooks
	rtnl  *netlink.Conn
	// devlink and ethtool are generic netlink connections to use instead
	// of dialling the kernel.
	devlink *genetlink.Conn
	ethtool *genetlink.Conn
	// netns, when non-zero, is the network namespace the Host's own
	// netlink connections are dialled in.
	netns int
	// hostKernel: dial the running kernel although the root is not "/".
	hostKernel bool
}

// WithRoot roots the Host at dir: sysfs is read from dir/sys. The default is
// "/", the running system. offloadtest trees and the -root flag of the
// examples use it.
func WithRoot(dir string) Option { return func(c *config) { c.root = dir } }

// WithLogger sets the logger. The default discards log records.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithSysfsHooks installs a fake kernel's sysfs semantics. For tests.
func WithSysfsHooks(h SysfsHooks) Option { return func(c *config) { c.hooks = h } }

// WithRtnetlink gives the Host a NETLINK_ROUTE connection for per-VF
// settings (MAC, VLAN, trust, spoof checking). On the real root the Host
// dials one itself on first use; on another root, VF settings are only
// read when this option supplies a connection (offloadtest passes a fake).
// The Host closes it.
func WithRtnetlink(c *netlink.Conn) Option { return func(cfg *config) { cfg.rtnl = c } }

// WithDevlink gives the Host a generic netlink connection for devlink
// (eswitch mode, parameters, ports). On the real root the Host dials one
// itself on first use; on another root devlink is only used when this
// option supplies a connection (offloadtest passes a fake consistent with
// its tree). The Host closes it.
func WithDevlink(c *genetlink.Conn) Option { return func(cfg *config) { cfg.devlink = c } }

// WithEthtool gives the Host a generic netlink connection for ethtool
// features (hw-tc-offload), like WithDevlink. The Host closes it.
func WithEthtool(c *genetlink.Conn) Option { return func(cfg *config) { cfg.ethtool = c } }

// WithNetNS makes the netlink connections the Host dials itself on the real
// root (rtnetlink, devlink, ethtool) talk in the network namespace open at
// descriptor fd (/proc/<pid>/ns/net, /run/netns/<name>) instead of the
// calling thread's: a CNI plugin running in a pod's namespace still sees
// the host's PFs and representors. The Host does not close fd. Connections
// given with WithRtnetlink/WithDevlink/WithEthtool are used as they are.
func WithNetNS(fd int) Option { return func(cfg *config) { cfg.netns = fd } }

// WithHostKernel makes the Host dial the running kernel's rtnetlink, devlink
// and ethtool on first use although WithRoot names another directory: the
// case of an agent in a pod with hostNetwork and the host's /sys and /proc
// mounted below that directory, where sysfs and the kernel belong to the
// same machine. Without it, a Host on another root talks to no kernel (a
// copied tree must not be mixed with the running kernel's answers).
func WithHostKernel() Option { return func(cfg *config) { cfg.hostKernel = true } }

// Open returns a Host. It checks that the root exists and does nothing else;
// every query reads the current state.
func Open(opts ...Option) (*Host, error) {
	c := config{root: "/"}
	for _, o := range opts {
		o(&c)
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
	h := &Host{fs: fs, log: c.log, reps: make(map[Device]*repIndex), geo: make(map[PCIAddress]sriovGeo)}
	// Only the running system's sysfs matches the kernel we would dial
	// (or the host's, mounted elsewhere: WithHostKernel).
	realRoot := filepath.Clean(fs.Root()) == "/" || c.hostKernel
	if c.rtnl != nil {
		h.rtnl = rtnl.New(c.rtnl)
	} else {
		h.rtnlDial = realRoot
	}
	h.kernel = newKernel(c.devlink, c.ethtool, realRoot, c.netns)
	h.netns = c.netns
	return h, nil
}

// Close releases the Host's kernel connections.
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
	return err
}

// rtnlClient returns the rtnetlink client, dialling it on the real root;
// nil, nil when this Host has none (a fake root without WithRtnetlink).
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
