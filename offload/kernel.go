package offload

import (
	"errors"
	"sync"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/devlink"
	"github.com/offloadkit/offloadkit/internal/errs"
	"github.com/offloadkit/offloadkit/internal/ethtool"
)

// kernel holds the Host's devlink and ethtool clients. Connections given
// with WithDevlink/WithEthtool are used as they are; on the real root the
// clients are dialled on first use. A family the kernel lacks is
// remembered, so a host without devlink pays for the probe once.
type kernel struct {
	dial  bool // dial the running kernel when no connection was given
	netns int  // namespace to dial in (WithNetNS); 0: the caller's

	mu    sync.Mutex
	dlc   *genetlink.Conn // given, not yet wrapped
	etc   *genetlink.Conn
	dl    *devlink.Client
	et    *ethtool.Client
	dlErr error // sticky ErrNotSupported from a failed probe
	etErr error
}

func newKernel(dl, et *genetlink.Conn, dial bool, netns int) *kernel {
	if dl == nil && et == nil && !dial {
		return nil
	}
	return &kernel{dial: dial, netns: netns, dlc: dl, etc: et}
}

// dialConfig is the netlink configuration of connections the Host dials:
// strict checking and extended acks, in namespace netns when non-zero.
func dialConfig(netns int) *netlink.Config {
	return &netlink.Config{NetNS: netns, Strict: true}
}

// devlink returns the devlink client, dialling it when allowed; an error
// matching ErrNotSupported when the Host has none.
func (k *kernel) devlink() (*devlink.Client, error) {
	if k == nil {
		return nil, errNoDevlink
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dl != nil {
		return k.dl, nil
	}
	if k.dlErr != nil {
		return nil, k.dlErr
	}
	var c *devlink.Client
	var err error
	given := k.dlc != nil
	switch {
	case given:
		c, err = devlink.New(k.dlc)
		k.dlc = nil
	case k.dial:
		c, err = devlink.Dial(dialConfig(k.netns))
	default:
		return nil, errNoDevlink
	}
	if err != nil {
		// A given connection was closed by the failed New; a missing
		// family will not appear later.
		if given || errors.Is(err, errs.ErrNotSupported) {
			k.dlErr = err
		}
		return nil, err
	}
	k.dl = c
	return c, nil
}

// ethtool returns the ethtool client, like devlink.
func (k *kernel) ethtool() (*ethtool.Client, error) {
	if k == nil {
		return nil, errNoEthtool
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.et != nil {
		return k.et, nil
	}
	if k.etErr != nil {
		return nil, k.etErr
	}
	var c *ethtool.Client
	var err error
	given := k.etc != nil
	switch {
	case given:
		c, err = ethtool.New(k.etc)
		k.etc = nil
	case k.dial:
		c, err = ethtool.Dial(dialConfig(k.netns))
	default:
		return nil, errNoEthtool
	}
	if err != nil {
		if given || errors.Is(err, errs.ErrNotSupported) {
			k.etErr = err
		}
		return nil, err
	}
	k.et = c
	return c, nil
}

func (k *kernel) close() error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	var errList []error
	for _, c := range []*genetlink.Conn{k.dlc, k.etc} {
		if c != nil {
			errList = append(errList, c.Close())
		}
	}
	if k.dl != nil {
		errList = append(errList, k.dl.Close())
	}
	if k.et != nil {
		errList = append(errList, k.et.Close())
	}
	k.dlc, k.etc, k.dl, k.et = nil, nil, nil, nil
	return errors.Join(errList...)
}
