package nlerr

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/offloadkit/offloadkit/offload/errs"

	"github.com/mdlayher/netlink"
)

func TestNetlinkKeepsErrnoAndMessage(t *testing.T) {
	t.Parallel()
	ack := &netlink.OpError{Op: "receive", Err: syscall.EBUSY, Message: "VFs exist"}
	err := Netlink(context.Background(), "devlink eswitch set", "pci/0000:03:00.0", ack)
	want := "devlink eswitch set pci/0000:03:00.0: device or resource busy: kernel says: VFs exist"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if !errors.Is(err, errs.ErrBusy) || errors.Is(err, errs.ErrTimeout) {
		t.Errorf("%v: want errs.ErrBusy and not errs.ErrTimeout", err)
	}
	// Without an extended ack the OpError stays the cause; its errno still maps.
	bare := Netlink(context.Background(), "get link", "eth0", &netlink.OpError{Op: "receive", Err: syscall.ENODEV})
	if !errors.Is(bare, errs.ErrNotFound) || !errors.As(bare, new(*netlink.OpError)) {
		t.Errorf("%v: want errs.ErrNotFound wrapping the *netlink.OpError", bare)
	}
}

func TestNetlinkAfterContextEnded(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A read aborted by the deadline a cancelled context set on the socket.
	sock := &netlink.OpError{Op: "receive", Err: os.NewSyscallError("recvmsg", os.ErrDeadlineExceeded)}
	for _, cause := range []error{sock, ctx.Err()} {
		err := Netlink(ctx, "dump filters", "eth0", cause)
		if !errors.Is(err, errs.ErrTimeout) || !errors.Is(err, context.Canceled) {
			t.Errorf("Netlink(%v) = %v, want errs.ErrTimeout wrapping context.Canceled", cause, err)
		}
	}
	// The kernel's answer is kept even when the context ended meanwhile.
	err := Netlink(ctx, "add filter", "eth0", &netlink.OpError{Op: "receive", Err: syscall.EEXIST})
	if !errors.Is(err, errs.ErrExists) || errors.Is(err, errs.ErrTimeout) {
		t.Errorf("%v: want errs.ErrExists and not errs.ErrTimeout", err)
	}
	// A socket timeout with a live context is not the caller giving up.
	if err := Netlink(context.Background(), "get link", "eth0", sock); errors.Is(err, errs.ErrTimeout) {
		t.Errorf("%v matched errs.ErrTimeout with a live context", err)
	}
}
