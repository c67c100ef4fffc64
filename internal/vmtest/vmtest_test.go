package vmtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// readNewc is an independent reader for the cpio "newc" format, used to
// check WriteInitramfs round-trips.
func readNewc(t *testing.T, gz []byte) []InitramfsFile {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var files []InitramfsFile
	off := 0
	align := func(n int) int { return (n + 3) &^ 3 }
	for {
		if off+110 > len(raw) {
			t.Fatalf("truncated header at %d", off)
		}
		h := string(raw[off : off+110])
		if h[:6] != "070701" {
			t.Fatalf("bad magic %q at %d", h[:6], off)
		}
		field := func(i int) int {
			v, err := strconv.ParseUint(h[6+8*i:14+8*i], 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			return int(v)
		}
		mode, size, namesize := field(1), field(6), field(11)
		name := string(raw[off+110 : off+110+namesize-1])
		off = align(off + 110 + namesize)
		data := raw[off : off+size]
		off = align(off + size)
		if name == "TRAILER!!!" {
			if off != len(raw) {
				t.Errorf("%d bytes after the trailer", len(raw)-off)
			}
			return files
		}
		f := InitramfsFile{Name: name, Mode: fs.FileMode(mode & 0o777)}
		switch mode &^ 0o7777 {
		case cpioDir:
			f.Mode |= fs.ModeDir
		case cpioSymlink:
			f.Mode |= fs.ModeSymlink
		}
		if size > 0 {
			f.Data = append([]byte(nil), data...)
		}
		files = append(files, f)
	}
}

func testFiles() []InitramfsFile {
	return []InitramfsFile{
		{Name: "bin", Mode: fs.ModeDir | 0o755},
		{Name: "bin/busybox", Mode: 0o755, Data: []byte("\x7fELF not really")},
		{Name: "bin/sh", Mode: fs.ModeSymlink | 0o777, Data: []byte("busybox")},
		{Name: "init", Mode: 0o755, Data: []byte("#!/bin/sh\necho hi\n")},
		{Name: "a", Mode: 0o600, Data: []byte("1")},
		{Name: "abcd", Mode: 0o600},
	}
}

func TestWriteInitramfsRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteInitramfs(&buf, testFiles()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(testFiles(), readNewc(t, buf.Bytes())); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// TestWriteInitramfsCpioTool cross-checks the archive with GNU cpio, the
// reference reader, when it is installed (make deps installs it).
func TestWriteInitramfsCpioTool(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Skip("cpio not installed (Debian package cpio): cannot cross-check the archive")
	}
	var buf bytes.Buffer
	if err := WriteInitramfs(&buf, testFiles()); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("cpio", "-it", "--quiet")
	cmd.Stdin = zr
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cpio -it: %v: %s", err, out)
	}
	want := "bin\nbin/busybox\nbin/sh\ninit\na\nabcd\n"
	if string(out) != want {
		t.Errorf("cpio -it listed %q, want %q", out, want)
	}
}

func TestWriteInitramfsRejectsBadNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "/", "a\x00b"} {
		if err := WriteInitramfs(io.Discard, []InitramfsFile{{Name: name}}); err == nil {
			t.Errorf("WriteInitramfs accepted name %q", name)
		}
	}
}

// modulesDep is an excerpt of Debian 6.1.0-56-amd64's modules.dep (the 9p
// chain), captured from the unpacked linux-image package.
const modulesDep = `kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/net/9p/9pnet_virtio.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko kernel/net/9p/9pnet.ko
kernel/net/9p/9pnet.ko:
kernel/fs/9p/9p.ko: kernel/fs/netfs/netfs.ko kernel/fs/fscache/fscache.ko kernel/net/9p/9pnet.ko
kernel/fs/netfs/netfs.ko:
kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
`

func TestModuleLoadOrder(t *testing.T) {
	t.Parallel()
	got, err := ModuleLoadOrder([]byte(modulesDep), "virtio_pci", "9pnet-virtio", "9p")
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, p := range got {
		if _, dup := pos[moduleName(p)]; dup {
			t.Errorf("%s listed twice", p)
		}
		pos[moduleName(p)] = i
	}
	if len(got) != 10 {
		t.Errorf("got %d modules, want 10: %v", len(got), got)
	}
	// Every module must come after each of its dependencies.
	for _, line := range strings.Split(strings.TrimSpace(modulesDep), "\n") {
		mod, deps, _ := strings.Cut(line, ":")
		for _, d := range strings.Fields(deps) {
			if pos[moduleName(d)] > pos[moduleName(mod)] {
				t.Errorf("%s loads before its dependency %s: %v", mod, d, got)
			}
		}
	}
	if _, err := ModuleLoadOrder([]byte(modulesDep), "nosuchmodule"); err == nil {
		t.Error("ModuleLoadOrder accepted a module that is not in modules.dep")
	}
}

func FuzzModuleLoadOrder(f *testing.F) {
	f.Add([]byte(modulesDep), "9p")
	f.Add([]byte("a.ko: b.ko\nb.ko: a.ko\n"), "a")
	f.Add([]byte(":\n::"), "")
	f.Fuzz(func(t *testing.T, dep []byte, mod string) {
		order, err := ModuleLoadOrder(dep, mod)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range order {
			if seen[p] {
				t.Fatalf("%s listed twice in %v", p, order)
			}
			seen[p] = true
		}
	})
}

const goTestOutput = `=== RUN   TestA
--- PASS: TestA (0.00s)
=== RUN   TestB
=== RUN   TestB/sub1
=== RUN   TestB/sub2
    b_test.go:10: not here
--- FAIL: TestB (0.01s)
    --- PASS: TestB/sub1 (0.00s)
    --- SKIP: TestB/sub2 (0.00s)
=== RUN   TestC
    c_test.go:3: no netdevsim
--- SKIP: TestC (0.00s)
FAIL
`

func TestCountTests(t *testing.T) {
	t.Parallel()
	got := CountTests(goTestOutput)
	want := Counts{Pass: 2, Fail: 1, Skip: 2, TopLevel: 3,
		Skipped: []string{"TestB/sub2", "TestC"}, Failed: []string{"TestB"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CountTests (-want +got):\n%s", diff)
	}
	if got.Ran() != 5 {
		t.Errorf("Ran() = %d, want 5", got.Ran())
	}
	var sum Counts
	sum.Add(got)
	sum.Add(got)
	if sum.Ran() != 10 || len(sum.Skipped) != 4 {
		t.Errorf("Add twice: %+v", sum)
	}
	if s := got.String(); s != "5 tests (3 top-level): 2 passed, 1 failed, 2 skipped" {
		t.Errorf("String() = %q", s)
	}
}

func FuzzCountTests(f *testing.F) {
	f.Add(goTestOutput)
	f.Add("--- PASS:\n--- FAIL: x")
	f.Fuzz(func(t *testing.T, s string) {
		c := CountTests(s)
		if c.TopLevel > c.Ran() || len(c.Failed) != c.Fail || len(c.Skipped) != c.Skip {
			t.Fatalf("inconsistent counts %+v", c)
		}
	})
}

func TestParseGoList(t *testing.T) {
	t.Parallel()
	out := "m/a\t/r/a\ta_test.go \n" +
		"m/b\t/r/b\tb_test.go b_vmtest_test.go\n" +
		"m/c\t/r/c\t x_vmtest_test.go\n" +
		"m/d\t/r/d\t \n"
	want := []TestPackage{{ImportPath: "m/b", Dir: "/r/b"}, {ImportPath: "m/c", Dir: "/r/c"}}
	if diff := cmp.Diff(want, parseGoList([]byte(out))); diff != "" {
		t.Errorf("parseGoList (-want +got):\n%s", diff)
	}
}

// TestDiscoverFindsThisPackage runs the real `go list` over this module:
// this package has kernel_vmtest_test.go, so it must be found.
func TestDiscoverFindsThisPackage(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath(goTool()); err != nil {
		t.Skipf("no go tool: %v", err)
	}
	pkgs, err := Discover(t.Context(), "../..", []string{"./internal/vmtest/..."})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		if p.ImportPath == "github.com/offloadkit/offloadkit/internal/vmtest" {
			if !slices.Contains(p.Tests, "TestGuestIsRootInHarness") || slices.Contains(p.Tests, "TestCountTests") {
				t.Errorf("vmtest functions of internal/vmtest: %v, want the tagged ones only", p.Tests)
			}
			return
		}
	}
	t.Errorf("Discover did not list internal/vmtest: %+v", pkgs)
}

func TestGuestScript(t *testing.T) {
	t.Parallel()
	k := &Kernel{Kind: KernelDebian, ModRoot: "/c/debian-x", Release: "x"}
	pkgs := []TestPackage{{ImportPath: "m/a", Dir: "/r/it's", Binary: "/w/bin/m_a.test"}}
	s := guestScript("/w", k, []string{"veth"}, pkgs, "TestX|TestY", "", 5*time.Minute)
	pkgs[0].Tests = []string{"TestA", "TestB"}
	if s2 := guestScript("/w", k, nil, pkgs, "", "", time.Minute); !strings.Contains(s2, `-test.run='^(TestA|TestB)$'`) {
		t.Errorf("without -run the guest must run only the vmtest functions:\n%s", s2)
	}
	for _, want := range []string{
		"OFFLOADKIT_VMTEST=1 OFFLOADKIT_VMTEST_KERNEL='debian'",
		"modprobe -d '/c/debian-x' 'veth'",
		`(cd '/r/it'\''s' && '/w/bin/m_a.test' -test.v -test.count=1 -test.timeout=5m0s -test.run='TestX|TestY') >"$W/out/0.log" 2>&1`,
		`echo $? >"$W/out/0.rc"`,
		`: >"$W/done"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("guest script lacks %q:\n%s", want, s)
		}
	}
	// The script must at least be valid shell.
	if sh, err := exec.LookPath("sh"); err == nil {
		p := filepath.Join(t.TempDir(), "guest.sh")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(sh, "-n", p).CombinedOutput(); err != nil {
			t.Errorf("sh -n: %v: %s", err, out)
		}
	}
}

func TestRequireOutsideGuestSkips(t *testing.T) {
	// Not parallel: t.Setenv(OFFLOADKIT_VMTEST, OFFLOADKIT_VMTEST_KERNEL) changes the whole process's environment.
	t.Setenv("OFFLOADKIT_VMTEST", "")
	t.Setenv("OFFLOADKIT_VMTEST_KERNEL", "")
	ft := &fakeTB{TB: t}
	Require(ft, FeatureNetdevsim, func() error { return os.ErrNotExist })
	if !ft.skipped || ft.failed {
		t.Errorf("outside the guest: skipped=%v failed=%v, want a skip", ft.skipped, ft.failed)
	}
}

func TestRequireInGuestFails(t *testing.T) {
	// Not parallel: t.Setenv(OFFLOADKIT_VMTEST, OFFLOADKIT_VMTEST_KERNEL) changes the whole process's environment.
	for _, tc := range []struct {
		kernel   KernelKind
		feature  Feature
		wantFail bool
	}{
		{KernelNetdevsim, FeatureNetdevsim, true},
		{KernelNetdevsim, FeatureOpenvswitch, true},
		{KernelNetdevsim612, FeatureNetdevsim, true},
		{KernelDebian, FeatureOpenvswitch, true},
		{KernelDebian, FeatureNetdevsim, false},
	} {
		t.Setenv("OFFLOADKIT_VMTEST", "1")
		t.Setenv("OFFLOADKIT_VMTEST_KERNEL", string(tc.kernel))
		ft := &fakeTB{TB: t}
		Require(ft, tc.feature, func() error { return os.ErrNotExist })
		if ft.failed != tc.wantFail || ft.skipped == tc.wantFail {
			t.Errorf("%s on %s: failed=%v skipped=%v, want failed=%v", tc.feature, tc.kernel, ft.failed, ft.skipped, tc.wantFail)
		}
		ft = &fakeTB{TB: t}
		Require(ft, tc.feature, func() error { return nil })
		if ft.failed || ft.skipped {
			t.Errorf("%s on %s with a passing probe: failed=%v skipped=%v", tc.feature, tc.kernel, ft.failed, ft.skipped)
		}
	}
}

// fakeTB records Fatalf/Skipf instead of stopping the goroutine.
type fakeTB struct {
	testing.TB
	failed, skipped bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }
func (f *fakeTB) Skipf(string, ...any)  { f.skipped = true }

func TestParseKernelKind(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"netdevsim", "netdevsim-6.12", "debian"} {
		if k, err := ParseKernelKind(s); err != nil || string(k) != s {
			t.Errorf("ParseKernelKind(%q) = %q, %v", s, k, err)
		}
	}
	if _, err := ParseKernelKind("kvm"); err == nil {
		t.Error("ParseKernelKind accepted kvm")
	}
}

func TestCacheDir(t *testing.T) {
	// Not parallel: t.Setenv(HOME, OFFLOADKIT_CACHE) changes the whole process's environment.
	t.Setenv("OFFLOADKIT_CACHE", "/x/y")
	if d := CacheDir(); d != "/x/y" {
		t.Errorf("CacheDir() = %q with OFFLOADKIT_CACHE set", d)
	}
	t.Setenv("OFFLOADKIT_CACHE", "")
	t.Setenv("HOME", "/home/u")
	if d := CacheDir(); d != "/home/u/.cache/offloadkit" {
		t.Errorf("CacheDir() = %q", d)
	}
}

// TestInitScriptParses checks the embedded guest init is valid shell; a
// syntax error would only show as a guest that never reports.
func TestInitScriptParses(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skipf("no sh to check init.sh with: %v", err)
	}
	cmd := exec.Command(sh, "-n")
	cmd.Stdin = bytes.NewReader(initScript)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sh -n init.sh: %v: %s", err, out)
	}
	for _, want := range []string{"hostroot", "vmtestwork", "vmtestsrc", "/proc/sys/kernel/modprobe", "reboot -f"} {
		if !bytes.Contains(initScript, []byte(want)) {
			t.Errorf("init.sh lacks %q", want)
		}
	}
}

// TestBootPanicked: only a guest that panicked before its script wrote
// uname-r is booted again; one that reached the tests never is.
func TestBootPanicked(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	const panicked = "[    1.868049] Kernel panic - not syncing: Fatal exception in interrupt\n"
	if !bootPanicked(panicked, work) {
		t.Error("a panic before uname-r must be retried")
	}
	if bootPanicked("vmtest: all done\n", work) {
		t.Error("a console without a panic must not be retried")
	}
	if err := os.WriteFile(filepath.Join(work, "uname-r"), []byte("6.12.118\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if bootPanicked(panicked, work) {
		t.Error("a guest that ran its script must not be retried, panic or not")
	}
}
