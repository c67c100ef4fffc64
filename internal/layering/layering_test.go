package layering

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/offloadkit/offloadkit"

// layer is one row of the import table. Package patterns are module-relative:
// "x" is package x, "x/..." is x and every package below it (as in go list),
// and a '*' matches within one path element ("vendor_*").
type layer struct {
	// Packages are the packages the row governs; the first row whose
	// pattern matches a package is its row.
	Packages string
	// May lists what those packages may import from this module; "*" is
	// anything. Everything else of the module is refused.
	May []string
	// Never lists packages they must not depend on even indirectly, through
	// any chain of non-test imports (what `go list -deps` shows).
	Never []string
	// StdOnly: outside the module, the standard library only.
	StdOnly bool
	// Tests: the row binds _test.go files too. Elsewhere a test may import
	// any package (an external test package is linked only into its test
	// binary and cannot make a cycle for users).
	Tests bool
	// Why says what the row protects.
	Why string
}

// layers is the import table of ARCHITECTURE.md, most specific rows first.
func layers() []layer {
	return []layer{
		{Packages: "offload/errs", StdOnly: true, Tests: true,
			Why: "the error contract every layer imports, so it imports nothing"},
		{Packages: "internal/...", May: []string{"internal/...", "offload/errs"},
			Why: "kernel and sysfs clients under every public package (tests, such as internal/vmtest's, may drive any layer)"},
		{Packages: "ovs/offloadstate", May: []string{"ovs/...", "tc/...", "internal/...", "offload/errs"}, Never: []string{"offload", "vendor_*"}, Tests: true,
			Why: "whether the running ovs-vswitchd offloads: its own word (unixctl, OVSDB) and the kernel's (tc qdiscs)"},
		{Packages: "ovs/placement", May: []string{"ovs/...", "tc/...", "internal/...", "offload/errs"}, Never: []string{"offload", "vendor_*"}, Tests: true,
			Why: "where each datapath flow runs, from the kernel alone: the ovs_flow dump joined with the tc filters"},
		{Packages: "ovs/...", May: []string{"ovs/...", "internal/...", "offload/errs"}, Never: []string{"offload", "vendor_*"}, Tests: true,
			Why: "usable (and tested) without the SmartNIC core"},
		{Packages: "tc/...", May: []string{"tc/...", "ovs/...", "internal/...", "offload/errs"}, Never: []string{"offload", "vendor_*"}, Tests: true,
			Why: "usable (and tested) without the SmartNIC core; the UFID is ovs/dpflow's"},
		{Packages: "offload", May: []string{"internal/...", "offload/errs"}, Never: []string{"offload/switchdev", "vendor_*"},
			Why: "the typed host model knows no engine and no vendor"},
		{Packages: "offload/...", May: []string{"offload/...", "ovs/...", "tc/...", "internal/..."}, Never: []string{"vendor_*"},
			Why: "engine, pod networking, Kubernetes objects, fakes: above the core, below the vendors"},
		{Packages: "vendor_*", May: []string{"offload", "offload/errs", "offload/switchdev", "internal/..."},
			Why: "a backend sees the core, the engine's interface and the errors, nothing else"},
		{Packages: "examples/...", May: []string{"*"}, Why: "programs: anything"},
		{Packages: "cmd/...", May: []string{"*"}, Why: "programs: anything"},
		{Packages: "hack/...", May: []string{"*"}, Why: "scripts and counters: anything"},
	}
}

// match reports whether the module-relative package p matches pattern.
func match(pattern, p string) bool {
	if pattern == "*" {
		return true
	}
	sub := strings.HasSuffix(pattern, "/...")
	pe := strings.Split(strings.TrimSuffix(pattern, "/..."), "/")
	e := strings.Split(p, "/")
	if len(e) < len(pe) || (!sub && len(e) != len(pe)) {
		return false
	}
	for i := range pe {
		if ok, _ := path.Match(pe[i], e[i]); !ok {
			return false
		}
	}
	return true
}

func matchAny(patterns []string, p string) bool {
	return slices.ContainsFunc(patterns, func(pat string) bool { return match(pat, p) })
}

func rowOf(p string) (layer, bool) {
	for _, l := range layers() {
		if match(l.Packages, p) {
			return l, true
		}
	}
	return layer{}, false
}

// pkg is one package directory of the module: its imports from all files,
// whatever their build constraints (every GOOS, the vmtest tag), since a
// layer must hold on every platform.
type pkg struct {
	imports map[string][]string // import path -> files importing it
	tests   map[string][]string // the same for _test.go files
}

// root finds the module root from the test's directory.
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module "+module+"\n") {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatalf("no go.mod of %s above the test", module)
		}
		dir = up
	}
}

// scan reads the imports of every package of the module below top. Nested
// modules (a go.mod of their own), testdata and dot or underscore
// directories are not part of the module, as for the go command.
func scan(t *testing.T, top string) map[string]*pkg {
	t.Helper()
	fset := token.NewFileSet()
	pkgs := map[string]*pkg{}
	err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n := d.Name()
			if p != top && (n == "testdata" || n == "vendor" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); p != top && err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(top, filepath.Dir(p))
		rel = filepath.ToSlash(rel)
		k := pkgs[rel]
		if k == nil {
			k = &pkg{imports: map[string][]string{}, tests: map[string][]string{}}
			pkgs[rel] = k
		}
		m := k.imports
		if strings.HasSuffix(p, "_test.go") {
			m = k.tests
		}
		for _, s := range f.Imports {
			ip, err := strconv.Unquote(s.Path.Value)
			if err != nil {
				return err
			}
			m[ip] = append(m[ip], filepath.Base(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// ours returns the module-relative path of an import of this module.
func ours(ip string) (string, bool) {
	if ip == module {
		return ".", true
	}
	return strings.CutPrefix(ip, module+"/")
}

// std reports whether ip is in the standard library: its first element has
// no dot, as the go command decides.
func std(ip string) bool {
	first, _, _ := strings.Cut(ip, "/")
	return !strings.Contains(first, ".")
}

// violations checks pkgs against the table and returns one line per broken
// rule, sorted.
func violations(pkgs map[string]*pkg) []string {
	var out []string
	for p, k := range pkgs {
		row, ok := rowOf(p)
		if !ok {
			out = append(out, fmt.Sprintf("%s: in no row of the import table (add one to layers() and ARCHITECTURE.md)", p))
			continue
		}
		check := func(m map[string][]string, what string) {
			for ip, files := range m {
				if o, isOurs := ours(ip); isOurs {
					if o != p && !matchAny(row.May, o) {
						out = append(out, fmt.Sprintf("%s (%s) imports %s: row %q allows %v (%s)", p, files[0], o, row.Packages, row.May, what))
					}
				} else if row.StdOnly && !std(ip) {
					out = append(out, fmt.Sprintf("%s (%s) imports %s: row %q allows the standard library only (%s)", p, files[0], ip, row.Packages, what))
				}
			}
		}
		check(k.imports, "non-test files")
		if row.Tests {
			check(k.tests, "test files")
		}
		// Never: every package reachable through non-test imports.
		for dep, via := range deps(pkgs, p) {
			if matchAny(row.Never, dep) {
				out = append(out, fmt.Sprintf("%s depends on %s (via %s): row %q never depends on %v", p, dep, via, row.Packages, row.Never))
			}
		}
	}
	sort.Strings(out)
	return out
}

// deps returns the module packages reachable from p through non-test
// imports, each with the package that first imported it.
func deps(pkgs map[string]*pkg, p string) map[string]string {
	seen := map[string]string{}
	queue := []string{p}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		k := pkgs[cur]
		if k == nil {
			continue
		}
		for ip := range k.imports {
			o, isOurs := ours(ip)
			if !isOurs || o == p {
				continue
			}
			if _, ok := seen[o]; !ok {
				seen[o] = cur
				queue = append(queue, o)
			}
		}
	}
	return seen
}

// TestImportLayering checks every package of the module against layers().
func TestImportLayering(t *testing.T) {
	t.Parallel()
	pkgs := scan(t, root(t))
	// A walk that found nothing would pass everything.
	for _, must := range []string{"offload", "offload/errs", "ovs/dpflow", "tc", "vendor_mellanox"} {
		if pkgs[must] == nil {
			t.Fatalf("package %s not found: the walk is broken, nothing was checked", must)
		}
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
	t.Logf("%d packages checked against %d rows", len(pkgs), len(layers()))
}

// TestRulesCatchViolations feeds the checker a module that breaks each kind
// of rule, so a checker that accepts everything cannot pass.
func TestRulesCatchViolations(t *testing.T) {
	t.Parallel()
	imp := func(ips ...string) map[string][]string {
		m := map[string][]string{}
		for _, ip := range ips {
			m[ip] = []string{"x.go"}
		}
		return m
	}
	p := func(imports, tests map[string][]string) *pkg {
		if tests == nil {
			tests = map[string][]string{}
		}
		return &pkg{imports: imports, tests: tests}
	}
	m := module + "/"
	for _, c := range []struct {
		name string
		pkgs map[string]*pkg
		want string // substring of the one expected violation
	}{
		{"ovs imports the core", map[string]*pkg{"ovs/unixctl": p(imp(m+"offload"), nil), "offload": p(imp(), nil)},
			"ovs/unixctl (x.go) imports offload"},
		{"tc imports a vendor", map[string]*pkg{"tc": p(imp(m+"vendor_mellanox"), nil), "vendor_mellanox": p(imp(), nil)},
			"tc (x.go) imports vendor_mellanox"},
		{"errs imports a third party", map[string]*pkg{"offload/errs": p(imp("github.com/google/go-cmp/cmp"), nil)},
			"standard library only"},
		{"core imports the engine", map[string]*pkg{"offload": p(imp(m+"offload/switchdev"), nil), "offload/switchdev": p(imp(), nil)},
			"offload (x.go) imports offload/switchdev"},
		{"vendor imports ovs", map[string]*pkg{"vendor_yusur": p(imp(m+"ovs/ovsdb"), nil), "ovs/ovsdb": p(imp(), nil)},
			"vendor_yusur (x.go) imports ovs/ovsdb"},
		{"internal imports a public package", map[string]*pkg{"internal/rtnl": p(imp(m+"tc"), nil), "tc": p(imp(), nil)},
			"internal/rtnl (x.go) imports tc"},
		{"ovs test imports the core", map[string]*pkg{"ovs/ovsdb": p(imp(), imp(m+"offload/offloadtest"))},
			"imports offload/offloadtest"},
		{"unknown top-level package", map[string]*pkg{"pkg/new": p(imp("fmt"), nil)},
			"in no row"},
	} {
		got := violations(c.pkgs)
		if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), c.want) {
			t.Errorf("%s: violations %q, want one containing %q", c.name, got, c.want)
		}
	}
	// Never catches a chain each of whose steps a May would allow if the
	// rows were looser: ovs -> internal -> offload.
	chain := map[string]*pkg{
		"ovs/unixctl": p(imp(m+"internal/x"), nil),
		"internal/x":  p(imp(m+"offload"), nil),
		"offload":     p(imp(), nil),
	}
	if got := strings.Join(violations(chain), "\n"); !strings.Contains(got, "ovs/unixctl depends on offload (via internal/x)") {
		t.Errorf("indirect dependency not reported: %q", got)
	}
	// And the rows in force are not all "*".
	if got := violations(map[string]*pkg{"examples/x": p(imp(m+"offload", m+"vendor_yusur"), nil)}); len(got) != 0 {
		t.Errorf("examples may import anything: %q", got)
	}
}

// markdown renders layers() as the table ARCHITECTURE.md shows.
func markdown() string {
	var b strings.Builder
	b.WriteString("| packages | may import from this module | never depend on | outside the module | binds tests | why |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	list := func(s []string) string {
		if len(s) == 0 {
			return "nothing"
		}
		if len(s) == 1 && s[0] == "*" {
			return "anything"
		}
		q := make([]string, len(s))
		for i, x := range s {
			q[i] = "`" + x + "`"
		}
		return strings.Join(q, ", ")
	}
	for _, l := range layers() {
		never, outside, tests := "-", "any", "no"
		if len(l.Never) > 0 {
			never = list(l.Never)
		}
		if l.StdOnly {
			outside = "standard library"
		}
		if l.Tests {
			tests = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", l.Packages, list(l.May), never, outside, tests, l.Why)
	}
	return b.String()
}

// TestArchitectureShowsTable: ARCHITECTURE.md shows layers() verbatim, so
// the written rules and the checked ones are one table.
func TestArchitectureShowsTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(root(t), "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := markdown(); !strings.Contains(string(b), want) {
		t.Errorf("ARCHITECTURE.md does not show the import table of internal/layering; paste:\n%s", want)
	}
}
