package unixctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// keepBuffer is the largest read buffer a Client keeps between calls.
// Repeated dumps of a few thousand flows then reuse it; one huge dump does
// not pin its memory.
const keepBuffer = 16 << 20

// Client talks to one daemon's control socket. It is safe for concurrent
// use: calls are serialised on one connection, since the daemon answers one
// request at a time per connection; a caller waiting for its turn gives up
// when its context ends.
type Client struct {
	cfg     Config
	maxSize int

	// lock holds one token; sending takes it. A channel, not a mutex, so
	// waiting for the connection honours the caller's context.
	lock chan struct{}
	// The fields below are guarded by lock.
	conn   net.Conn
	path   string
	buf    []byte
	nextID uint64
	closed bool
}

// Dial resolves the socket cfg names and connects to the daemon. The
// connection is kept and reused; after a transport error or a cancelled
// call the next call resolves cfg again and re-dials, so a restarted daemon
// (new pid, new socket name) is found. A negative cfg.MaxResponseSize
// matches ErrInvalidArgument.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.MaxResponseSize < 0 {
		return nil, errs.Invalid("unixctl MaxResponseSize", strconv.Itoa(cfg.MaxResponseSize), "negative")
	}
	c := &Client{cfg: cfg, maxSize: cfg.maxResponseSize(), lock: make(chan struct{}, 1), nextID: 1}
	if err := c.acquire(ctx, "dial"); err != nil {
		return nil, err
	}
	defer c.release()
	if err := c.dial(ctx, "dial"); err != nil {
		return nil, err
	}
	return c, nil
}

// Path returns the socket path of the current connection, or the last one.
// It waits for a call in progress.
func (c *Client) Path() string {
	c.lock <- struct{}{}
	defer c.release()
	return c.path
}

// Close closes the connection. Calls after Close fail with net.ErrClosed.
func (c *Client) Close() error {
	c.lock <- struct{}{}
	defer c.release()
	c.closed = true
	return c.drop()
}

func (c *Client) acquire(ctx context.Context, method string) error {
	select {
	case c.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return &errs.Error{Op: "unixctl " + method, Path: c.cfg.String(),
			Err: fmt.Errorf("%w: waiting for the connection: %w", errs.ErrTimeout, ctx.Err())}
	}
}

func (c *Client) release() { <-c.lock }

func (c *Client) drop() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}

func (c *Client) dial(ctx context.Context, method string) error {
	path, err := c.cfg.SocketPath()
	if err != nil {
		return err
	}
	c.path = path
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return c.wrap(ctx, method, err)
	}
	c.conn = conn
	return nil
}

// wrap turns a transport error into an *errs.Error naming the method and
// socket, and a context expiry into ErrTimeout.
func (c *Client) wrap(ctx context.Context, method string, err error) error {
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Err != nil {
		err = ne.Err // drop the "dial unix /path:" prefix; Path says it
	}
	switch {
	case ctx.Err() != nil:
		err = fmt.Errorf("%w: %w", errs.ErrTimeout, ctx.Err())
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The socket deadline is the context deadline; it can fire a
		// moment before the context's own timer.
		err = fmt.Errorf("%w: %w", errs.ErrTimeout, context.DeadlineExceeded)
	}
	return &errs.Error{Op: "unixctl " + method, Path: c.path, Err: err}
}

// Call runs method with args and returns the daemon's output text. An
// error reply is a *ReplyError.
func (c *Client) Call(ctx context.Context, method string, args ...string) (string, error) {
	b, err := c.CallBytes(ctx, method, args...)
	return string(b), err
}

// CallBytes is Call returning the output as a byte slice the caller owns,
// saving a copy of large dumps.
func (c *Client) CallBytes(ctx context.Context, method string, args ...string) ([]byte, error) {
	if method == "" {
		return nil, errs.Invalid("unixctl method", method, "empty")
	}
	if err := c.acquire(ctx, method); err != nil {
		return nil, err
	}
	defer c.release()
	if c.closed {
		return nil, &errs.Error{Op: "unixctl " + method, Path: c.path, Err: net.ErrClosed}
	}
	fresh := false
	if c.conn == nil {
		if err := c.dial(ctx, method); err != nil {
			return nil, err
		}
		fresh = true
	}
	r, got, err := c.roundTrip(ctx, method, args)
	if err != nil && !fresh && got == 0 && ctx.Err() == nil && stale(err) {
		// The daemon closed a kept connection (it restarted, or dropped
		// an idle client) before reading the request: retry once on a
		// new connection.
		_ = c.drop()
		if err := c.dial(ctx, method); err != nil {
			return nil, err
		}
		r, _, err = c.roundTrip(ctx, method, args)
	}
	if err != nil {
		_ = c.drop()
		if !errors.Is(err, ErrProtocol) && !errors.Is(err, ErrResponseTooLarge) {
			return nil, c.wrap(ctx, method, err)
		}
		return nil, &errs.Error{Op: "unixctl " + method, Path: c.path, Err: err}
	}
	if r.HasError {
		return nil, &ReplyError{Path: c.path, Method: method, Message: strings.TrimRight(r.Error, "\n")}
	}
	if r.RawResult != nil {
		return r.RawResult, nil
	}
	if r.Result == nil {
		r.Result = []byte{}
	}
	return r.Result, nil
}

// stale reports errors that mean the peer had closed the connection.
func stale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// request is the exact JSON-RPC 1.0 request OVS accepts: these three
// members and no others.
type request struct {
	Method string   `json:"method"`
	Params []string `json:"params"`
	ID     uint64   `json:"id"`
}

// roundTrip sends one request and reads its reply. got counts reply bytes
// received, so a caller can tell a connection that died idle from one that
// died mid-reply.
func (c *Client) roundTrip(ctx context.Context, method string, args []string) (Reply, int, error) {
	if args == nil {
		args = []string{}
	}
	id := c.nextID
	c.nextID++
	req, err := json.Marshal(request{Method: method, Params: args, ID: id})
	if err != nil {
		return Reply{}, 0, err
	}
	conn := c.conn
	dl, _ := ctx.Deadline()
	if err := conn.SetDeadline(dl); err != nil {
		return Reply{}, 0, err
	}
	// A deadline in the past interrupts the blocked Read or Write at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	r, got, err := c.exchange(conn, req, id)
	if !stop() && err == nil {
		// The context ended while the reply arrived: the deadline may
		// now be in the past, so the connection is not reused.
		_ = c.drop()
	}
	return r, got, err
}

func (c *Client) exchange(conn net.Conn, req []byte, id uint64) (Reply, int, error) {
	if _, err := conn.Write(req); err != nil {
		return Reply{}, 0, err
	}
	buf := c.buf[:0]
	defer func() {
		if cap(buf) <= keepBuffer {
			c.buf = buf[:0]
		} else {
			c.buf = nil
		}
	}()
	var f framer
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= c.maxSize {
				return Reply{}, len(buf), fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, c.maxSize)
			}
			nb := make([]byte, len(buf), min(max(2*cap(buf), 64<<10), c.maxSize))
			copy(nb, buf)
			buf = nb
		}
		n, rerr := conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if n > 0 {
			end, err := f.scan(buf)
			if err != nil {
				return Reply{}, len(buf), err
			}
			if end > 0 {
				if end != len(buf) {
					return Reply{}, len(buf), fmt.Errorf("%w: %d bytes after the reply", ErrProtocol, len(buf)-end)
				}
				r, err := DecodeReply(buf[:end])
				if err != nil {
					return r, len(buf), err
				}
				if r.ID != strconv.FormatUint(id, 10) {
					return r, len(buf), fmt.Errorf("%w: reply id %s to request id %d", ErrProtocol, r.ID, id)
				}
				if !r.HasError && !r.HasResult {
					return r, len(buf), fmt.Errorf("%w: reply has neither result nor error", ErrProtocol)
				}
				return r, len(buf), nil
			}
		}
		if rerr != nil {
			if rerr == io.EOF && len(buf) > 0 {
				rerr = io.ErrUnexpectedEOF
			}
			return Reply{}, len(buf), rerr
		}
	}
}
