package unixctl

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

// fakeServer is a unixctl server in the test process. It enforces what OVS
// enforces (exactly method, params and id; params an array of strings) by
// dropping the connection otherwise, and answers through handle, which
// returns the raw reply bytes to write (nil: write nothing, keep reading;
// the sentinel dropConn closes the connection).
type fakeServer struct {
	path   string
	ln     net.Listener
	handle func(method string, params []string, id json.RawMessage) []byte

	mu       sync.Mutex
	accepted int
	bad      []string
}

var dropConn = []byte("drop")

func newFakeServer(t testing.TB, handle func(method string, params []string, id json.RawMessage) []byte) *fakeServer {
	t.Helper()
	// A short directory: unix socket paths are limited to 107 bytes.
	dir, err := os.MkdirTemp("", "uctl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &fakeServer{path: filepath.Join(dir, "fake.ctl"), handle: handle}
	s.ln, err = net.Listen("unix", s.path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { s.ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := s.ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.accepted++
			s.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(c)
			}()
		}
	}()
	return s
}

func (s *fakeServer) serve(c net.Conn) {
	defer c.Close()
	dec := json.NewDecoder(c)
	for {
		var req map[string]json.RawMessage
		if err := dec.Decode(&req); err != nil {
			return
		}
		keys := make([]string, 0, len(req))
		for k := range req {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var params []string
		var method string
		if len(keys) != 3 || keys[0] != "id" || keys[1] != "method" || keys[2] != "params" ||
			json.Unmarshal(req["params"], &params) != nil || params == nil ||
			json.Unmarshal(req["method"], &method) != nil {
			s.mu.Lock()
			s.bad = append(s.bad, string(mustJSON(req)))
			s.mu.Unlock()
			return // what OVS does with a request it does not accept
		}
		out := s.handle(method, params, req["id"])
		if string(out) == string(dropConn) {
			return
		}
		if out != nil {
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	}
}

func (s *fakeServer) stats() (accepted int, bad []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted, append([]string(nil), s.bad...)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// okReply builds {"id":id,"result":result,"error":null} as OVS does.
func okReply(id json.RawMessage, result string) []byte {
	return []byte(`{"id":` + string(id) + `,"result":` + string(mustJSON(result)) + `,"error":null}`)
}

// errReply builds {"id":id,"error":msg} as OVS does.
func errReply(id json.RawMessage, msg string) []byte {
	return []byte(`{"id":` + string(id) + `,"error":` + string(mustJSON(msg)) + `}`)
}
