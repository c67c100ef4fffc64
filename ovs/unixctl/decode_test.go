package unixctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeReply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Reply
	}{
		// As ovs-vswitchd 3.1 sends them (captured with a python client).
		{`{"id":1,"result":"ovs-vswitchd (Open vSwitch) 3.1.0\n","error":null}`,
			Reply{ID: "1", Result: []byte("ovs-vswitchd (Open vSwitch) 3.1.0\n"), HasResult: true}},
		{`{"id":2,"error":"\"nosuch\" is not a valid command (use \"list-commands\" to see a list of valid commands)\n"}`,
			Reply{ID: "2", Error: "\"nosuch\" is not a valid command (use \"list-commands\" to see a list of valid commands)\n", HasError: true}},
		{`{"id":3,"result":"","error":null}`, Reply{ID: "3", Result: []byte{}, HasResult: true}},
		{`{"id":"abc","result":"x","error":null}`, Reply{ID: `"abc"`, Result: []byte("x"), HasResult: true}},
		{" \n{ \"result\" : \"a\\u00e9\\ud83d\\ude00\\ud800x\\/\\b\\f\\r\\t\" , \"id\" : -1.5e3 }\n",
			Reply{ID: "-1.5e3", Result: []byte("aé😀\uFFFDx/\b\f\r\t"), HasResult: true}},
		{`{"id":4,"result":{"a":[1,true,false,null,"s"]},"error":null,"extra":[{}]}`,
			Reply{ID: "4", RawResult: []byte(`{"a":[1,true,false,null,"s"]}`), HasResult: true}},
		{`{"id":5,"result":"first","result":null,"error":{"code":1}}`,
			Reply{ID: "5", Error: `{"code":1}`, HasError: true}},
		{`{}`, Reply{}},
	} {
		got, err := DecodeReply([]byte(tc.in))
		if err != nil {
			t.Errorf("DecodeReply(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("DecodeReply(%q) -want +got:\n%s", tc.in, diff)
		}
	}
	for _, in := range []string{
		``, `[]`, `{`, `{"id":1,}`, `{"id":01}`, `{"id":1.}`, `{"id":-}`, `{"id":1e}`,
		`{"id":tru}`, `{"result":"a` + "\n" + `"}`, `{"result":"\x"}`, `{"result":"\u12"}`,
		`{"id":1} x`, `{"id" 1}`, `{id:1}`, `{"a":[1 2]}`, `{"a":{"b" 1}}`,
		`{"a":` + string(bytes.Repeat([]byte("["), 100)) + string(bytes.Repeat([]byte("]"), 100)) + `}`,
	} {
		if _, err := DecodeReply([]byte(in)); !errors.Is(err, ErrProtocol) {
			t.Errorf("DecodeReply(%q) = %v, want ErrProtocol", in, err)
		}
	}
}

func TestFramerAnySplit(t *testing.T) {
	t.Parallel()
	msg := []byte(`{"id":1,"result":"a\\\"}{[\n\"x","error":null}`)
	for step := 1; step <= len(msg); step++ {
		var f framer
		end := 0
		for n := step; ; n += step {
			n = min(n, len(msg))
			e, err := f.scan(msg[:n])
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			if e > 0 {
				end = e
				break
			}
			if n == len(msg) {
				break
			}
		}
		if end != len(msg) {
			t.Errorf("step %d: end %d, want %d", step, end, len(msg))
		}
	}
	var f framer
	if _, err := f.scan([]byte(` "x"`)); !errors.Is(err, ErrProtocol) {
		t.Errorf("non-object reply: %v", err)
	}
}

// FuzzDecodeReply checks the hand-written decoder against encoding/json:
// whatever it accepts, encoding/json accepts and reads the same id, result
// and error; and the framer, fed in two pieces, finds the same object end.
func FuzzDecodeReply(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"result":"ovs-vswitchd (Open vSwitch) 3.1.0\n","error":null}`,
		`{"id":2,"error":"\"nosuch\" is not a valid command\n"}`,
		`{"id":"abc","result":"netdev@ovs-netdev:\n  lookups: hit:0 missed:0 lost:0\n","error":null}`,
		`{"id":4,"result":{"a":[1,-2.5e+3,true,false,null]},"error":null}`,
		`{"result":"\u00e9\ud83d\ude00\ud800\/","id":null}`,
		`{"id":1,"result":"x","result":"y"}`,
		`{"id":7,"result":"flow-dump from the main thread:\nufid:5eb34547-e84c-490a-abaf-4e14e0b44411, recirc_id(0),in_port(ukv1), packets:0, bytes:0, used:never, dp:ovs, actions:br0,ukv2\n","error":null}`,
	} {
		f.Add([]byte(s), 3)
	}
	f.Fuzz(func(t *testing.T, data []byte, split int) {
		r, err := DecodeReply(data)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("error %v does not wrap ErrProtocol", err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("encoding/json rejects %q: %v", data, err)
		}
		if id, ok := m["id"]; ok && !bytes.Equal(bytes.TrimSpace(id), []byte(r.ID)) {
			t.Errorf("id %q, encoding/json %q", r.ID, id)
		}
		if res, ok := m["result"]; ok && r.HasResult && r.RawResult == nil {
			var s string
			if err := json.Unmarshal(res, &s); err != nil {
				t.Fatalf("result: %v", err)
			}
			// encoding/json replaces invalid UTF-8; the decoder keeps bytes.
			if utf8.Valid(r.Result) && s != string(r.Result) {
				t.Errorf("result %q, encoding/json %q", r.Result, s)
			}
		}
		if e, ok := m["error"]; ok && r.HasError && len(e) > 0 && e[0] == '"' {
			var s string
			if err := json.Unmarshal(e, &s); err != nil {
				t.Fatalf("error: %v", err)
			}
			if utf8.ValidString(r.Error) && s != r.Error {
				t.Errorf("error %q, encoding/json %q", r.Error, s)
			}
		}
		// The framer must find the object's end wherever the bytes split.
		trimmed := bytes.TrimRight(data, " \t\r\n")
		if split < 0 {
			split = -split
		}
		split %= len(trimmed) + 1
		var fr framer
		end, ferr := fr.scan(trimmed[:split])
		if ferr == nil && end == 0 {
			end, ferr = fr.scan(trimmed)
		}
		if ferr != nil || end != len(trimmed) {
			t.Errorf("framer: end %d, err %v, want %d", end, ferr, len(trimmed))
		}
	})
}
