package doclint

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoLocalPaths: fixtures and comments name public sources (a guide by
// title and address, a command and its version), never a directory of the
// machine they were made on. Every file of the repository is checked for
// the build machines' checkout and farm directories; files under testdata
// also for home directories and /tmp, which in a fixture can only be where
// someone kept a copy.
func TestNoLocalPaths(t *testing.T) {
	t.Parallel()
	root := "../.."
	// Built from parts so this file does not match itself.
	everywhere := [][]byte{[]byte("/" + "work/"), []byte("/" + "farm/")}
	inTestdata := append(everywhere, []byte("/"+"tmp/"), []byte("/"+"root/"), []byte("/"+"home/"))
	var bad []string
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == ".git" { // a directory, or a file in a worktree
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.IndexByte(b, 0) >= 0 {
			return nil // binary
		}
		checked++
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		pats := everywhere
		if strings.HasPrefix(rel, "testdata/") || strings.Contains(rel, "/testdata/") {
			pats = inTestdata
		}
		for i, line := range bytes.Split(b, []byte("\n")) {
			for _, pat := range pats {
				if bytes.Contains(line, pat) {
					bad = append(bad, rel+":"+strconv.Itoa(i+1)+": "+string(pat))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d files checked: the walk is broken", checked)
	}
	for _, b := range bad {
		t.Errorf("%s: a local path; name the public source (guide title and address, command, version) instead", b)
	}
}
