package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const yusur = "../../testdata/ovs/yusur-offloaded.txt"

func TestJSONContract(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil, config{json: true, file: yusur}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), out.String())
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"line": 4.0,
		"ufid": "67c2e10f-92d4-4574-be70-d072815ff166",
		"match": map[string]any{
			"skb_priority": "0/0", "skb_mark": "0/0", "ct_state": "0/0x23", "ct_zone": "0/0",
			"ct_mark": "0/0", "ct_label": "0/0", "recirc_id": "0", "dp_hash": "0/0",
			"in_port": "d85b161b6840_h", "packet_type": "ns=0/0,id=0/0",
			"eth": "src=0a:c9:1c:70:01:09,dst=8a:18:a4:22:b7:7d", "eth_type": "0x0800",
			"ipv4": "src=10.0.1.10,dst=10.0.1.6,proto=6,tos=0/0x3,ttl=0/0,frag=no",
			"tcp":  "src=60774,dst=9001",
		},
		"in_port":   "d85b161b6840_h",
		"packets":   75021.0,
		"bytes":     109521630.0,
		"used":      3.99,
		"tcp_flags": "",
		"offloaded": "yes",
		"dp":        "tc",
		"actions": []any{
			map[string]any{"name": "set", "text": "set(tunnel(tun_id=0x5,dst=192.168.201.12,ttl=64,tp_dst=6081,geneve({class=0x102,type=0x80,len=4,0xa0006}),flags(csum|key)))"},
			map[string]any{"name": "output", "text": "genev_sys_6081"},
		},
		"outputs": []any{"genev_sys_6081"},
		// The guide's vendor counters, as printed (issue 15 item 8).
		"extra": map[string]any{"offload_packets": "75019", "offload_bytes": "109521498"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	// The match object keeps input order: read its keys as tokens.
	dec := json.NewDecoder(strings.NewReader(lines[1]))
	var keys []string
	depth := 0
	inMatch := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
				if inMatch && depth == 1 {
					inMatch = false
				}
			}
		case string:
			if depth == 1 && v == "match" {
				inMatch = true
				continue
			}
			if inMatch && depth == 2 && dec.More() {
				keys = append(keys, v)
				var skip any
				if err := dec.Decode(&skip); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	wantKeys := []string{"skb_priority", "tunnel", "skb_mark", "ct_state", "ct_zone", "ct_mark", "ct_label", "recirc_id", "dp_hash", "in_port", "packet_type", "eth", "eth_type", "ipv4", "tcp"}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Errorf("match key order (-want +got):\n%s", diff)
	}
}

func TestJSONNeverAndErrors(t *testing.T) {
	t.Parallel()
	in := "recirc_id(0),in_port(2),eth_type(0x0800),ipv4(frag=no), packets:0, bytes:0, used:never, flags:S., actions:3,eth1\n" +
		"in_port(2),eth(, packets:0\n"
	var out bytes.Buffer
	if err := run(context.Background(), &out, strings.NewReader(in), config{json: true}); err != nil {
		t.Fatalf("tolerant run failed: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines:\n%s", out.String())
	}
	var f struct {
		Used     *float64 `json:"used"`
		TCPFlags string   `json:"tcp_flags"`
		Outputs  []string `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &f); err != nil {
		t.Fatal(err)
	}
	if f.Used != nil || f.TCPFlags != "S." || !cmp.Equal(f.Outputs, []string{"3", "eth1"}) {
		t.Errorf("got %+v", f)
	}
	var e struct {
		Line  int    `json:"line"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &e); err != nil || e.Line != 2 || e.Error == "" {
		t.Errorf("error object %q: %+v %v", lines[1], e, err)
	}
	out.Reset()
	err := run(context.Background(), &out, strings.NewReader(in), config{json: true, strict: true})
	if !errors.Is(err, errLines) {
		t.Errorf("-strict: err %v, want errLines", err)
	}
}

func TestReportTable(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil, config{file: "../../testdata/ovs/kubeovn-cx5-m.txt", findings: 50}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"13 flows",
		"In hardware: 7 of 13 flows (53.8%)",
		"tc-software",
		"Not in hardware: 6 flows",
		"hash(l4(0))",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
}

func TestUnixctlAndFileExclusive(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), &bytes.Buffer{}, nil, config{unixctl: true, file: yusur})
	if err == nil {
		t.Fatal("want an error for -unixctl with a FILE")
	}
}
