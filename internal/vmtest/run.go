package vmtest

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed init.sh
var initScript []byte

// Options configure one harness run. The zero value of every field but
// RepoRoot means the default given in its comment.
type Options struct {
	RepoRoot string     // module root (directory of go.mod); required
	Cache    string     // default CacheDir()
	Kernel   KernelKind // default KernelNetdevsim
	// Packages are `go list` patterns; packages among them with a
	// *_vmtest_test.go file are compiled with -tags vmtest. Default ./...
	Packages []string
	Run      string        // -test.run for every binary; default all
	Timeout  time.Duration // the whole guest run; default 20m
	CPUs     int           // default 2
	MemoryMB int           // default 1024
	Verbose  bool          // stream the guest console to Log
	Log      io.Writer     // progress and reports; default os.Stderr
	// Modules are loaded with modprobe in the guest before the tests, for
	// a modular kernel (KernelDebian). Default DebianModules().
	Modules []string
	// Exec, when set, is a shell command the guest runs (as root, in the
	// chrooted host root, after the modules are loaded) instead of the
	// tests; its output is Result.ExecOutput. For debugging the guest.
	Exec string
}

// DebianModules lists what the guest loads on KernelDebian before the tests
// run: everything the tagged tests and OVS' tc offload probe for, loaded up
// front because OVS probes tc support once, at start-up.
func DebianModules() []string {
	return []string{
		"veth", "dummy", "bonding", "8021q", "vxlan", "geneve", "openvswitch",
		"sch_ingress", "cls_flower", "cls_matchall", "cls_u32",
		"act_gact", "act_mirred", "act_vlan", "act_tunnel_key", "act_pedit",
		"act_skbedit", "act_csum", "act_police", "act_sample", "act_ct",
	}
}

// TestPackage is a package with vmtest-tagged tests, compiled for the guest.
type TestPackage struct {
	ImportPath string
	Dir        string // source directory; the binary runs there
	Binary     string // host path of the compiled test binary
	// Tests are the top-level Test functions of the package's
	// *_vmtest_test.go files: the guest runs only these, since the
	// package's other tests already ran in the unit tier.
	Tests []string
}

// PackageResult is the outcome of one test binary in the guest.
type PackageResult struct {
	TestPackage
	ExitCode int    // -1 when the guest never recorded one
	Output   string // combined stdout and stderr of the binary (-test.v)
	Counts   Counts
}

// Result is the outcome of a whole guest run.
type Result struct {
	KernelRelease string // uname -r in the guest
	Packages      []PackageResult
	Console       string // the guest's serial console
	ExecOutput    string // output of Options.Exec
	Elapsed       time.Duration
}

// Failed reports whether any package failed or never finished.
func (r *Result) Failed() bool {
	for _, p := range r.Packages {
		if p.ExitCode != 0 || p.Counts.Fail > 0 {
			return true
		}
	}
	return false
}

// Total sums the per-package counts.
func (r *Result) Total() Counts {
	var c Counts
	for _, p := range r.Packages {
		c.Add(p.Counts)
	}
	return c
}

func (o *Options) defaults() error {
	if o.RepoRoot == "" {
		return errors.New("vmtest: Options.RepoRoot is required")
	}
	if o.Cache == "" {
		o.Cache = CacheDir()
	}
	if o.Kernel == "" {
		o.Kernel = KernelNetdevsim
	}
	if len(o.Packages) == 0 {
		o.Packages = []string{"./..."}
	}
	if o.Timeout == 0 {
		o.Timeout = 20 * time.Minute
	}
	if o.CPUs == 0 {
		o.CPUs = 2
	}
	if o.MemoryMB == 0 {
		o.MemoryMB = 1024
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	if o.Modules == nil {
		o.Modules = DebianModules()
	}
	return nil
}

// Discover lists the packages matching patterns (run in repoRoot) that have
// at least one *_vmtest_test.go file.
func Discover(ctx context.Context, repoRoot string, patterns []string) ([]TestPackage, error) {
	args := append([]string{"list", "-tags", "vmtest", "-f",
		"{{.ImportPath}}\t{{.Dir}}\t{{join .TestGoFiles \" \"}} {{join .XTestGoFiles \" \"}}"}, patterns...)
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = repoRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("vmtest: go list: %w: %s", err, stderr.Bytes())
	}
	pkgs := parseGoList(out)
	for i := range pkgs {
		if pkgs[i].Tests, err = vmtestFuncs(pkgs[i].Dir); err != nil {
			return nil, err
		}
	}
	return pkgs, nil
}

// vmtestFuncs lists the Test functions declared in dir's *_vmtest_test.go
// files.
func vmtestFuncs(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_vmtest_test.go"))
	if err != nil {
		return nil, fmt.Errorf("vmtest: %w", err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("vmtest: %w", err)
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !strings.HasPrefix(fd.Name.Name, "Test") || fd.Name.Name == "TestMain" {
				continue
			}
			names = append(names, fd.Name.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// parseGoList picks the packages with vmtest files out of Discover's
// `go list` output (import path, dir, test files; tab separated).
func parseGoList(out []byte) []TestPackage {
	var pkgs []TestPackage
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			continue
		}
		for _, name := range strings.Fields(f[2]) {
			if strings.HasSuffix(name, "_vmtest_test.go") {
				pkgs = append(pkgs, TestPackage{ImportPath: f[0], Dir: f[1]})
				break
			}
		}
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].ImportPath < pkgs[j].ImportPath })
	return pkgs
}

func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	if _, err := exec.LookPath("go"); err == nil {
		return "go"
	}
	return "/usr/local/go/bin/go"
}

// binaryName turns an import path into a file name for its test binary.
func binaryName(importPath string) string {
	return strings.NewReplacer("/", "_", ".", "_").Replace(importPath) + ".test"
}

// Compile builds each package's test binary with -tags vmtest into dir.
func Compile(ctx context.Context, repoRoot, dir string, pkgs []TestPackage) error {
	for i := range pkgs {
		pkgs[i].Binary = filepath.Join(dir, binaryName(pkgs[i].ImportPath))
		cmd := exec.CommandContext(ctx, goTool(), "test", "-c", "-tags", "vmtest", "-o", pkgs[i].Binary, pkgs[i].ImportPath)
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("vmtest: go test -c -tags vmtest %s: %w\n%s", pkgs[i].ImportPath, err, out)
		}
	}
	return nil
}

// guestScript is the shell script the guest runs after chrooting into the
// host root: it records uname -r, loads modules, then runs every binary in
// its package directory and records output and exit status in work/out.
func guestScript(work string, k *Kernel, modules []string, pkgs []TestPackage, run, exec string, perBinary time.Duration) string {
	var b strings.Builder
	q := shellQuote
	fmt.Fprintf(&b, "#!/bin/sh\n# Generated by internal/vmtest; runs inside the guest, chrooted into the host root.\n")
	fmt.Fprintf(&b, "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/go/bin\n")
	fmt.Fprintf(&b, "export HOME=/tmp TMPDIR=/tmp OFFLOADKIT_VMTEST=1 OFFLOADKIT_VMTEST_KERNEL=%s\n", q(string(k.Kind)))
	fmt.Fprintf(&b, "W=%s\n", q(work))
	fmt.Fprintf(&b, "mkdir -p \"$W/out\"\nuname -r >\"$W/uname-r\"\nip link set lo up\n")
	if k.ModRoot != "" {
		for _, m := range modules {
			fmt.Fprintf(&b, "modprobe -d %s %s || echo \"vmtest-guest: modprobe %s failed\"\n", q(k.ModRoot), q(m), m)
		}
	}
	if exec != "" {
		fmt.Fprintf(&b, "(%s) >\"$W/out/exec.log\" 2>&1\necho \"vmtest-guest: exec exited $?\" >>\"$W/out/exec.log\"\n", exec)
		pkgs = nil
	}
	for i, p := range pkgs {
		args := []string{q(p.Binary), "-test.v", "-test.count=1", "-test.timeout=" + perBinary.String()}
		switch {
		case run != "":
			args = append(args, "-test.run="+q(run))
		case len(p.Tests) > 0:
			args = append(args, "-test.run="+q("^("+strings.Join(p.Tests, "|")+")$"))
		}
		fmt.Fprintf(&b, "echo \"vmtest-guest: running %s\"\n", p.ImportPath)
		fmt.Fprintf(&b, "(cd %s && %s) >\"$W/out/%d.log\" 2>&1\necho $? >\"$W/out/%d.rc\"\n", q(p.Dir), strings.Join(args, " "), i, i)
	}
	fmt.Fprintf(&b, "sync\n: >\"$W/done\"\n")
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Run compiles the tagged packages, boots the guest kernel, runs the
// binaries in it and collects the results. It returns an error when the
// harness itself fails (no kernel, guest never finished, timeout); test
// failures are in the Result (see Result.Failed). On timeout or a guest
// that died, the error carries the tail of the guest console.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	start := time.Now()
	var pkgs []TestPackage
	if o.Exec == "" {
		var err error
		if pkgs, err = Discover(ctx, o.RepoRoot, o.Packages); err != nil {
			return nil, err
		}
		if len(pkgs) == 0 {
			return nil, fmt.Errorf("vmtest: no package under %v has a *_vmtest_test.go file", o.Packages)
		}
	}
	if err := os.MkdirAll(o.Cache, 0o755); err != nil {
		return nil, fmt.Errorf("vmtest: %w", err)
	}
	// The work directory is shared writable with the guest, which mounts it
	// at the same path (over its own tmpfs when the path is under /tmp), so
	// paths in guest.sh mean the same inside and out.
	work, err := os.MkdirTemp(o.Cache, "run-")
	if err != nil {
		return nil, fmt.Errorf("vmtest: %w", err)
	}
	defer os.RemoveAll(work)
	if err := Compile(ctx, o.RepoRoot, filepath.Join(work, "bin"), pkgs); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "vmtest: compiled %d package(s): %s\n", len(pkgs), importPaths(pkgs))

	var k *Kernel
	switch o.Kernel {
	case KernelDebian:
		k, err = FetchDebianKernel(ctx, o.Cache)
	default:
		k, err = BuildNetdevsimKernel(ctx, o.RepoRoot, o.Cache, o.Kernel)
	}
	if err != nil {
		return nil, err
	}
	busybox, err := FetchBusybox(ctx, o.Cache)
	if err != nil {
		return nil, err
	}
	initrd := filepath.Join(work, "initrd.gz")
	if err := writeInitrd(initrd, busybox, k, work, o.RepoRoot); err != nil {
		return nil, err
	}
	perBinary := o.Timeout - 2*time.Minute
	if perBinary < time.Minute {
		perBinary = o.Timeout / 2
	}
	script := guestScript(work, k, o.Modules, pkgs, o.Run, o.Exec, perBinary)
	if err := os.WriteFile(filepath.Join(work, "guest.sh"), []byte(script), 0o755); err != nil {
		return nil, fmt.Errorf("vmtest: %w", err)
	}

	fmt.Fprintf(o.Log, "vmtest: booting %s kernel %s (qemu TCG, %d CPUs, %d MiB)\n", k.Kind, k.Image, o.CPUs, o.MemoryMB)
	console, bootErr := boot(ctx, o, k, initrd, work)
	// A guest kernel that panics while booting, before init has run a single
	// test (no uname-r written), is the emulator's flake, not a test result:
	// under TCG on a loaded host, 6.1 and 6.12 have both died in early boot
	// ("IO-APIC + timer doesn't work", an int3 oops while patching static
	// keys across the two vCPUs). Boot again, at most twice, and say so;
	// a guest that ran any test is never retried.
	for attempt := 2; attempt <= 3 && bootPanicked(console, work) && ctx.Err() == nil; attempt++ {
		fmt.Fprintf(o.Log, "vmtest: the %s kernel panicked while booting, before any test ran; booting again (attempt %d of 3)\n", k.Kind, attempt)
		console, bootErr = boot(ctx, o, k, initrd, work)
	}
	res := &Result{Console: console}
	if b, err := os.ReadFile(filepath.Join(work, "uname-r")); err == nil {
		res.KernelRelease = strings.TrimSpace(string(b))
	}
	for i, p := range pkgs {
		pr := PackageResult{TestPackage: p, ExitCode: -1}
		if b, err := os.ReadFile(filepath.Join(work, "out", strconv.Itoa(i)+".log")); err == nil {
			pr.Output = string(b)
			pr.Counts = CountTests(pr.Output)
		}
		if b, err := os.ReadFile(filepath.Join(work, "out", strconv.Itoa(i)+".rc")); err == nil {
			if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				pr.ExitCode = n
			}
		}
		res.Packages = append(res.Packages, pr)
	}
	if o.Exec != "" {
		b, _ := os.ReadFile(filepath.Join(work, "out", "exec.log"))
		res.ExecOutput = string(b)
		res.Packages = nil
	}
	res.Elapsed = time.Since(start)
	if bootErr != nil {
		return res, fmt.Errorf("%w\n--- guest console (last 60 lines) ---\n%s", bootErr, tail(console, 60))
	}
	if _, err := os.Stat(filepath.Join(work, "done")); err != nil {
		return res, fmt.Errorf("vmtest: the guest stopped before finishing the tests\n--- guest console (last 60 lines) ---\n%s", tail(console, 60))
	}
	return res, nil
}

func importPaths(pkgs []TestPackage) string {
	s := make([]string, len(pkgs))
	for i, p := range pkgs {
		s[i] = p.ImportPath
	}
	return strings.Join(s, " ")
}

// writeInitrd assembles the initramfs: busybox, the init script, the
// harness environment and, for a modular kernel, the modules that reach 9p.
// src is the repository, which the guest mounts at the same path (see boot).
func writeInitrd(path, busybox string, k *Kernel, work, src string) error {
	bb, err := os.ReadFile(busybox)
	if err != nil {
		return fmt.Errorf("vmtest: %w", err)
	}
	env := "VMTEST_WORK=" + shellQuote(work) + "\nVMTEST_SRC=" + shellQuote(src) + "\nVMTEST_MODROOT=" + shellQuote(k.ModRoot) + "\n"
	files := []InitramfsFile{
		{Name: "bin", Mode: os.ModeDir | 0o755},
		{Name: "bin/busybox", Mode: 0o755, Data: bb},
		{Name: "bin/sh", Mode: os.ModeSymlink | 0o777, Data: []byte("busybox")},
		{Name: "dev", Mode: os.ModeDir | 0o755},
		{Name: "proc", Mode: os.ModeDir | 0o755},
		{Name: "sys", Mode: os.ModeDir | 0o755},
		{Name: "sbin", Mode: os.ModeDir | 0o755},
		{Name: "init", Mode: 0o755, Data: initScript},
		{Name: "vmtest.env", Mode: 0o644, Data: []byte(env)},
	}
	if k.ModRoot != "" {
		moddir := filepath.Join(k.ModRoot, "lib", "modules", k.Release)
		dep, err := os.ReadFile(filepath.Join(moddir, "modules.dep"))
		if err != nil {
			return fmt.Errorf("vmtest: %w", err)
		}
		order, err := ModuleLoadOrder(dep, "virtio_pci", "9pnet_virtio", "9p")
		if err != nil {
			return err
		}
		files = append(files, InitramfsFile{Name: "modules", Mode: os.ModeDir | 0o755})
		var list strings.Builder
		for _, rel := range order {
			data, err := os.ReadFile(filepath.Join(moddir, rel))
			if err != nil {
				return fmt.Errorf("vmtest: %w", err)
			}
			base := filepath.Base(rel)
			files = append(files, InitramfsFile{Name: "modules/" + base, Mode: 0o644, Data: data})
			list.WriteString(base + "\n")
		}
		files = append(files, InitramfsFile{Name: "modules.list", Mode: 0o644, Data: []byte(list.String())})
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("vmtest: %w", err)
	}
	if err := WriteInitramfs(f, files); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ModuleLoadOrder resolves modules (names without .ko, '-' and '_' equal)
// against a modules.dep file and returns the module paths to insmod,
// dependencies first, each once.
func ModuleLoadOrder(modulesDep []byte, modules ...string) ([]string, error) {
	deps := map[string][]string{} // module path -> dependency paths
	byName := map[string]string{} // normalized name -> module path
	sc := bufio.NewScanner(bytes.NewReader(modulesDep))
	for sc.Scan() {
		mod, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		deps[mod] = strings.Fields(rest)
		byName[moduleName(mod)] = mod
	}
	var order []string
	seen := map[string]bool{}
	var visit func(path string, depth int) error
	visit = func(path string, depth int) error {
		if seen[path] {
			return nil
		}
		if depth > 64 {
			return fmt.Errorf("vmtest: modules.dep: dependency loop at %s", path)
		}
		seen[path] = true
		// modules.dep lists every (transitive) dependency; visiting each
		// first puts them in a loadable order.
		for _, d := range deps[path] {
			if err := visit(d, depth+1); err != nil {
				return err
			}
		}
		order = append(order, path)
		return nil
	}
	for _, m := range modules {
		path, ok := byName[moduleName(m)]
		if !ok {
			return nil, fmt.Errorf("vmtest: module %s not in modules.dep", m)
		}
		if err := visit(path, 0); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// moduleName turns kernel/net/9p/9pnet_virtio.ko(.xz) or 9pnet-virtio into
// the name modprobe matches on.
func moduleName(s string) string {
	s = filepath.Base(s)
	if i := strings.Index(s, ".ko"); i >= 0 {
		s = s[:i]
	}
	return strings.ReplaceAll(s, "-", "_")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// bootPanicked reports whether the guest kernel panicked before init
// reached the tests: the console shows a kernel panic and the guest never
// wrote uname-r, the first thing its script does.
func bootPanicked(console, work string) bool {
	if _, err := os.Stat(filepath.Join(work, "uname-r")); err == nil {
		return false
	}
	return strings.Contains(console, "Kernel panic")
}

// boot runs qemu until the guest reboots (init ends with reboot -f and qemu
// runs with -no-reboot) or the timeout expires, and returns the console.
func boot(ctx context.Context, o Options, k *Kernel, initrd, work string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	args := []string{
		"-accel", "tcg", "-cpu", "max",
		"-smp", strconv.Itoa(o.CPUs), "-m", strconv.Itoa(o.MemoryMB),
		"-nodefaults", "-no-reboot", "-display", "none", "-nic", "none",
		"-serial", "stdio",
		"-kernel", k.Image, "-initrd", initrd,
		// no_timer_check: under emulation on a loaded host the kernel's
		// IO-APIC timer check can time out and panic ("IO-APIC + timer
		// doesn't work"); the check proves nothing about what is tested.
		"-append", "console=ttyS0 panic=-1 rdinit=/init loglevel=4 no_timer_check",
		"-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
		"-virtfs", "local,path=" + work + ",mount_tag=vmtestwork,security_model=none,multidevs=remap",
		// The repository again, on its own: the guest puts tmpfs over /tmp
		// and friends, which would hide a checkout living there (CI runners
		// often clone under /tmp), and the test binaries run in their
		// package directories.
		"-virtfs", "local,path=" + o.RepoRoot + ",mount_tag=vmtestsrc,security_model=none,readonly=on,multidevs=remap",
	}
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
	var console bytes.Buffer
	var w io.Writer = &console
	if o.Verbose {
		w = io.MultiWriter(&console, o.Log)
	}
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return console.String(), fmt.Errorf("vmtest: guest timed out after %v", o.Timeout)
	}
	if err != nil {
		return console.String(), fmt.Errorf("vmtest: qemu-system-x86_64: %w", err)
	}
	return console.String(), nil
}
