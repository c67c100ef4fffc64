package unixctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// echoHandler answers like ovs-vswitchd for a few commands.
func echoHandler(method string, params []string, id json.RawMessage) []byte {
	switch method {
	case "version":
		return okReply(id, "ovs-vswitchd (Open vSwitch) 3.1.0\n")
	case "echo":
		return okReply(id, strings.Join(params, " "))
	case "dpif/show":
		if len(params) > 0 {
			return errReply(id, "\"dpif/show\" command takes at most 0 arguments\n")
		}
		return okReply(id, "netdev@ovs-netdev: hit:0 missed:0\n  br0:\n    br0 65534/1: (tap)\n")
	}
	return errReply(id, fmt.Sprintf("%q is not a valid command (use \"list-commands\" to see a list of valid commands)\n", method))
}

func TestCallAndErrors(t *testing.T) {
	t.Parallel()
	s := newFakeServer(t, echoHandler)
	ctx := context.Background()
	c, err := Dial(ctx, Config{Path: s.path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	v, err := c.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Program != "ovs-vswitchd" || v.Version != "3.1.0" || v.Major != 3 || v.Minor != 1 || !v.AtLeast(3, 1) || v.AtLeast(3, 2) {
		t.Errorf("Version = %+v", v)
	}
	got, err := c.Call(ctx, "echo", "a \"quoted\"", "ü\n", "<&>")
	if err != nil || got != "a \"quoted\" ü\n <&>" {
		t.Errorf("echo = %q, %v", got, err)
	}

	_, err = c.Call(ctx, "nosuch")
	var re *ReplyError
	if !errors.As(err, &re) || re.Method != "nosuch" || re.Path != s.path || strings.HasSuffix(re.Message, "\n") {
		t.Fatalf("unknown command: %#v", err)
	}
	if !errors.Is(err, errs.ErrNotSupported) || errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("unknown command error %v: want ErrNotSupported only", err)
	}
	_, err = c.Call(ctx, "dpif/show", "x")
	if !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("too many arguments: %v, want ErrInvalidArgument", err)
	}
	// Error replies keep the connection: everything above used one.
	if acc, bad := s.stats(); acc != 1 || len(bad) != 0 {
		t.Errorf("connections %d, refused requests %q; want 1 and none", acc, bad)
	}
	if _, err := c.Call(ctx, ""); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("empty method: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(ctx, "version"); err == nil {
		t.Error("call after Close succeeded")
	}
}

func TestConcurrentCallers(t *testing.T) {
	t.Parallel()
	s := newFakeServer(t, echoHandler)
	ctx := context.Background()
	c, err := Dial(ctx, Config{Path: s.path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	errc := make(chan error, 8*50)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				want := fmt.Sprintf("g%d-%d", g, i)
				got, err := c.Call(ctx, "echo", want)
				if err != nil || got != want {
					errc <- fmt.Errorf("echo %s = %q, %v", want, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if acc, bad := s.stats(); acc != 1 || len(bad) != 0 {
		t.Errorf("connections %d, refused %q; want one connection reused", acc, bad)
	}
}

func TestContextDeadline(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	s := newFakeServer(t, func(method string, params []string, id json.RawMessage) []byte {
		if method == "hang" {
			<-block
			return dropConn
		}
		return echoHandler(method, params, id)
	})
	t.Cleanup(func() { close(block) }) // runs before the server's cleanup
	c, err := Dial(context.Background(), Config{Path: s.path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Call(ctx, "hang")
	if !errors.Is(err, errs.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: %v, want ErrTimeout and DeadlineExceeded", err)
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Path != s.path || e.Op != "unixctl hang" {
		t.Errorf("error %#v does not name the call", err)
	}
	// The abandoned connection is not reused: the next call re-dials and
	// gets its own answer, not the hung one.
	if got, err := c.Call(context.Background(), "echo", "after"); err != nil || got != "after" {
		t.Errorf("after timeout: %q, %v", got, err)
	}
	if acc, _ := s.stats(); acc != 2 {
		t.Errorf("connections = %d, want 2 (re-dialled after the timeout)", acc)
	}

	// A cancelled context also stops a caller waiting for the connection.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := c.Call(cctx, "version"); !errors.Is(err, errs.ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestResponseTooLarge(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 64<<10)
	s := newFakeServer(t, func(method string, params []string, id json.RawMessage) []byte {
		if method == "big" {
			return okReply(id, big)
		}
		return echoHandler(method, params, id)
	})
	ctx := context.Background()
	c, err := Dial(ctx, Config{Path: s.path, MaxResponseSize: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Call(ctx, "big"); !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("big reply: %v, want ErrResponseTooLarge", err)
	}
	if got, err := c.Call(ctx, "echo", "ok"); err != nil || got != "ok" {
		t.Errorf("after a too large reply: %q, %v", got, err)
	}
	c2, err := Dial(ctx, Config{Path: s.path})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if got, err := c2.Call(ctx, "big"); err != nil || got != big {
		t.Errorf("big reply under the default limit: %d bytes, %v", len(got), err)
	}
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	for name, reply := range map[string]func(id json.RawMessage) []byte{
		"wrong id":         func(json.RawMessage) []byte { return []byte(`{"id":999,"result":"x","error":null}`) },
		"no result":        func(id json.RawMessage) []byte { return []byte(`{"id":` + string(id) + `,"error":null}`) },
		"not an object":    func(json.RawMessage) []byte { return []byte(`["x"]`) },
		"bad json":         func(id json.RawMessage) []byte { return []byte(`{"id":` + string(id) + `,"result":tru}`) },
		"trailing garbage": func(id json.RawMessage) []byte { return append(okReply(id, "x"), "{"...) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, func(method string, params []string, id json.RawMessage) []byte {
				if method == "bad" {
					return reply(id)
				}
				return echoHandler(method, params, id)
			})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := Dial(ctx, Config{Path: s.path})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Call(ctx, "bad"); !errors.Is(err, ErrProtocol) {
				t.Fatalf("%s: %v, want ErrProtocol", name, err)
			}
			if got, err := c.Call(ctx, "echo", "ok"); err != nil || got != "ok" {
				t.Errorf("after a protocol error: %q, %v", got, err)
			}
		})
	}
}

func TestReconnectAfterServerDrop(t *testing.T) {
	t.Parallel()
	s := newFakeServer(t, func(method string, params []string, id json.RawMessage) []byte {
		if method == "quit" {
			return dropConn // what a restarting daemon does to kept connections
		}
		return echoHandler(method, params, id)
	})
	ctx := context.Background()
	c, err := Dial(ctx, Config{Path: s.path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Call(ctx, "quit"); err == nil {
		t.Fatal("a dropped connection gave no error")
	}
	if got, err := c.Call(ctx, "echo", "again"); err != nil || got != "again" {
		t.Errorf("after drop: %q, %v", got, err)
	}
}

func TestConfigResolution(t *testing.T) {
	// Not parallel: t.Setenv(OVS_RUNDIR) changes the whole process's environment.
	s := newFakeServer(t, echoHandler)
	dir := filepath.Dir(s.path)
	// Put the socket where a daemon with pid 4242 would.
	if err := os.Rename(s.path, filepath.Join(dir, "ovs-vswitchd.4242.ctl")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg := Config{RunDir: dir}
	if _, err := cfg.SocketPath(); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("no pidfile: %v, want ErrNotFound", err)
	}
	if _, err := Dial(ctx, cfg); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("Dial without pidfile: %v, want ErrNotFound", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ovs-vswitchd.pid"), []byte("4242\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Path() != filepath.Join(dir, "ovs-vswitchd.4242.ctl") {
		t.Errorf("Path = %s", c.Path())
	}
	if _, err := c.Version(ctx); err != nil {
		t.Error(err)
	}

	t.Setenv("OVS_RUNDIR", dir)
	if p, err := (Config{}).SocketPath(); err != nil || p != filepath.Join(dir, "ovs-vswitchd.4242.ctl") {
		t.Errorf("OVS_RUNDIR: %s, %v", p, err)
	}
	for _, prog := range []string{"../etc/passwd", "a/b", ".hidden"} {
		if _, err := (Config{RunDir: dir, Program: prog}).SocketPath(); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("program %q: %v, want ErrInvalidArgument", prog, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "ovsdb-server.pid"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := (Config{RunDir: dir, Program: "ovsdb-server"}).SocketPath(); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("bad pidfile: %v, want ErrInvalidArgument", err)
	}
	if _, err := Dial(ctx, Config{Path: filepath.Join(dir, "nonexistent.ctl")}); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("missing socket: %v, want ErrNotFound", err)
	}
	// MaxResponseSize: 0 is the default, small values are raised to 4 KiB,
	// a negative one is refused before anything is dialled.
	for in, want := range map[int]int{0: DefaultMaxResponseSize, 1: 4 << 10, 64 << 10: 64 << 10} {
		if got := (Config{MaxResponseSize: in}).maxResponseSize(); got != want {
			t.Errorf("MaxResponseSize %d: limit %d, want %d", in, got, want)
		}
	}
	if _, err := Dial(ctx, Config{Path: s.path, MaxResponseSize: -1}); !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("negative MaxResponseSize: %v, want ErrInvalidArgument", err)
	}
}
