//go:build linux

package nldgram

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// TestRepliesRealKernel dumps the links of this network namespace
// (RTM_GETLINK, no privileges needed) through a Reader and through the
// netlink package, and expects the same interfaces from both; a dump
// stopped after its first message leaves the socket in step for the next.
func TestRepliesRealKernel(t *testing.T) {
	t.Parallel()
	c, err := netlink.Dial(unix.NETLINK_ROUTE, nil)
	if err != nil {
		t.Skipf("no rtnetlink socket here: %v", err)
	}
	defer c.Close()
	r := NewReader(c)
	if r == nil {
		t.Fatal("a real socket has no Reader")
	}
	req := netlink.Message{
		Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request | netlink.Dump},
		Data:   make([]byte, unix.SizeofIfInfomsg),
	}
	ifindexes := func(msgs []netlink.Message) []int32 {
		var out []int32
		for _, m := range msgs {
			if m.Header.Type == unix.RTM_NEWLINK && len(m.Data) >= 8 {
				out = append(out, int32(binary.NativeEndian.Uint32(m.Data[4:])))
			}
		}
		slices.Sort(out)
		return out
	}
	buf := make([]byte, BufferSize)
	viaReader := func(stopAfter int) []netlink.Message {
		sent, err := c.Send(req)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []netlink.Message
		for m, err := range Replies(c, r, buf, sent, nil) {
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, netlink.Message{Header: m.Header, Data: slices.Clone(m.Data)})
			if len(msgs) == stopAfter {
				break
			}
		}
		return msgs
	}
	want, err := c.Execute(req)
	if err != nil {
		t.Fatal(err)
	}
	got := ifindexes(viaReader(-1))
	if len(got) == 0 || !slices.Equal(got, ifindexes(want)) {
		t.Fatalf("links through the Reader %v, through the netlink package %v", got, ifindexes(want))
	}
	if n := len(viaReader(1)); n != 1 {
		t.Fatalf("stopped dump gave %d messages, want 1", n)
	}
	if again := ifindexes(viaReader(-1)); !slices.Equal(again, got) {
		t.Errorf("dump after a stopped one: %v, want %v", again, got)
	}
	// And the netlink package's own receive is in step too.
	if after, err := c.Execute(req); err != nil || !slices.Equal(ifindexes(after), got) {
		t.Errorf("Execute after the Reader's dumps: %v, %v", ifindexes(after), err)
	}

	// A dump whose deadline has passed reads nothing and is noted; once
	// Finish has read it to its end, the socket serves the next dump.
	var u Unfinished
	sent, err := c.Send(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadDeadline(time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	var timeout error
	for _, err := range Replies(c, r, buf, sent, &u) {
		timeout = err
	}
	if timeout == nil || !u.pending {
		t.Fatalf("dump past its deadline: error %v, noted %v; want an error, noted", timeout, u.pending)
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := u.Finish(r); err != nil || u.pending {
		t.Fatalf("Finish: %v, still noted %v", err, u.pending)
	}
	if again := ifindexes(viaReader(-1)); !slices.Equal(again, got) {
		t.Errorf("dump after a finished one: %v, want %v", again, got)
	}
}
