package doclint

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// guidesDoc is the step table of the five vendor guides. Every
// `pkg.Identifier` it writes in backticks must exist in the module today,
// so the table cannot drift from the code.
const guidesDoc = "../../docs/guides.md"

// api is the exported surface of the module's packages, keyed by package
// name: top-level identifiers ("Host"), methods and struct or interface
// fields as "Type.Name" ("Host.SetNumVFs", "Spec.NumVFs").
type api map[string]map[string]bool

// loadAPI parses every non-test, non-main Go file of the module under root
// (not hack/, testdata or the nested modules, which are not this module)
// with go/parser, whatever its build tags. A package name used by two
// directories is recorded as ambiguous (nil), so a reference to it fails
// instead of resolving by chance.
func loadAPI(t *testing.T, root string) api {
	t.Helper()
	fset := token.NewFileSet()
	byDir := map[string]string{} // dir -> package name
	out := api{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "hack", "vendor":
				return filepath.SkipDir
			}
			if p != root {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // a module of its own
				}
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		name := f.Name.Name
		if name == "main" {
			return nil
		}
		dir := filepath.Dir(p)
		if prev, ok := byDir[dir]; ok && prev != name {
			return fmt.Errorf("%s: package %s and %s in one directory", dir, prev, name)
		}
		byDir[dir] = name
		ids := out[name]
		if ids == nil {
			ids = map[string]bool{}
			out[name] = ids
		}
		addDecls(ids, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string][]string{}
	for dir, name := range byDir {
		dirs[name] = append(dirs[name], dir)
	}
	for name, ds := range dirs {
		if len(ds) > 1 {
			out[name] = nil
		}
	}
	return out
}

// addDecls records the exported identifiers of one file.
func addDecls(ids map[string]bool, f *ast.File) {
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			if d.Recv == nil || len(d.Recv.List) == 0 {
				ids[d.Name.Name] = true
				continue
			}
			if recv := recvName(d.Recv.List[0].Type); recv != "" {
				ids[recv+"."+d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					ids[s.Name.Name] = true
					addMembers(ids, s.Name.Name, s.Type)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							ids[n.Name] = true
						}
					}
				}
			}
		}
	}
}

// addMembers records a struct's exported fields (embedded ones by their
// type name) and an interface's methods as "Type.Name".
func addMembers(ids map[string]bool, typ string, e ast.Expr) {
	var list *ast.FieldList
	switch t := e.(type) {
	case *ast.StructType:
		list = t.Fields
	case *ast.InterfaceType:
		list = t.Methods
	default:
		return
	}
	for _, fld := range list.List {
		if len(fld.Names) == 0 {
			if n := recvName(fld.Type); n != "" && ast.IsExported(n) {
				ids[typ+"."+n] = true
			}
			continue
		}
		for _, n := range fld.Names {
			if n.IsExported() {
				ids[typ+"."+n.Name] = true
			}
		}
	}
}

// recvName is the type name of a receiver or embedded field: T, *T, T[P],
// pkg.T (for an embedded field, the selector's name).
func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.IndexListExpr:
		return recvName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.Ident:
		return t.Name
	}
	return ""
}

var (
	// codeSpan is one `...` span of markdown (no code fences in the doc).
	codeSpan = regexp.MustCompile("`([^`\n]+)`")
	// qualified finds pkg.Ident and pkg.Type.Member inside a span; the
	// package part must not follow a dot or word character (so
	// "x.offload.Host" and "a1.B" are not read as references).
	qualified = regexp.MustCompile(`(?:^|[^\w./-])([a-z][a-z0-9_]*)\.([A-Z]\w*)(?:\.([A-Z]\w*))?`)
	// wholeRef is a span that is nothing but a bare reference: such a
	// span whose package is unknown is a typo ("switchdevv.Spec"), while
	// one with a call after it is code ("h.VFs(ctx, pf)").
	wholeRef = regexp.MustCompile(`^([a-z][a-z0-9_]*)\.[A-Z]\w*(?:\.[A-Z]\w*)?$`)
)

// checkRefs returns the references in text that do not resolve in a, and
// how many resolved.
func checkRefs(a api, text string) (bad []string, ok int) {
	for _, m := range codeSpan.FindAllStringSubmatch(text, -1) {
		span := m[1]
		found := false
		for _, r := range qualified.FindAllStringSubmatch(span, -1) {
			pkg, id, member := r[1], r[2], r[3]
			ids, known := a[pkg]
			if !known {
				continue // "h.VFs", "ctx.Err": not a package
			}
			found = true
			ref := pkg + "." + id
			key := id
			if member != "" {
				ref += "." + member
				key += "." + member
			}
			switch {
			case ids == nil:
				bad = append(bad, ref+": package name "+pkg+" is used by more than one directory")
			case !ids[key]:
				bad = append(bad, ref+": no exported "+key+" in package "+pkg)
			default:
				ok++
			}
		}
		if w := wholeRef.FindStringSubmatch(span); w != nil && !found {
			bad = append(bad, span+": no package "+w[1]+" in the module")
		}
	}
	return bad, ok
}

// TestGuidesTableNamesRealIdentifiers: every `pkg.Identifier` (or
// `pkg.Type.Method`, `pkg.Type.Field`) in docs/guides.md is an exported
// identifier of that package in the module today.
func TestGuidesTableNamesRealIdentifiers(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(guidesDoc)
	if err != nil {
		t.Fatal(err)
	}
	a := loadAPI(t, "../..")
	bad, ok := checkRefs(a, string(b))
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("%s names %d identifiers that do not exist (fix the table or the name):\n  %s",
			guidesDoc, len(bad), strings.Join(bad, "\n  "))
	}
	// A floor, so a regexp that stopped matching cannot pass silently.
	if ok < 100 {
		t.Errorf("%s: only %d references resolved; want at least 100 (is the pattern still matching?)", guidesDoc, ok)
	}
	t.Logf("%d references resolved", ok)
}

// TestCheckRefs: the checker itself catches a wrong method, a wrong field,
// a wrong top-level name and an unknown package, and leaves prose alone.
func TestCheckRefs(t *testing.T) {
	t.Parallel()
	a := api{
		"offload":   {"Host": true, "Host.SetNumVFs": true, "PF": true, "PF.TotalVFs": true},
		"switchdev": {"Spec": true, "Spec.NumVFs": true},
		"twice":     nil,
	}
	for _, tc := range []struct {
		text    string
		bad, ok int
	}{
		{"`offload.Host.SetNumVFs`", 0, 1},
		{"`offload.PF.TotalVFs` and `switchdev.Spec{NumVFs: 4}`", 0, 2},
		{"`switchdev.Spec.NumVFs`", 0, 1},
		{"`offload.Host.SetNumVF`", 1, 0},
		{"`offload.PF.Total`", 1, 0},
		{"`offload.Hots`", 1, 0},
		{"`switchdevv.Spec`", 1, 0},
		{"`twice.Thing`", 1, 0},
		{"`h.VFs`", 1, 0},
		{"`h.VFs(ctx, pf)` `echo 4 > sriov_numvfs` `install.sh` `offloaded:yes, dp:tc`", 0, 0},
		{"`go run ./examples/switchdev -tree cx5-legacy` and plain offload.Hots outside backticks", 0, 0},
	} {
		bad, ok := checkRefs(a, tc.text)
		if len(bad) != tc.bad || ok != tc.ok {
			t.Errorf("checkRefs(%q) = %d bad %q, %d ok; want %d bad, %d ok", tc.text, len(bad), bad, ok, tc.bad, tc.ok)
		}
	}
}

var (
	// stepRow is a row of a guide's table: its step number and status.
	stepRow = regexp.MustCompile(`^\| (\d{3})-(\d{2}) \|.*\| (done|partial|missing|in progress \(issue \d+ item \d+\)) \|$`)
	// anyStepRow is any row that starts with a step number, to catch a
	// row whose status is not one of the four.
	anyStepRow = regexp.MustCompile(`^\| \d{3}-\d{2} \|`)
	// summaryRow is a row of the summary table.
	summaryRow = regexp.MustCompile(`^\| (\d{3}|all)[^|]*\| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$`)
)

// TestGuidesSummaryMatchesTable: every step row has one of the four
// statuses, steps are numbered 01, 02, ... without gaps per guide, and the
// summary's counts are the table's.
func TestGuidesSummaryMatchesTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(guidesDoc)
	if err != nil {
		t.Fatal(err)
	}
	type counts [5]int // steps, done, partial, missing, in progress
	table := map[string]*counts{}
	summary := map[string]counts{}
	for i, line := range strings.Split(string(b), "\n") {
		if m := summaryRow.FindStringSubmatch(line); m != nil {
			var c counts
			for j := range c {
				fmt.Sscan(m[j+2], &c[j])
			}
			summary[m[1]] = c
			continue
		}
		if !anyStepRow.MatchString(line) {
			continue
		}
		m := stepRow.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line %d: a step row without a status done, partial, missing or \"in progress (issue N item M)\": %s", i+1, line)
			continue
		}
		c := table[m[1]]
		if c == nil {
			c = &counts{}
			table[m[1]] = c
		}
		c[0]++
		if want := fmt.Sprintf("%02d", c[0]); m[2] != want {
			t.Errorf("line %d: step %s-%s, want %s-%s (numbered in order, no gaps)", i+1, m[1], m[2], m[1], want)
		}
		switch {
		case m[3] == "done":
			c[1]++
		case m[3] == "partial":
			c[2]++
		case m[3] == "missing":
			c[3]++
		default:
			c[4]++
		}
	}
	var sum counts
	for _, c := range table {
		for j := range sum {
			sum[j] += c[j]
		}
	}
	if all, ok := summary["all"]; !ok || all != sum {
		t.Errorf("summary row \"all\" = %v, the guides add up to %v", all, sum)
	}
	if len(table) != 5 {
		t.Errorf("step rows for %d guides, want 5", len(table))
	}
	for g, c := range table {
		if s, ok := summary[g]; !ok || s != *c {
			t.Errorf("summary row for guide %s = %v, table counts %v (steps, done, partial, missing, in progress)", g, s, *c)
		}
		if c[1]+c[2]+c[3]+c[4] != c[0] {
			t.Errorf("guide %s: statuses do not add up to the steps: %v", g, *c)
		}
	}
}
