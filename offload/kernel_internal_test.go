package offload

import (
	"errors"
	"syscall"
	"testing"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/offloadkit/offloadkit/offload/errs"
)

type fakeClient struct{ closed int }

func (c *fakeClient) Close() error { c.closed++; return nil }

func noWrap(*genetlink.Conn) (*fakeClient, error) { return nil, errors.New("no connection was given") }

// TestLazyClientProbesOnce pins the rules both kernel clients rely on: a
// missing family is probed once, a transient dial error is retried, a
// client is made once and closed once.
func TestLazyClientProbesOnce(t *testing.T) {
	t.Parallel()
	none := errors.New("none")
	dials := 0
	missing := func(*netlink.Config) (*fakeClient, error) {
		dials++
		return nil, &errs.Error{Op: "resolve family", Err: errs.ErrNotSupported}
	}
	var l lazyClient[*fakeClient]
	for range 2 {
		if _, err := l.get(true, 0, none, noWrap, missing); !errors.Is(err, errs.ErrNotSupported) {
			t.Fatalf("get with the family missing = %v, want errs.ErrNotSupported", err)
		}
	}
	if dials != 1 {
		t.Fatalf("a missing family was probed %d times, want once", dials)
	}

	var transient lazyClient[*fakeClient]
	dials = 0
	flaky := func(*netlink.Config) (*fakeClient, error) { dials++; return nil, syscall.ENOBUFS }
	for range 2 {
		if _, err := transient.get(true, 0, none, noWrap, flaky); !errors.Is(err, syscall.ENOBUFS) {
			t.Fatalf("get with a transient error = %v", err)
		}
	}
	if dials != 2 {
		t.Fatalf("a transient dial error was retried %d times, want 2 dials", dials)
	}

	var ok lazyClient[*fakeClient]
	made := &fakeClient{}
	dials = 0
	good := func(*netlink.Config) (*fakeClient, error) { dials++; return made, nil }
	for range 2 {
		if c, err := ok.get(true, 0, none, noWrap, good); err != nil || c != made {
			t.Fatalf("get = %v, %v", c, err)
		}
	}
	if dials != 1 {
		t.Fatalf("dialled %d times, want once", dials)
	}
	if err := ok.close(); err != nil || made.closed != 1 {
		t.Fatalf("close = %v, client closed %d times", err, made.closed)
	}
	if err := ok.close(); err != nil || made.closed != 1 {
		t.Fatalf("second close = %v, client closed %d times, want still 1", err, made.closed)
	}

	var off lazyClient[*fakeClient]
	if _, err := off.get(false, 0, none, noWrap, good); !errors.Is(err, none) {
		t.Fatalf("get without a connection or dialling = %v, want the none error", err)
	}
}
