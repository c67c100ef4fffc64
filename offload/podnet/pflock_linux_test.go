package podnet

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/offloadkit/offloadkit/internal/filelock"
	"github.com/offloadkit/offloadkit/offload/errs"
	"github.com/offloadkit/offloadkit/offload/switchdev"
)

// TestPlanAndPodExcludeEachOther: while a switchdev plan holds a PF (its
// exclusive lock, taken here through switchdev.LockPF), an ADD on one of
// the PF's VFs waits, and gives up with its context having touched
// nothing; while an ADD is under way, a plan's LockPF waits for it.
func TestPlanAndPodExcludeEachOther(t *testing.T) {
	t.Parallel()
	r := newRig(t, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	ctx := context.Background()
	pf, err := r.host.PFOfVF(r.vf)
	if err != nil {
		t.Fatal(err)
	}
	before := r.state(t)

	plan, err := switchdev.LockPF(ctx, r.p.runDir, pf)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = r.p.AttachVF(short, r.vf, podA, r.podNS, attachOpts())
	cancel()
	if !errors.Is(err, errs.ErrTimeout) {
		t.Fatalf("ADD while a plan holds the PF: %v, want ErrTimeout", err)
	}
	if d := cmp.Diff(before, r.state(t)); d != "" {
		t.Errorf("a refused ADD changed the host (-before +after):\n%s", d)
	}
	if _, err := os.Stat(vfFile(r.p.runDir, r.vf, ".json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused ADD left an ownership record: %v", err)
	}
	if err := plan.Unlock(); err != nil {
		t.Fatal(err)
	}

	// An ADD paused half way holds the PF shared: the plan waits.
	paused, resume := make(chan struct{}), make(chan struct{})
	r.p.inject = func(s Step) error {
		if s == StepMoveToPod {
			close(paused)
			<-resume
		}
		return nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts())
		done <- err
	}()
	<-paused
	short, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = switchdev.LockPF(short, r.p.runDir, pf)
	cancel()
	if !errors.Is(err, errs.ErrTimeout) {
		t.Errorf("plan lock during an ADD: %v, want ErrTimeout", err)
	}
	close(resume)
	if err := <-done; err != nil {
		t.Fatalf("ADD: %v", err)
	}
	plan, err = switchdev.LockPF(ctx, r.p.runDir, pf)
	if err != nil {
		t.Fatalf("plan lock after the ADD: %v", err)
	}
	_ = plan.Unlock()
	r.p.inject = nil
	if err := r.p.DetachVF(ctx, r.vf, podA, r.podNS); err != nil {
		t.Fatal(err)
	}
}

// TestPlanInAnotherProcess: the PF lock is held by another process (the
// util-linux flock command on the same file, as an agent applying a plan
// would hold it); a DEL waits for it and goes on once that process is
// gone, as the kernel drops a dead holder's lock.
func TestPlanInAnotherProcess(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("flock")
	if err != nil {
		t.Skip("needs the flock command (util-linux) to hold the lock from a second process")
	}
	r := newRig(t, "cx5-switchdev", "0000:84:00.2", "enp132s0f0v0", "enp132s0f0r0")
	ctx := context.Background()
	if _, err := r.p.AttachVF(ctx, r.vf, podA, r.podNS, attachOpts()); err != nil {
		t.Fatal(err)
	}
	pf, err := r.host.PFOfVF(r.vf)
	if err != nil {
		t.Fatal(err)
	}
	path := filelock.PFPath(r.p.runDir, pf.String())
	// --close: the lock stays with the flock process alone (not its
	// sleep), so killing it is the holder dying.
	holder := exec.Command(bin, "--close", "--exclusive", path, "sleep", "60")
	holder.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	kill := func() {
		_ = syscall.Kill(-holder.Process.Pid, syscall.SIGKILL)
		_ = holder.Wait()
	}
	defer kill()
	// Wait until the other process has the lock.
	for i := 0; ; i++ {
		probe, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		l, err := filelock.Acquire(probe, path, filelock.Shared)
		cancel()
		if err != nil {
			break
		}
		_ = l.Release()
		if i == 500 {
			t.Fatal("the flock process never took the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	err = r.p.DetachVF(short, r.vf, podA, r.podNS)
	cancel()
	if !errors.Is(err, errs.ErrTimeout) {
		t.Fatalf("DEL while another process holds the PF: %v, want ErrTimeout", err)
	}
	short, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
	err = r.p.CheckVF(short, r.vf, podA, r.podNS)
	cancel()
	if !errors.Is(err, errs.ErrTimeout) {
		t.Errorf("CHECK while another process holds the PF: %v, want ErrTimeout", err)
	}
	kill()
	if err := r.p.DetachVF(ctx, r.vf, podA, r.podNS); err != nil {
		t.Fatalf("DEL once the holder is gone: %v", err)
	}
	if err := r.p.CheckVF(ctx, r.vf, podA, r.podNS); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("CHECK after DEL: %v, want ErrNotFound", err)
	}
}
