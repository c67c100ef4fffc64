package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/offloadkit/offloadkit/offload/errs"
)

// fakeVswitchd answers one JSON-RPC request on a unix socket with dump,
// recording the request, as ovs-vswitchd's control socket does.
func fakeVswitchd(t *testing.T, dump string) (string, <-chan map[string]any) {
	t.Helper()
	dir, err := os.MkdirTemp("", "dpflows")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "ovs-vswitchd.1.ctl")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("skipping: cannot listen on a unix socket here: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	reqs := make(chan map[string]any, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		var req map[string]any
		if err := json.NewDecoder(bufio.NewReader(conn)).Decode(&req); err != nil {
			return
		}
		reqs <- req
		reply, _ := json.Marshal(map[string]any{"id": req["id"], "result": dump, "error": nil})
		conn.Write(reply)
	}()
	return path, reqs
}

func TestUnixctlDump(t *testing.T) {
	t.Parallel()
	dump, err := os.ReadFile(yusur)
	if err != nil {
		t.Fatal(err)
	}
	path, reqs := fakeVswitchd(t, string(dump))
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = run(ctx, &out, nil, config{json: true, unixctl: true, ctl: path, verbose: true, dumpType: "offloaded", timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	req := <-reqs
	if req["method"] != "dpctl/dump-flows" || !cmp.Equal(req["params"], []any{"-m", "type=offloaded"}) {
		t.Errorf("request %v", req)
	}
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Errorf("%d JSON lines, want 2:\n%s", n, out.String())
	}
}

func TestUnixctlBadType(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), &bytes.Buffer{}, nil, config{unixctl: true, ctl: "/nonexistent", dumpType: "x;y"})
	if !errors.Is(err, errs.ErrInvalidArgument) {
		t.Errorf("err %v, want ErrInvalidArgument", err)
	}
}

func TestUnixctlNoDaemon(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), &bytes.Buffer{}, nil, config{unixctl: true, ctl: filepath.Join(t.TempDir(), "none.ctl"), timeout: time.Second})
	if !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("err %v, want ErrNotFound", err)
	}
}
