package offloadtest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/trees/*.txtar from the builders")

const treesDir = "../../testdata/trees"

// TestTreesMatchTxtar keeps testdata/trees/*.txtar, the readable form of the
// bundled trees, in step with the builders.
func TestTreesMatchTxtar(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		if name == "large" {
			continue // 16x256: too big to keep as text; built on demand
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			spec, _ := ByName(name)
			tr := New(t, spec)
			var buf bytes.Buffer
			comment := "# offloadtest tree " + name + ": " + spec.Description + "\n" +
				"# Written by offload/offloadtest from the spec of the same name; regenerate with\n" +
				"#   go test ./offload/offloadtest -run TestTreesMatchTxtar -update\n"
			if err := WriteTxtar(&buf, tr.Root, comment); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(treesDir, name+".txtar")
			if *update {
				if err := os.MkdirAll(treesDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("tree %s differs from %s; run with -update and review the diff", name, file)
			}
			// And the txtar extracts back to a tree that writes the same text.
			dir := t.TempDir()
			if err := ExtractTxtar(want, dir); err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			if err := WriteTxtar(&again, dir, comment); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), want) {
				t.Fatalf("extract/write round trip of %s changed it", name)
			}
		})
	}
}

func TestExtractRefusesEscapes(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		"-- ../x --\nhi\n",
		"-- /etc/x --\nhi\n",
		"-- sys/a -> ../../../etc --\n",
		"-- sys/a -> /etc --\n",
		"-- sys/../../x --\n",
	} {
		if err := ExtractTxtar([]byte(bad), t.TempDir()); err == nil {
			t.Errorf("ExtractTxtar(%q) succeeded", bad)
		}
	}
}
