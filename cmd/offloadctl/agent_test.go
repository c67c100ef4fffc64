package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// runInProcess runs an agent on host h until stop is called; it returns
// the agent once its first reconcile is done.
func runInProcess(t *testing.T, a *agent, hup chan os.Signal) (stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln, hup) }()
	return func() error { cancel(); return <-done }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (a *agent) steps() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.planned
}

// TestAgentLegacyToSwitchdev: the agent applied to the bundled legacy tree
// with a config asking for switchdev becomes ready; a second start with
// the same config on the same host plans nothing and is ready at once; a
// SIGHUP after the config changed applies the change.
func TestAgentLegacyToSwitchdev(t *testing.T) {
	t.Parallel()
	tr := offloadtest.NewByName(t, "cx5-legacy")
	cfg := writeConfig(t, legacyToSwitchdev)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	o := agentOptions{common: common{tree: "cx5-legacy", timeout: time.Minute}, config: cfg, scrapeTimeout: 10 * time.Second}

	h1 := tr.Host(t)
	a1 := newAgent(h1, log, o)
	defer a1.close()
	stop := runInProcess(t, a1, make(chan os.Signal))
	waitFor(t, "first agent ready", a1.ready.Load)
	if a1.steps() == 0 {
		t.Fatal("first start planned no steps on a legacy tree")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if m := tr.ESwitchMode("0000:84:00.0"); m.String() != "switchdev" {
		t.Fatalf("fake kernel says %s after apply", m)
	}

	h2 := tr.Host(t)
	a2 := newAgent(h2, log, o)
	defer a2.close()
	hup := make(chan os.Signal, 1)
	stop = runInProcess(t, a2, hup)
	defer stop()
	waitFor(t, "second agent ready", a2.ready.Load)
	if n := a2.steps(); n != 0 {
		t.Errorf("second start planned %d steps, want 0", n)
	}

	// SIGHUP with a changed config: 2 VFs.
	if err := os.WriteFile(cfg, []byte("pfs:\n- pci: \"0000:84:00.0\"\n  vfs: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a2.ready.Store(false)
	hup <- os.Interrupt
	waitFor(t, "ready after SIGHUP", a2.ready.Load)
	if n := a2.steps(); n == 0 {
		t.Error("SIGHUP with a new VF count planned nothing")
	}

	// A config that cannot be applied leaves the agent not ready, serving.
	if err := os.WriteFile(cfg, []byte("pfs:\n- pci: \"0000:84:00.0\"\n  vfs: 500\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hup <- os.Interrupt
	waitFor(t, "not ready after a bad config", func() bool {
		a2.mu.Lock()
		defer a2.mu.Unlock()
		return a2.lastErr != ""
	})
	if a2.ready.Load() {
		t.Error("ready with a config that cannot be applied")
	}
}
