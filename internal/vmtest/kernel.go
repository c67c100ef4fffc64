package vmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// KernelKind names a guest kernel the harness knows how to get.
type KernelKind string

// The guest kernels.
const (
	// KernelNetdevsim is built from Debian's linux-source-6.1 with
	// hack/vmtest/kernel.config: everything the tests need is built in.
	KernelNetdevsim KernelKind = "netdevsim"
	// KernelNetdevsim612 is built the same way from linux-source-6.12
	// (the kernel line of current enterprise distributions), with
	// hack/vmtest/kernel-6.12.config on top of the common fragment.
	KernelNetdevsim612 KernelKind = "netdevsim-6.12"
	// KernelDebian is Debian's stock linux-image-6.1.0-N-amd64 with its
	// modules; it has no netdevsim.
	KernelDebian KernelKind = "debian"
)

// ParseKernelKind parses the -kernel flag / VMTEST_KERNEL value.
func ParseKernelKind(s string) (KernelKind, error) {
	switch k := KernelKind(s); k {
	case KernelNetdevsim, KernelNetdevsim612, KernelDebian:
		return k, nil
	}
	return "", fmt.Errorf("vmtest: unknown kernel %q (want %q, %q or %q)", s, KernelNetdevsim, KernelNetdevsim612, KernelDebian)
}

// Netdevsim reports whether k is one of the kernels built with netdevsim
// (and everything else the tests need) built in.
func (k KernelKind) Netdevsim() bool { return k == KernelNetdevsim || k == KernelNetdevsim612 }

// series is the linux-source-<series> package a netdevsim kernel is built
// from.
func (k KernelKind) series() string {
	if k == KernelNetdevsim612 {
		return "6.12"
	}
	return "6.1"
}

// Kernel is a bootable kernel image and, for a modular kernel, the unpacked
// package root that holds lib/modules/<Release>.
type Kernel struct {
	Kind    KernelKind
	Image   string // bzImage / vmlinuz path
	Release string // uname -r, when known before boot
	// ModRoot is the directory that contains lib/modules/<Release>
	// (modprobe -d ModRoot); empty for a kernel without modules.
	ModRoot string
}

// CacheDir returns the harness cache: $OFFLOADKIT_CACHE, or
// $HOME/.cache/offloadkit. Kernels, busybox and built kernels live there,
// each under a name that carries its version or hash, so a stale entry is
// never reused and `rm -rf` of the directory is always safe.
func CacheDir() string {
	if d := os.Getenv("OFFLOADKIT_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return filepath.Join(os.TempDir(), "offloadkit-cache")
	}
	return filepath.Join(home, ".cache", "offloadkit")
}

// BuildNetdevsimKernel returns the cached netdevsim kernel of kind k
// (KernelNetdevsim or KernelNetdevsim612), building it with
// hack/vmtest/build-kernel.sh (under repoRoot) first when the cache has no
// entry for the current config fragments and source version. A cold build
// takes minutes; its log goes to the cache directory.
func BuildNetdevsimKernel(ctx context.Context, repoRoot, cache string, k KernelKind) (*Kernel, error) {
	if !k.Netdevsim() {
		return nil, fmt.Errorf("vmtest: %q is not a netdevsim kernel", k)
	}
	script := filepath.Join(repoRoot, "hack", "vmtest", "build-kernel.sh")
	cmd := exec.CommandContext(ctx, script, k.series())
	cmd.Env = append(os.Environ(), "OFFLOADKIT_CACHE="+cache)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("vmtest: %s: %w", script, err)
	}
	image := strings.TrimSpace(lastLine(stdout.String()))
	if _, err := os.Stat(image); err != nil {
		return nil, fmt.Errorf("vmtest: build-kernel.sh printed %q: %w", image, err)
	}
	return &Kernel{Kind: k, Image: image}, nil
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// FetchDebianKernel returns Debian's current 6.1 kernel, fetched with
// `apt-get download` and unpacked with `dpkg-deb -x` into
// cache/debian-<release>, then indexed with depmod -b. The release is the
// one the linux-image-amd64 meta package points at in the host's apt lists.
func FetchDebianKernel(ctx context.Context, cache string) (*Kernel, error) {
	out, err := exec.CommandContext(ctx, "apt-cache", "depends", "linux-image-amd64").Output()
	if err != nil {
		return nil, fmt.Errorf("vmtest: apt-cache depends linux-image-amd64: %w", err)
	}
	// The versioned image package the meta package depends on, e.g.
	// linux-image-6.1.0-56-amd64.
	m := regexp.MustCompile(`linux-image-(6\.1\.0-[0-9]+-amd64)\b`).FindStringSubmatch(string(out))
	if m == nil {
		return nil, fmt.Errorf("vmtest: no linux-image-6.1.0-N-amd64 in apt-cache depends linux-image-amd64 (run apt-get update): %q", out)
	}
	release := m[1]
	root := filepath.Join(cache, "debian-"+release)
	k := &Kernel{
		Kind:    KernelDebian,
		Image:   filepath.Join(root, "boot", "vmlinuz-"+release),
		Release: release,
		ModRoot: root,
	}
	if _, err := os.Stat(root); err == nil {
		return k, nil
	}
	err = fetchDeb(ctx, "linux-image-"+release, root, func(dir string) error {
		if out, err := exec.CommandContext(ctx, "depmod", "-b", dir, release).CombinedOutput(); err != nil {
			return fmt.Errorf("vmtest: depmod -b %s %s: %w: %s", dir, release, err, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// FetchBusybox returns a static busybox binary from Debian's busybox-static
// package, fetched into the cache (cache/busybox-<version>/bin/busybox).
func FetchBusybox(ctx context.Context, cache string) (string, error) {
	out, err := exec.CommandContext(ctx, "apt-cache", "show", "--no-all-versions", "busybox-static").Output()
	if err != nil {
		return "", fmt.Errorf("vmtest: apt-cache show busybox-static: %w", err)
	}
	var version string
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "Version: "); ok {
			version = strings.TrimSpace(v)
			break
		}
	}
	if version == "" {
		return "", errors.New("vmtest: apt-cache show busybox-static: no Version")
	}
	root := filepath.Join(cache, "busybox-"+strings.NewReplacer(":", "_", "/", "_").Replace(version))
	bin := filepath.Join(root, "bin", "busybox")
	if _, err := os.Stat(root); err == nil {
		return bin, nil
	}
	if err := fetchDeb(ctx, "busybox-static", root, nil); err != nil {
		return "", err
	}
	return bin, nil
}

// fetchDeb downloads pkg with apt-get download, unpacks it into a scratch
// directory, runs prepare on it (may be nil) and renames it to root. The
// rename makes the entry appear complete or not at all, so a run that was
// killed half-way or a concurrent run never sees a partial cache entry; if
// another run got there first, its entry is kept.
func fetchDeb(ctx context.Context, pkg, root string, prepare func(dir string) error) error {
	scratch, err := os.MkdirTemp(filepath.Dir(root), "download-")
	if err != nil {
		return fmt.Errorf("vmtest: %w", err)
	}
	defer os.RemoveAll(scratch)
	dl := filepath.Join(scratch, "deb")
	tree := filepath.Join(scratch, "tree")
	if err := os.Mkdir(dl, 0o755); err != nil {
		return fmt.Errorf("vmtest: %w", err)
	}
	cmd := exec.CommandContext(ctx, "apt-get", "download", pkg)
	cmd.Dir = dl
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("vmtest: apt-get download %s: %w: %s", pkg, err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(dl, "*.deb"))
	if len(debs) != 1 {
		return fmt.Errorf("vmtest: apt-get download %s left %d .deb files", pkg, len(debs))
	}
	if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", debs[0], tree).CombinedOutput(); err != nil {
		return fmt.Errorf("vmtest: dpkg-deb -x %s: %w: %s", debs[0], err, out)
	}
	if prepare != nil {
		if err := prepare(tree); err != nil {
			return err
		}
	}
	if err := os.Rename(tree, root); err != nil {
		if _, statErr := os.Stat(root); statErr == nil {
			return nil // a concurrent run finished first
		}
		return fmt.Errorf("vmtest: %w", err)
	}
	return nil
}
