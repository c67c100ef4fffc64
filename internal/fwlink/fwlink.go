// Package fwlink reads and replaces the symbolic links that select a
// firmware image under /lib/firmware (the Agilio flower selection): the
// one implementation behind offload/switchdev's StepLinkFirmware and
// vendor_corigine's Selection.Apply. Privileges: write access to the
// firmware directory. Not namespace-aware (files). Errors are *errs.Error
// naming the path: a regular file where a link belongs is errs.ErrExists
// (never replaced), a link that does not read back as written
// errs.ErrNotApplied.
package fwlink

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/offloadkit/offloadkit/offload/errs"
)

// Read returns what the link at path points to: "" when
// nothing is there. A file that is not a link is an error rather than
// "no link": a step that set the link would refuse to replace it, and
// reading it as absent would let a rollback think it was restored.
func Read(path string) (string, error) {
	cur, err := os.Readlink(path)
	switch {
	case err == nil:
		return cur, nil
	case errors.Is(err, os.ErrNotExist):
		return "", nil
	case errors.Is(err, syscall.EINVAL):
		return "", &errs.Error{Op: "read firmware link", Path: path, Err: fmt.Errorf("%w: not a symbolic link", errs.ErrExists)}
	}
	return "", &errs.Error{Op: "read firmware link", Path: path, Err: err}
}

// Set makes path a symbolic link to target, or removes the
// link when target is "" (the undo of a link that did not exist). The
// link is written under a temporary name and renamed into place, so the
// driver never finds the name missing; a regular file at path is left
// alone (errs.ErrExists). It reads the link back.
func Set(path, target string) error {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		return &errs.Error{Op: "link firmware", Path: path, Err: fmt.Errorf("%w: not a symbolic link; left alone", errs.ErrExists)}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return &errs.Error{Op: "link firmware", Path: path, Err: err}
	}
	if target == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return &errs.Error{Op: "remove firmware link", Path: path, Err: err}
		}
	} else {
		tmp := path + ".offloadkit-tmp"
		_ = os.Remove(tmp) // a leftover of an interrupted run
		if err := os.Symlink(target, tmp); err != nil {
			return &errs.Error{Op: "link firmware", Path: path, Err: err}
		}
		if err := os.Rename(tmp, path); err != nil {
			_ = os.Remove(tmp)
			return &errs.Error{Op: "link firmware", Path: path, Err: err}
		}
	}
	got, err := Read(path)
	if err != nil {
		return err
	}
	if got != target {
		return &errs.Error{Op: "link firmware", Path: path, Err: fmt.Errorf("%w: points to %q, want %q", errs.ErrNotApplied, got, target)}
	}
	return nil
}
