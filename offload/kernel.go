package offload

import (
	"errors"
	"sync"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/devlink"
	"github.com/offloadkit/offloadkit/internal/ethtool"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// kernel holds the Host's devlink and ethtool clients. Connections given
// with WithDevlink/WithEthtool are used as they are; on the real root the
// clients are dialled on first use. A family the kernel lacks is
// remembered, so a host without devlink pays for the probe once.
type kernel struct {
	dial  bool // dial the running kernel when no connection was given
	netns int  // namespace to dial in (WithNetNS); 0: the caller's

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
// dial is set; none when there is neither. The caller holds kernel.mu.
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

func newKernel(dl, et *genetlink.Conn, dial bool, netns int) *kernel {
	if dl == nil && et == nil && !dial {
		return nil
	}
	k := &kernel{dial: dial, netns: netns}
	k.dl.given, k.et.given = dl, et
	return k
}

// dialConfig is the netlink configuration of connections the Host dials:
// strict checking and extended acks, in namespace netns when non-zero.
func dialConfig(netns int) *netlink.Config {
	return &netlink.Config{NetNS: netns, Strict: true}
}

// devlink returns the devlink client, dialling it when allowed; an error
// matching errs.ErrNotSupported when the Host has none.
func (k *kernel) devlink() (*devlink.Client, error) {
	if k == nil {
		return nil, errNoDevlink
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.dl.get(k.dial, k.netns, errNoDevlink, devlink.New, devlink.Dial)
}

// ethtool returns the ethtool client, like devlink.
func (k *kernel) ethtool() (*ethtool.Client, error) {
	if k == nil {
		return nil, errNoEthtool
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.et.get(k.dial, k.netns, errNoEthtool, ethtool.New, ethtool.Dial)
}

func (k *kernel) close() error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return errors.Join(k.dl.close(), k.et.close())
}
