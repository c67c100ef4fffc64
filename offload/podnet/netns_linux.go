//go:build linux

package podnet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// openNetNS opens the network namespace file at path without side effects
// and without blocking: an O_PATH open (which reads nothing, so a FIFO or
// a device node is not opened for I/O), fstatfs to check the inode is on
// nsfs (NSFS_MAGIC) whatever the path, and only then a real open through
// /proc/self/fd and NS_GET_NSTYPE to check it is a network namespace and
// not another kind. The open runs in a goroutine so that a path whose
// lookup hangs (a stuck network file system) cannot hold the caller past
// ctx; the goroutine closes what it opened if the caller has gone.
//
// A path that does not exist is errs.ErrNotFound; anything that is not a
// network namespace (a FIFO, a regular file, a directory, a device, a
// symlink loop, another kind of namespace) is errs.ErrInvalidArgument.
func openNetNS(ctx context.Context, path string) (netns.NsHandle, error) {
	type result struct {
		ns  netns.NsHandle
		err error
	}
	ch := make(chan result, 1)
	go func() {
		ns, err := openNetNSFile(path)
		ch <- result{ns, err}
	}()
	select {
	case r := <-ch:
		return r.ns, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.err == nil {
				r.ns.Close()
			}
		}()
		return netns.None(), &errs.Error{Op: "open network namespace", Path: path, Err: fmt.Errorf("%w: %w", errs.ErrTimeout, ctx.Err())}
	}
}

func openNetNSFile(path string) (netns.NsHandle, error) {
	fail := func(err error) (netns.NsHandle, error) {
		return netns.None(), &errs.Error{Op: "open network namespace", Path: path, Err: err}
	}
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ENOENT):
		return fail(fmt.Errorf("%w: %w", errs.ErrNotFound, err))
	case errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ENAMETOOLONG):
		return fail(fmt.Errorf("%w: %w", errs.ErrInvalidArgument, err))
	case err != nil:
		return fail(err)
	}
	defer unix.Close(fd)
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return fail(err)
	}
	if st.Type != unix.NSFS_MAGIC {
		return fail(fmt.Errorf("%w: not a namespace file (file system magic %#x, want nsfs %#x)", errs.ErrInvalidArgument, st.Type, unix.NSFS_MAGIC))
	}
	nsfd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(fd), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail(err)
	}
	typ, err := unix.IoctlRetInt(nsfd, unix.NS_GET_NSTYPE)
	if err != nil {
		unix.Close(nsfd)
		return fail(fmt.Errorf("%w: NS_GET_NSTYPE: %w", errs.ErrInvalidArgument, err))
	}
	if typ != unix.CLONE_NEWNET {
		unix.Close(nsfd)
		return fail(fmt.Errorf("%w: a namespace of another kind (type %#x), not a network namespace", errs.ErrInvalidArgument, typ))
	}
	return netns.NsHandle(nsfd), nil
}

// nsLinks is a network namespace and an rtnetlink handle inside it.
type nsLinks struct {
	ns   netns.NsHandle
	h    *netlink.Handle
	what string
}

// linksIn opens an rtnetlink handle in ns and takes ownership of ns. The
// handle's socket timeouts come from ctx's deadline, so no request waits
// past it (vishvananda/netlink takes no context).
func linksIn(ctx context.Context, ns netns.NsHandle, what string) (*nsLinks, error) {
	h, err := netlink.NewHandleAt(ns, syscall.NETLINK_ROUTE)
	if err != nil {
		ns.Close()
		return nil, &errs.Error{Op: "open rtnetlink in namespace", Path: what, Err: err}
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = h.SetSocketTimeout(max(time.Until(dl), time.Millisecond))
	}
	return &nsLinks{ns: ns, h: h, what: what}, nil
}

// openLinks is openNetNS then linksIn.
func openLinks(ctx context.Context, path string) (*nsLinks, error) {
	ns, err := openNetNS(ctx, path)
	if err != nil {
		return nil, err
	}
	return linksIn(ctx, ns, path)
}

func (n *nsLinks) close() {
	if n == nil {
		return
	}
	n.h.Close()
	n.ns.Close()
}

// tempNetNS creates an empty network namespace and bind-mounts it at path
// (under the run directory), so that a VF inside it can still be found by
// a DEL in another process if this one dies halfway: an unmounted
// namespace would die with the process, sending a physical VF to the
// initial namespace and destroying a veth. unshare(2) moves the calling
// thread, so it runs on a goroutine of its own with the thread locked; if
// switching back fails, the thread stays locked and the runtime retires it
// with the goroutine instead of running other code in the wrong namespace.
func tempNetNS(ctx context.Context, path string) (*nsLinks, error) {
	removeTempNetNS(path) // a leftover of a DEL that did not finish
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		return nil, &errs.Error{Op: string(StepTempNetNS), Path: path, Err: err}
	}
	f.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("unshare: %w", err)
			return
		}
		err = unix.Mount("/proc/thread-self/ns/net", path, "none", unix.MS_BIND, "")
		if serr := netns.Set(orig); serr != nil {
			errc <- errors.Join(err, serr) // thread stays locked: retired
			return
		}
		runtime.UnlockOSThread()
		if err != nil {
			err = fmt.Errorf("bind mount: %w", err)
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		_ = os.Remove(path)
		return nil, &errs.Error{Op: string(StepTempNetNS), Path: path, Err: err}
	}
	return openLinks(ctx, path)
}

// openTempNetNS opens the temporary namespace at path if there is one.
func openTempNetNS(ctx context.Context, path string) (*nsLinks, error) {
	n, err := openLinks(ctx, path)
	if err != nil && (errors.Is(err, errs.ErrNotFound) || errors.Is(err, errs.ErrInvalidArgument)) {
		return nil, nil // none, or the empty file of a mount that never happened
	}
	return n, err
}

// removeTempNetNS unmounts and removes the temporary namespace at path;
// the namespace dies when the last handle to it closes.
func removeTempNetNS(path string) {
	_ = unix.Unmount(path, unix.MNT_DETACH)
	_ = os.Remove(path)
}
