package genl

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/internal/nlerr"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// DumpRetries bounds how often an interrupted dump (NLM_F_DUMP_INTR: the
// kernel's list changed while it was being sent) is restarted.
const DumpRetries = 5

// Conn is one generic netlink connection bound to one family. It is safe
// for concurrent use; requests are serialised so replies cannot interleave.
type Conn struct {
	mu     sync.Mutex
	c      *genetlink.Conn
	family genetlink.Family
}

// Open resolves family name on c and returns a Conn that owns c. genltest
// connections work here. A kernel without the family gives an error
// matching errs.ErrNotSupported; c is closed on any error.
func Open(c *genetlink.Conn, name string) (*Conn, error) {
	f, err := c.GetFamily(name)
	if err != nil {
		_ = c.Close()
		op := "resolve generic netlink family " + name
		if errors.Is(err, syscall.ENOENT) {
			// The cause's text is kept but not wrapped: its ENOENT would
			// also match ErrNotFound, and no device is missing.
			return nil, &errs.Error{Op: op, Err: fmt.Errorf("%w: the kernel has no %s family (%s)", errs.ErrNotSupported, name, err.Error())}
		}
		return nil, &errs.Error{Op: op, Err: err}
	}
	// The extended ack carries the driver's reason for a refusal ("Can't
	// change mode when VFs are bound"); fake connections may not support
	// the option, which only costs the message.
	_ = c.SetOption(netlink.ExtendedAcknowledge, true)
	return &Conn{c: c, family: f}, nil
}

// Dial opens a generic netlink socket. cfg may be nil; cfg.NetNS selects the
// network namespace (an open /proc/<pid>/ns/net or /run/netns/<name>
// descriptor) the connection talks in.
func Dial(cfg *netlink.Config) (*genetlink.Conn, error) {
	if cfg == nil {
		cfg = &netlink.Config{Strict: true}
	}
	c, err := genetlink.Dial(cfg)
	if err != nil {
		return nil, &errs.Error{Op: "dial generic netlink", Err: err}
	}
	return c, nil
}

// Family returns the resolved family (its ID and version).
func (c *Conn) Family() genetlink.Family { return c.family }

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// Do sends command cmd with body and returns the replies. op and dev name
// the operation and device in errors. A dump the kernel marks interrupted is
// restarted up to DumpRetries times, then fails with ErrBusy. The context
// bounds the exchange on real sockets: its deadline, and its cancellation.
func (c *Conn) Do(ctx context.Context, op, dev string, cmd uint8, flags netlink.HeaderFlags, body []byte) ([]genetlink.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, nlerr.Netlink(ctx, op, dev, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer BindContext(ctx, c.c)()
	req := genetlink.Message{Header: genetlink.Header{Command: cmd, Version: c.family.Version}, Data: body}
	for attempt := 0; ; attempt++ {
		sent, err := c.c.Send(req, c.family.ID, flags)
		if err != nil {
			return nil, nlerr.Netlink(ctx, op, dev, err)
		}
		msgs, raw, err := c.c.Receive()
		if err != nil {
			return nil, nlerr.Netlink(ctx, op, dev, err)
		}
		if err := netlink.Validate(sent, raw); err != nil {
			return nil, nlerr.Netlink(ctx, op, dev, err)
		}
		interrupted := false
		for _, m := range raw {
			interrupted = interrupted || m.Header.Flags&netlink.DumpInterrupted != 0
		}
		if !interrupted {
			return msgs, nil
		}
		if attempt == DumpRetries {
			return nil, &errs.Error{Op: op, Device: dev, Err: fmt.Errorf("%w: dump interrupted %d times in a row", errs.ErrBusy, attempt+1)}
		}
	}
}

// Uint reads an unsigned integer of whatever width the kernel sent (1, 2, 4
// or 8 bytes, native endian), so a field that grows in a later kernel still
// decodes. Other lengths read as 0.
func Uint(b []byte) uint64 {
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.NativeEndian.Uint16(b))
	case 4:
		return uint64(binary.NativeEndian.Uint32(b))
	case 8:
		return binary.NativeEndian.Uint64(b)
	}
	return 0
}
