package collector_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"

	"github.com/offloadkit/offloadkit/offload/offloadtest"
	"github.com/offloadkit/offloadkit/ovs/unixctl"
	"github.com/offloadkit/offloadkit/tc"
	"github.com/offloadkit/offloadkit/tc/tctest"
)

// countingHooks passes sysfs access on to the tree's fake kernel and
// counts the reads of each file.
type countingHooks struct {
	tr *offloadtest.Tree
	mu sync.Mutex
	n  map[string]int
}

func (c *countingHooks) ReadFile(rel string) ([]byte, bool, error) {
	c.mu.Lock()
	c.n[rel]++
	c.mu.Unlock()
	return c.tr.ReadFile(rel)
}

func (c *countingHooks) WriteFile(ctx context.Context, rel string, data []byte) (bool, error) {
	return c.tr.WriteFile(ctx, rel, data)
}

func (c *countingHooks) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.n
	c.n = map[string]int{}
	return old
}

// writeRepStats gives each representor netdev of the tree rx counters, as
// the kernel's statistics/ directory has them.
func writeRepStats(t testing.TB, tr *offloadtest.Tree, packets, bytes uint64) {
	t.Helper()
	names, err := os.ReadDir(filepath.Join(tr.Root, "sys/class/net"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		dir := filepath.Join(tr.Root, "sys/class/net", n.Name(), "statistics")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, v := range map[string]uint64{"rx_packets": packets, "rx_bytes": bytes} {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(fmt.Sprintf("%d\n", v)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// fakeTC is a tc client whose fake kernel gives every interface an
// ingress qdisc holding the filters ovs-vswitchd installed on p1 in the
// VM test (testdata/tc/ovs-dump-p1.nl: 6 skip_hw), with the first one's
// flags rewritten to in_hw as a driver that took it reports.
func fakeTC(t testing.TB) *tc.Client {
	t.Helper()
	rec, err := tctest.ReadRecording("../../testdata/tc/ovs-dump-p1.nl")
	if err != nil {
		t.Fatal(err)
	}
	filters := rec.ReceivedOfType(44) // RTM_NEWTFILTER
	if len(filters) < 2 {
		t.Fatalf("recording has %d filters", len(filters))
	}
	inHW := false
	for i := range filters {
		filters[i].Data = append([]byte(nil), filters[i].Data...)
		if !inHW && setFlowerFlags(filters[i].Data, uint32(tc.FlagInHW)) {
			inHW = true
		}
	}
	if !inHW {
		t.Fatal("no flower flags attribute to rewrite in the recording")
	}
	var mu sync.Mutex
	names := map[string]int{}
	c := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
		h := req[0].Header
		stamp := func(ms []netlink.Message) []netlink.Message {
			for i := range ms {
				ms[i].Header.Sequence, ms[i].Header.PID = h.Sequence, h.PID
			}
			return ms
		}
		switch h.Type {
		case 18: // RTM_GETLINK by name
			ad, err := netlink.NewAttributeDecoder(req[0].Data[16:])
			if err != nil {
				return nil, err
			}
			name := ""
			for ad.Next() {
				if ad.Type() == 3 { // IFLA_IFNAME
					name = ad.String()
				}
			}
			mu.Lock()
			idx, ok := names[name]
			if !ok {
				idx = len(names) + 10
				names[name] = idx
			}
			mu.Unlock()
			b := make([]byte, 16)
			binary.NativeEndian.PutUint32(b[4:8], uint32(idx))
			return stamp([]netlink.Message{{Header: netlink.Header{Type: 16}, Data: b}}), nil
		case 38: // RTM_GETQDISC
			idx := binary.NativeEndian.Uint32(req[0].Data[4:8])
			b := make([]byte, 20)
			binary.NativeEndian.PutUint32(b[4:8], idx)
			binary.NativeEndian.PutUint32(b[8:12], 0xffff0000)
			binary.NativeEndian.PutUint32(b[12:16], uint32(tc.HandleIngress))
			ae := netlink.NewAttributeEncoder()
			ae.String(1, "ingress")
			attrs, _ := ae.Encode()
			out := []netlink.Message{{Header: netlink.Header{Type: 36}, Data: append(b, attrs...)}, {Data: make([]byte, 4)}}
			return nltest.Multipart(stamp(out))
		case 46: // RTM_GETTFILTER
			idx := binary.NativeEndian.Uint32(req[0].Data[4:8])
			out := make([]netlink.Message, 0, len(filters)+1)
			for _, f := range filters {
				d := append([]byte(nil), f.Data...)
				binary.NativeEndian.PutUint32(d[4:8], idx)
				out = append(out, netlink.Message{Header: netlink.Header{Type: 44}, Data: d})
			}
			out = append(out, netlink.Message{Data: make([]byte, 4)})
			return nltest.Multipart(stamp(out))
		}
		return nil, fmt.Errorf("fake tc: unexpected request type %d", h.Type)
	})
	t.Cleanup(func() { c.Close() })
	return tc.NewClient(c)
}

// setFlowerFlags rewrites TCA_FLOWER_FLAGS inside TCA_OPTIONS of an
// RTM_NEWTFILTER body in place; false when there is none.
func setFlowerFlags(body []byte, flags uint32) bool {
	walk := func(b []byte, fn func(typ uint16, val []byte) bool) bool {
		for len(b) >= 4 {
			l := int(binary.NativeEndian.Uint16(b[0:2]))
			if l < 4 || l > len(b) {
				return false
			}
			if fn(binary.NativeEndian.Uint16(b[2:4])&0x3fff, b[4:l]) {
				return true
			}
			b = b[min((l+3)&^3, len(b)):]
		}
		return false
	}
	return walk(body[20:], func(typ uint16, val []byte) bool {
		if typ != 2 { // TCA_OPTIONS
			return false
		}
		return walk(val, func(typ uint16, v []byte) bool {
			if typ == 22 && len(v) == 4 { // TCA_FLOWER_FLAGS
				binary.NativeEndian.PutUint32(v, flags)
				return true
			}
			return false
		})
	})
}

// fakeOVS is an ovs-vswitchd control socket answering dpctl/show and
// dpctl/dump-flows with a fixed dump; a nil dump makes it accept and never
// answer (a hung daemon).
type fakeOVS struct {
	Target unixctl.Config
	ln     net.Listener
}

func startFakeOVS(t testing.TB, dump string, hang bool) *fakeOVS {
	t.Helper()
	dir, err := os.MkdirTemp("", "ovsf")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "ovs-vswitchd.1.ctl")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close(); os.RemoveAll(dir) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				dec := json.NewDecoder(c)
				for {
					var req struct {
						ID     json.RawMessage `json:"id"`
						Method string          `json:"method"`
						Params []string        `json:"params"`
					}
					if err := dec.Decode(&req); err != nil {
						return
					}
					if hang {
						continue
					}
					res := ""
					switch req.Method {
					case "dpctl/show":
						res = "system@ovs-system:\n  lookups: hit:0 missed:0 lost:0\n  flows: 0\n  port 0: ovs-system (internal)\n"
					case "dpctl/dump-flows":
						res = dump
					case "version":
						res = "ovs-vswitchd (Open vSwitch) 3.1.0\n"
					}
					out, _ := json.Marshal(map[string]any{"id": req.ID, "result": res, "error": nil})
					if _, err := c.Write(out); err != nil {
						return
					}
				}
			}()
		}
	}()
	return &fakeOVS{Target: unixctl.Config{Path: sock, RunDir: dir}, ln: ln}
}

// syntheticDump is n datapath flows as `dpctl/dump-flows -m` prints them
// on a TC-offloading host: every fourth in hardware (offloaded:yes,
// dp:tc), every fourth tc in software, the rest in the kernel datapath.
// Each has 10 packets of 1000 bytes.
func syntheticDump(n int) string {
	var b strings.Builder
	for i := range n {
		place := "dp:ovs"
		switch i % 4 {
		case 0:
			place = "offloaded:yes, dp:tc"
		case 1:
			place = "dp:tc"
		}
		fmt.Fprintf(&b, "ufid:%08x-0000-4000-8000-%012x, recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(enp16s0f0r%d),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),eth(src=02:00:00:%02x:%02x:01,dst=02:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.%d.%d.1/255.255.255.255,dst=10.200.0.1/0.0.0.0,proto=17/0,tos=0/0,ttl=64/0,frag=no), packets:10, bytes:1000, used:0.5s, %s, actions:enp16s0f0np0\n",
			i, i, i%256, i>>8&0xff, i&0xff, i>>8&0xff, i&0xff, place)
	}
	return b.String()
}
