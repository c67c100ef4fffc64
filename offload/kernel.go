package offload

import (
	"errors"
	"fmt"
	"sync"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/devlink"
	"github.com/offloadkit/offloadkit/internal/ethtool"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// kernel holds the Host's devlink and ethtool clients. Connections given
// with Config.Devlink/Config.Ethtool are used as they are; on the real root the
// clients are dialled on first use. A family the kernel lacks is
// remembered, so a host without devlink pays for the probe once.
type kernel struct {
	dial  bool   // dial the running kernel when no connection was given
	netns int    // namespace to dial in (Config.NetNS); 0: the caller's
	root  string // the Host's root, for MissingCapabilityError

	mu sync.Mutex
	dl lazyClient[*devlink.Client]
	et lazyClient[*ethtool.Client]
}

// lazyClient is one generic netlink client of the kernel, made on first
// use from a given connection or by dialling. devlink and ethtool share it
// so that the probe-once and close rules are written once.
type lazyClient[C interface{ Close() error }] struct {
	given  *genetlink.Conn // given, not yet wrapped
	client C
	ready  bool
	err    error // sticky errs.ErrNotSupported from a failed probe
}

// get returns the client, wrapping the given connection or dialling when
// dial is set; none when there is neither (a *MissingCapabilityError). The
// caller holds kernel.mu.
func (l *lazyClient[C]) get(dial bool, netns int, none error, wrap func(*genetlink.Conn) (C, error), dialFn func(*netlink.Config) (C, error)) (C, error) {
	var zero C
	if l.ready {
		return l.client, nil
	}
	if l.err != nil {
		return zero, l.err
	}
	var c C
	var err error
	given := l.given != nil
	switch {
	case given:
		c, err = wrap(l.given)
		l.given = nil
	case dial:
		c, err = dialFn(dialConfig(netns))
	default:
		return zero, none
	}
	if err != nil {
		// A given connection was closed by the failed New; a missing
		// family will not appear later.
		if given || errors.Is(err, errs.ErrNotSupported) {
			l.err = err
		}
		return zero, err
	}
	l.client, l.ready = c, true
	return c, nil
}

// close closes the client or the given connection not yet wrapped.
func (l *lazyClient[C]) close() error {
	var err error
	if l.given != nil {
		err = l.given.Close()
	}
	if l.ready {
		err = errors.Join(err, l.client.Close())
	}
	var zero C
	l.given, l.client, l.ready = nil, zero, false
	return err
}

func newKernel(dl, et *genetlink.Conn, dial bool, netns int, root string) *kernel {
	k := &kernel{dial: dial, netns: netns, root: root}
	k.dl.given, k.et.given = dl, et
	return k
}

// MissingCapabilityError is the error of a call that needs a kernel
// interface the Host was opened without: a Host rooted elsewhere than "/"
// dials no netlink unless told in which network namespace to (a sysfs tree
// mounted at /host says nothing about which kernel answers netlink). It
// matches errs.ErrNotSupported; How says how to get the capability. The
// library never answers such a call from sysfs instead.
type MissingCapabilityError struct {
	// Capability names the client: "devlink", "ethtool" or "rtnetlink".
	Capability string
	// Root is the Host's root.
	Root string
	// How says how to open a Host that has the capability.
	How string
}

// Error names the missing client and how to get it.
func (e *MissingCapabilityError) Error() string {
	return fmt.Sprintf("%s: no %s client: the Host is rooted at %s and was not told which network namespace to dial netlink in; %s",
		errs.ErrNotSupported, e.Capability, e.Root, e.How)
}

// Is makes errors.Is(err, errs.ErrNotSupported) true.
func (e *MissingCapabilityError) Is(target error) bool { return target == errs.ErrNotSupported }

// The capabilities a Host reaches over netlink, as MissingCapabilityError
// names them.
const (
	capDevlink   = "devlink"   // eswitch mode, parameters, ports
	capEthtool   = "ethtool"   // features (hw-tc-offload)
	capRtnetlink = "rtnetlink" // links and per-VF settings
)

// missing is the error of a call needing c on a Host that has neither a
// connection for it nor leave to dial one.
func (k *kernel) missing(c string) *MissingCapabilityError {
	opt := map[string]string{capDevlink: "Config.Devlink", capEthtool: "Config.Ethtool", capRtnetlink: "Config.Rtnetlink"}[c]
	return &MissingCapabilityError{Capability: c, Root: k.root,
		How: fmt.Sprintf("open it with offload.Config{NetNSPath: \"/host/proc/1/ns/net\"} (the host's network namespace; /proc/self/ns/net for the caller's own) or give a connection with offload.%s", opt)}
}

// dialConfig is the netlink configuration of connections the Host dials:
// strict checking and extended acks, in namespace netns when non-zero.
func dialConfig(netns int) *netlink.Config {
	return &netlink.Config{NetNS: netns, Strict: true}
}

// devlink returns the devlink client, dialling it when allowed; a
// *MissingCapabilityError when the Host may not, and an error matching
// errs.ErrNotSupported when the kernel lacks devlink.
func (k *kernel) devlink() (*devlink.Client, error) {
	if k == nil {
		return nil, errNoDevlink
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.dl.get(k.dial, k.netns, k.missing(capDevlink), devlink.New, devlink.Dial)
}

// ethtool returns the ethtool client, like devlink.
func (k *kernel) ethtool() (*ethtool.Client, error) {
	if k == nil {
		return nil, errNoEthtool
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.et.get(k.dial, k.netns, k.missing(capEthtool), ethtool.New, ethtool.Dial)
}

// has reports whether the Host has, or may dial, each client.
func (k *kernel) has(c string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch c {
	case capDevlink:
		return k.dial || k.dl.given != nil || k.dl.ready
	case capEthtool:
		return k.dial || k.et.given != nil || k.et.ready
	}
	return false
}

func (k *kernel) close() error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return errors.Join(k.dl.close(), k.et.close())
}
