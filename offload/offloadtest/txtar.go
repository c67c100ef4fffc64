package offloadtest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// The txtar form of a tree keeps symbolic links, which sysfs is made of: a
// file header "-- a/b --" is followed by the file's contents, and a link is
// written "-- a/b -> ../c --" with no contents. Lines before the first
// header are a comment.

// WriteTxtar writes the tree below root (its sys/ directory) as txtar, with
// comment as the leading comment.
func WriteTxtar(w io.Writer, root, comment string) error {
	var entries []string
	err := filepath.WalkDir(filepath.Join(root, "sys"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		entries = append(entries, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(entries)
	bw := bufio.NewWriter(w)
	if comment != "" {
		bw.WriteString(strings.TrimRight(comment, "\n") + "\n")
	}
	for _, rel := range entries {
		abs := filepath.Join(root, filepath.FromSlash(rel))
		st, err := os.Lstat(abs)
		if err != nil {
			return err
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			t, err := os.Readlink(abs)
			if err != nil {
				return err
			}
			fmt.Fprintf(bw, "-- %s -> %s --\n", rel, filepath.ToSlash(t))
			continue
		}
		b, err := os.ReadFile(abs)
		if err != nil {
			return err
		}
		fmt.Fprintf(bw, "-- %s --\n", rel)
		bw.Write(b)
		if len(b) > 0 && b[len(b)-1] != '\n' {
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

// ExtractTxtar recreates a tree written by WriteTxtar below dir. It refuses
// paths and link targets that would leave dir.
func ExtractTxtar(data []byte, dir string) error {
	var name string
	var body bytes.Buffer
	flush := func() error {
		if name == "" {
			return nil
		}
		rel, target, isLink := strings.Cut(name, " -> ")
		if err := checkRel(rel); err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if isLink {
			resolved := path.Join(path.Dir(rel), target)
			if path.IsAbs(target) || strings.HasPrefix(resolved, "../") || resolved == ".." {
				return fmt.Errorf("txtar: link %s -> %s leaves the tree", rel, target)
			}
			return os.Symlink(filepath.FromSlash(target), p)
		}
		return os.WriteFile(p, body.Bytes(), 0o644)
	}
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		s := strings.TrimRight(string(line), "\n")
		if strings.HasPrefix(s, "-- ") && strings.HasSuffix(s, " --") && len(s) > 6 {
			if err := flush(); err != nil {
				return err
			}
			name = s[3 : len(s)-3]
			body.Reset()
			continue
		}
		if name != "" {
			body.Write(line)
		}
	}
	return flush()
}

func checkRel(rel string) error {
	if rel == "" || path.IsAbs(rel) || path.Clean(rel) != rel || strings.HasPrefix(rel, "../") || rel == ".." {
		return fmt.Errorf("txtar: bad path %q", rel)
	}
	return nil
}
