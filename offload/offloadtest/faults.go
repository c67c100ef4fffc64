package offloadtest

import (
	"fmt"
	"syscall"
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
	errno syscall.Errno
	msg   string
}

// arm makes the n-th request to key, counted from now, fail with errno.
func (o *oneShots) arm(key string, n int, errno syscall.Errno, msg string) {
	if n < 1 {
		// A programming error in a test, not a runtime condition: the
		// first request is n=1.
		panic(fmt.Sprintf("offloadtest: one-shot fault on %s: n is %d, want >= 1", key, n))
	}
	if errno == 0 {
		panic(fmt.Sprintf("offloadtest: one-shot fault on %s: errno 0 would not fail", key))
	}
	if o.pending == nil {
		o.seen, o.pending = map[string]int{}, map[string][]oneShot{}
	}
	o.pending[key] = append(o.pending[key], oneShot{at: o.seen[key] + n, errno: errno, msg: msg})
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

func devlinkFaultKey(addr string, op DevlinkOp) string { return "dl|" + addr + "|" + string(op) }

func featuresSetFaultKey(netdev string) string { return "et|" + netdev + "|features-set" }
