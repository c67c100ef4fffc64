package genl

import (
	"context"
	"errors"
	"testing"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/genetlink/genltest"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/offload/errs"
)

func TestUint(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   []byte
		want uint64
	}{
		{nil, 0},
		{[]byte{7}, 7},
		{[]byte{1, 2}, 0x0201},
		{[]byte{1, 2, 3, 4}, 0x04030201},
		{[]byte{1, 0, 0, 0, 0, 0, 0, 1}, 0x0100000000000001},
		{[]byte{1, 2, 3}, 0}, // no kernel integer is 3 bytes wide
	} {
		if got := Uint(c.in); got != c.want {
			t.Errorf("Uint(% x) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

func TestOpenMissingFamily(t *testing.T) {
	t.Parallel()
	// The controller answers ENOENT for a family the kernel lacks.
	c := genltest.Dial(func(genetlink.Message, netlink.Message) ([]genetlink.Message, error) {
		return nil, genltest.Error(2)
	})
	_, err := Open(c, "devlink")
	if !errors.Is(err, errs.ErrNotSupported) || errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("Open of a missing family: %v; want ErrNotSupported and not ErrNotFound", err)
	}
}

// TestDoAndCancelledContext: a reply comes back; a request whose context
// has ended never reaches the kernel. (Restarted dumps are tested through
// the devlink client, whose fake marks a dump interrupted.)
func TestDoAndCancelledContext(t *testing.T) {
	t.Parallel()
	calls := 0
	fam := genetlink.Family{ID: 0x20, Version: 1, Name: "devlink"}
	c := genltest.Dial(genltest.ServeFamily(fam, func(req genetlink.Message, nreq netlink.Message) ([]genetlink.Message, error) {
		calls++
		return []genetlink.Message{{Header: genetlink.Header{Command: req.Header.Command}}}, nil
	}))
	conn, err := Open(c, "devlink")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msgs, err := conn.Do(context.Background(), "test", "dev", 3, netlink.Request|netlink.Dump, nil)
	if err != nil || len(msgs) != 1 || calls != 1 {
		t.Fatalf("Do = %d messages, %v after %d calls", len(msgs), err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := conn.Do(ctx, "test", "dev", 3, netlink.Request, nil); !errors.Is(err, errs.ErrTimeout) {
		t.Errorf("Do with a cancelled context: %v, want ErrTimeout", err)
	}
	if calls != 1 {
		t.Errorf("a cancelled request reached the kernel")
	}
}
