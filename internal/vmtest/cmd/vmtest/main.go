// Command vmtest is `make vmtest`: it compiles every package that has
// *_vmtest_test.go files with -tags vmtest, boots a guest kernel under qemu
// (TCG), runs the binaries there as root and prints what ran, on which
// kernel, and every failure with the guest console.
//
// Usage (from the module root):
//
//	go run ./internal/vmtest/cmd/vmtest [-kernel netdevsim|netdevsim-6.12|debian] [-run REGEXP] [-timeout 20m] [-v] [packages]
//
// The kernel, busybox and the built netdevsim kernel are cached under
// ${OFFLOADKIT_CACHE:-$HOME/.cache/offloadkit}. Exit status: 0 all passed,
// 1 a test failed, 2 the harness failed (no kernel, guest timeout or crash).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/offloadkit/offloadkit/internal/vmtest"
)

func main() {
	os.Exit(run())
}

func run() int {
	kernel := flag.String("kernel", envOr("VMTEST_KERNEL", string(vmtest.KernelNetdevsim)), "guest kernel: netdevsim (built from linux-source-6.1), netdevsim-6.12 (from linux-source-6.12) or debian (stock linux-image)")
	runRe := flag.String("run", os.Getenv("VMTEST_RUN"), "only run tests matching this regexp (-test.run)")
	timeout := flag.Duration("timeout", 20*time.Minute, "limit for the whole guest run")
	verbose := flag.Bool("v", false, "stream the guest console and print every package's output")
	cpus := flag.Int("smp", 2, "guest CPUs")
	mem := flag.Int("m", 1024, "guest memory in MiB")
	modules := flag.String("modules", "", "comma-separated modules to modprobe in a debian guest (default: vmtest.DebianModules)")
	execCmd := flag.String("exec", "", "run this shell command in the guest instead of the tests and print its output (debugging)")
	flag.Parse()

	kind, err := vmtest.ParseKernelKind(*kernel)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmtest:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res, err := vmtest.Run(ctx, vmtest.Options{
		RepoRoot: root,
		Kernel:   kind,
		Packages: flag.Args(),
		Run:      *runRe,
		Timeout:  *timeout,
		CPUs:     *cpus,
		MemoryMB: *mem,
		Verbose:  *verbose,
		Log:      os.Stderr,
		Exec:     *execCmd,
		Modules:  splitList(*modules),
	})
	if *execCmd != "" && res != nil {
		fmt.Print(res.ExecOutput)
		fmt.Printf("vmtest: kernel %s\n", res.KernelRelease)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		return 0
	}
	if res != nil {
		report(res, *verbose)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if res.Failed() {
		fmt.Println("vmtest: FAIL")
		return 1
	}
	fmt.Println("vmtest: PASS")
	return 0
}

func report(res *vmtest.Result, verbose bool) {
	for _, p := range res.Packages {
		status := "ok  "
		if p.ExitCode != 0 || p.Counts.Fail > 0 {
			status = "FAIL"
		}
		fmt.Printf("%s %s (exit %d) %s\n", status, p.ImportPath, p.ExitCode, p.Counts)
		if verbose || status == "FAIL" {
			fmt.Println(indent(p.Output))
		}
		for _, s := range p.Counts.Skipped {
			fmt.Printf("     skipped in the guest: %s\n", s)
		}
	}
	release := res.KernelRelease
	if release == "" {
		release = "(unknown: the guest never ran uname -r)"
	}
	fmt.Printf("vmtest: %d tests ran in the guest on kernel %s in %d package(s): %s; total %s\n",
		res.Total().Ran(), release, len(res.Packages), res.Total(), res.Elapsed.Round(time.Second))
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// moduleRoot walks up from the working directory to the directory holding
// go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
