//go:build vmtest

package vmtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/genetlink"
)

// run runs a tool (tests may exec tools to set up and cross-check; the
// library may not) and fails the test with its output on error.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := runErr(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func runErr(name string, args ...string) (string, error) {
	return runEnv(nil, name, args...)
}

// runEnv runs a tool with extra environment variables.
func runEnv(env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var b bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = &b
	cmd.Stderr = &b
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	err := cmd.Run()
	return b.String(), err
}

// needTools fails in the guest (CI installs them with make deps) and skips
// elsewhere when a tool is missing.
func needTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if InGuest() {
				t.Fatalf("%s not installed in the guest's (host's) root: %v", tool, err)
			}
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
}

// needRoot skips outside the guest when not root; the guest always is.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (runs in the vmtest guest)")
	}
}

// genlFamily probes for a generic netlink family.
func genlFamily(name string) func() error {
	return func() error {
		c, err := genetlink.Dial(nil)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.GetFamily(name); err != nil {
			return fmt.Errorf("generic netlink family %q: %w", name, err)
		}
		return nil
	}
}

// fileExists probes for a path.
func fileExists(path string) func() error {
	return func() error {
		_, err := os.Stat(path)
		return err
	}
}

// waitFor polls cond until it returns nil or the deadline passes, and
// returns the last error. Polling, not a timed assertion: the deadline only
// bounds a hang.
func waitFor(d time.Duration, cond func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
