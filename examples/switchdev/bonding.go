package main

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/offloadkit/offloadkit/offload/offloadtest"
)

// bondingHooks gives a bundled tree what the kernel's bonding driver does
// on `echo +eth0 > /sys/class/net/bond1/bonding/slaves` and `echo -eth0`:
// move the slave's master link and update the slave list. offloadtest
// does not model bonding writes yet, and the VF LAG plan of cx5-bond needs
// them; every other access goes to the tree.
type bondingHooks struct{ tr *offloadtest.Tree }

func (b bondingHooks) ReadFile(rel string) ([]byte, bool, error) { return b.tr.ReadFile(rel) }

func (b bondingHooks) WriteFile(ctx context.Context, rel string, data []byte) (bool, error) {
	dir, attr := path.Split(rel)
	if attr != "slaves" || !strings.HasPrefix(rel, "sys/class/net/") || !strings.HasSuffix(dir, "/bonding/") {
		return b.tr.WriteFile(ctx, rel, data)
	}
	bond := strings.TrimSuffix(strings.TrimPrefix(dir, "sys/class/net/"), "/bonding/")
	op := strings.TrimSpace(string(data))
	if len(op) < 2 || (op[0] != '+' && op[0] != '-') || strings.ContainsAny(op[1:], "/.") || strings.Contains(bond, "/") {
		return true, syscall.EINVAL
	}
	slave := op[1:]
	bondDir, err := filepath.EvalSymlinks(filepath.Join(b.tr.Root, "sys/class/net", bond))
	if err != nil {
		return true, syscall.ENODEV
	}
	slaveDir, err := filepath.EvalSymlinks(filepath.Join(b.tr.Root, "sys/class/net", slave))
	if err != nil {
		return true, syscall.ENODEV
	}
	slavesFile := filepath.Join(bondDir, "bonding", "slaves")
	cur, _ := os.ReadFile(slavesFile)
	var keep []string
	for _, s := range strings.Fields(string(cur)) {
		if s != slave {
			keep = append(keep, s)
		}
	}
	master := filepath.Join(slaveDir, "master")
	if op[0] == '-' {
		if err := os.Remove(master); err != nil {
			return true, syscall.ENODEV
		}
	} else {
		rel, err := filepath.Rel(slaveDir, bondDir)
		if err != nil {
			return true, syscall.EINVAL
		}
		if err := os.Symlink(rel, master); err != nil {
			return true, syscall.EBUSY
		}
		keep = append(keep, slave)
	}
	return true, os.WriteFile(slavesFile, []byte(strings.Join(keep, " ")+"\n"), 0o644)
}
