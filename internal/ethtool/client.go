package ethtool

import (
	"context"
	"fmt"
	"strings"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/genl"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// NotAppliedError lists the features a FEATURES_SET request asked for that
// the kernel did not apply. It matches errs.ErrNotApplied.
type NotAppliedError struct {
	Interface string
	// Features holds each feature with the value that was requested.
	Features []FeatureChange
}

// Error names every feature that kept its old state.
func (e *NotAppliedError) Error() string {
	parts := make([]string, len(e.Features))
	for i, f := range e.Features {
		parts[i] = fmt.Sprintf("%s %s", f.Name, onOff(f.Value))
	}
	return fmt.Sprintf("%s by the kernel: %s", errs.ErrNotApplied, strings.Join(parts, ", "))
}

// Unwrap returns errs.ErrNotApplied.
func (e *NotAppliedError) Unwrap() error { return errs.ErrNotApplied }

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// Client sends ethtool feature requests over one generic netlink
// connection. It is safe for concurrent use; requests are serialised.
type Client struct {
	conn *genl.Conn
}

// New resolves the ethtool family on c and returns a Client that owns c. A
// kernel without it gives an error matching errs.ErrNotSupported.
func New(c *genetlink.Conn) (*Client, error) {
	conn, err := genl.Open(c, GenlName)
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// do sends one request and returns the replies. No NLM_F_ACK: both
// commands answer with a reply message, and an acknowledgement on top would
// be left unread in the socket.
func (c *Client) do(ctx context.Context, op, dev string, cmd uint8, body []byte) ([]genetlink.Message, error) {
	return c.conn.Do(ctx, op, dev, cmd, netlink.Request, body)
}

func checkInterface(ifc Interface) error {
	if ifc.Index < 0 {
		return errs.Invalid("interface index", fmt.Sprint(ifc.Index), "negative")
	}
	if ifc.Index == 0 && ifc.Name == "" {
		return errs.Invalid("interface", "", "want a name or an index")
	}
	if ifc.Name != "" {
		return errs.ValidateIfName(ifc.Name)
	}
	return nil
}

// Features reads the features of ifc (`ethtool -k`).
func (c *Client) Features(ctx context.Context, ifc Interface) (Features, error) {
	const op = "ethtool -k"
	if err := checkInterface(ifc); err != nil {
		return nil, err
	}
	body, err := EncodeFeaturesGet(ifc)
	if err != nil {
		return nil, err
	}
	msgs, err := c.do(ctx, op, ifc.String(), MsgFeaturesGet, body)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.Header.Command != MsgFeaturesGetReply {
			continue
		}
		_, fs, err := DecodeFeatures(m.Data)
		if err != nil {
			return nil, &errs.Error{Op: "decode " + op, Device: ifc.String(), Err: err}
		}
		return fs, nil
	}
	return nil, &errs.Error{Op: op, Device: ifc.String(), Err: fmt.Errorf("%w: no features reply", errs.ErrNotSupported)}
}

// SetFeatures changes the named features of ifc and leaves the others
// (`ethtool -K <dev> hw-tc-offload on`). It returns what the kernel
// reported; when some requested bits were not applied the error is an
// *errs.Error wrapping a *NotAppliedError (errors.Is(err,
// errs.ErrNotApplied)), and the result is still returned.
func (c *Client) SetFeatures(ctx context.Context, ifc Interface, want map[string]bool) (SetResult, error) {
	const op = "ethtool -K"
	if err := checkInterface(ifc); err != nil {
		return SetResult{}, err
	}
	if len(want) == 0 {
		return SetResult{}, errs.Invalid("feature list", ifc.String(), "empty")
	}
	for n := range want {
		if n == "" || len(n) > 64 || strings.ContainsAny(n, "\x00 ") {
			return SetResult{}, errs.Invalid("feature name", n, "empty, too long or with spaces")
		}
	}
	body, err := EncodeFeaturesSet(ifc, want)
	if err != nil {
		return SetResult{}, err
	}
	msgs, err := c.do(ctx, op, ifc.String(), MsgFeaturesSet, body)
	if err != nil {
		return SetResult{}, err
	}
	for _, m := range msgs {
		if m.Header.Command != MsgFeaturesSetReply {
			continue
		}
		r, err := DecodeFeaturesSetReply(m.Data)
		if err != nil {
			return SetResult{}, &errs.Error{Op: "decode " + op, Device: ifc.String(), Err: err}
		}
		if len(r.NotApplied) > 0 {
			return r, &errs.Error{Op: op, Device: ifc.String(), Err: &NotAppliedError{Interface: ifc.String(), Features: r.NotApplied}}
		}
		return r, nil
	}
	// Without a reply there is nothing to check the result against; say
	// so rather than report success.
	return SetResult{}, &errs.Error{Op: op, Device: ifc.String(), Err: fmt.Errorf("%w: no FEATURES_SET reply to check the result against", errs.ErrNotSupported)}
}
