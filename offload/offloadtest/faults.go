package offloadtest

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// oneShots holds one-shot faults: the n-th request to a key (a sysfs path,
// a devlink command on a PF, an ethtool command on a netdev) fails once,
// and the requests after it succeed again. Rollback paths need that: they
// write the same file or send the same command right after the failure, as
// they would after a transient kernel error. The zero value is ready to
// use; callers hold Tree.mu.
type oneShots struct {
	seen    map[string]int
	pending map[string][]oneShot
}

// oneShot fails the request numbered at in its key's count (oneShots.seen,
// which starts when the first fault of the tree is armed, not when the
// tree is built).
type oneShot struct {
	at    int
	kind  FaultKind
	errno syscall.Errno
	msg   string
	delay time.Duration
}

// FaultKind is how a request the fake kernel was told to fail goes wrong.
// Real kernels do all of these; a fake that only refuses cannot show
// whether a rollback copes with a change it did not see coming.
type FaultKind uint8

// Fault kinds.
const (
	// FaultRefused: the request is refused and changes nothing.
	FaultRefused FaultKind = iota
	// FaultLate: the request is applied after the caller's deadline. A
	// sysfs write blocks until the writer's context ends and is applied a
	// little later (the write cannot be interrupted); a devlink or ethtool
	// request is applied by the kernel within the send, and the caller's
	// read deadline passes before it sees the answer (it gets a socket
	// timeout).
	FaultLate
	// FaultAppliedThenError: the request is applied, then an error is
	// returned (a driver that changed the setting and failed a later part
	// of the operation).
	FaultAppliedThenError
	// FaultSlow: the request takes a fixed time, whatever the caller's
	// deadline, and is then applied (sysfs writes only).
	FaultSlow
)

// String names the kind.
func (k FaultKind) String() string {
	switch k {
	case FaultRefused:
		return "refused"
	case FaultLate:
		return "applied-after-deadline"
	case FaultAppliedThenError:
		return "applied-then-error"
	case FaultSlow:
		return "slow"
	}
	return fmt.Sprintf("fault(%d)", uint8(k))
}

// arm makes the n-th request to key, counted from now, fail with errno.
func (o *oneShots) arm(key string, n int, errno syscall.Errno, msg string) {
	o.armKind(key, n, oneShot{kind: FaultRefused, errno: errno, msg: msg})
}

// armKind arms f on the n-th request to key, counted from now.
func (o *oneShots) armKind(key string, n int, f oneShot) {
	if n < 1 {
		// A programming error in a test, not a runtime condition: the
		// first request is n=1.
		panic(fmt.Sprintf("offloadtest: one-shot fault on %s: n is %d, want >= 1", key, n))
	}
	if f.errno == 0 && (f.kind == FaultRefused || f.kind == FaultAppliedThenError) {
		panic(fmt.Sprintf("offloadtest: one-shot fault on %s: errno 0 would not fail", key))
	}
	if o.pending == nil {
		o.seen, o.pending = map[string]int{}, map[string][]oneShot{}
	}
	f.at = o.seen[key] + n
	o.pending[key] = append(o.pending[key], f)
}

// hit counts one request to key and returns the fault due on it, if any,
// disarming it.
func (o *oneShots) hit(key string) (oneShot, bool) {
	if o.pending == nil {
		// Nothing armed yet: counting starts when the first fault is
		// armed, which is all "counted from now" needs.
		return oneShot{}, false
	}
	o.seen[key]++
	list := o.pending[key]
	for i, f := range list {
		if f.at == o.seen[key] {
			list = append(list[:i:i], list[i+1:]...)
			if len(list) == 0 {
				delete(o.pending, key)
			} else {
				o.pending[key] = list
			}
			return f, true
		}
	}
	return oneShot{}, false
}

// FailWriteOnce makes the next write to rel (relative to Root) fail with
// errno; the writes after it go through. It is FailWriteNth(rel, 1, errno).
func (tr *Tree) FailWriteOnce(rel string, errno syscall.Errno) {
	tr.FailWriteNth(rel, 1, errno)
}

// FailWriteNth makes the n-th write to rel (relative to Root), counted
// from now and starting at 1, fail once with errno; earlier and later
// writes go through, so a rollback that writes the same file again
// succeeds. Several can be armed on one path. n < 1 or errno 0 panics.
func (tr *Tree) FailWriteNth(rel string, n int, errno syscall.Errno) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.arm("w|"+rel, n, errno, "")
}

// FailDevlinkNth makes the n-th op request on PF addr, counted from now and
// starting at 1, fail once with errno and, when msg is not empty, msg as
// the extended ack; the requests after it are answered normally. A
// FailDevlink refusal on the same op takes precedence (the request still
// counts). n < 1 or errno 0 panics.
func (tr *Tree) FailDevlinkNth(addr string, op DevlinkOp, n int, errno syscall.Errno, msg string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.arm(devlinkFaultKey(addr, op), n, errno, msg)
}

// FailFeaturesSetNth makes the n-th ethtool FEATURES_SET request for
// netdev, counted from now and starting at 1, fail once with errno (a
// driver refusing hw-tc-offload while it reconfigures, say); the requests
// after it are answered normally. n < 1 or errno 0 panics.
func (tr *Tree) FailFeaturesSetNth(netdev string, n int, errno syscall.Errno) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.arm(featuresSetFaultKey(netdev), n, errno, "")
}

// LateWriteNth makes the n-th write to rel, counted from now, outlive the
// writer's deadline: it blocks until the writer's context ends and is
// applied delay later, as a sysfs write the kernel cannot interrupt is.
func (tr *Tree) LateWriteNth(rel string, n int, delay time.Duration) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.armKind("w|"+rel, n, oneShot{kind: FaultLate, delay: delay})
}

// SlowWriteNth makes the n-th write to rel, counted from now, take d
// whatever the writer's deadline, and then be applied (sriov_numvfs on a
// busy driver).
func (tr *Tree) SlowWriteNth(rel string, n int, d time.Duration) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.armKind("w|"+rel, n, oneShot{kind: FaultSlow, delay: d})
}

// AppliedThenFailWriteNth makes the n-th write to rel, counted from now,
// take effect and then fail with errno.
func (tr *Tree) AppliedThenFailWriteNth(rel string, n int, errno syscall.Errno) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.armKind("w|"+rel, n, oneShot{kind: FaultAppliedThenError, errno: errno})
}

// LateDevlinkNth makes the n-th op request on PF addr, counted from now, be
// applied while the caller's read deadline passes: the caller gets a
// socket timeout, and the kernel state has changed.
func (tr *Tree) LateDevlinkNth(addr string, op DevlinkOp, n int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.armKind(devlinkFaultKey(addr, op), n, oneShot{kind: FaultLate})
}

// AppliedThenFailDevlinkNth makes the n-th op request on PF addr, counted
// from now, be applied and then answered with errno (and msg as the
// extended ack).
func (tr *Tree) AppliedThenFailDevlinkNth(addr string, op DevlinkOp, n int, errno syscall.Errno, msg string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.armKind(devlinkFaultKey(addr, op), n, oneShot{kind: FaultAppliedThenError, errno: errno, msg: msg})
}

// LateFeaturesSetNth makes the n-th ethtool FEATURES_SET request for
// netdev, counted from now, be applied while the caller's read deadline
// passes (a socket timeout).
func (tr *Tree) LateFeaturesSetNth(netdev string, n int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.armKind(featuresSetFaultKey(netdev), n, oneShot{kind: FaultLate})
}

// AppliedThenFailFeaturesSetNth makes the n-th ethtool FEATURES_SET
// request for netdev, counted from now, be applied and then answered with
// errno.
func (tr *Tree) AppliedThenFailFeaturesSetNth(netdev string, n int, errno syscall.Errno) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.once.armKind(featuresSetFaultKey(netdev), n, oneShot{kind: FaultAppliedThenError, errno: errno})
}

// lateSocketError is what a netlink caller sees when its read deadline
// passed after the kernel executed its request.
func lateSocketError() error { return os.NewSyscallError("recvmsg", os.ErrDeadlineExceeded) }

func devlinkFaultKey(addr string, op DevlinkOp) string { return "dl|" + addr + "|" + string(op) }

func featuresSetFaultKey(netdev string) string { return "et|" + netdev + "|features-set" }
