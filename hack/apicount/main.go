// Command apicount counts a package's exported API: the exported
// identifiers declared at package level (types, functions, constants,
// variables), the exported methods of its types, and, separately, the
// exported methods of one named type. Test files are not counted.
//
//	go run ./hack/apicount -type Host ./offload
//
// It prints "identifiers N" (package-level names plus methods) and
// "methods of Host M". Issue 12 of the redesign quotes its output.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	typ := flag.String("type", "", "also count the exported methods of this type")
	list := flag.Bool("list", false, "list the counted identifiers")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: apicount [-type T] [-list] DIR")
		os.Exit(2)
	}
	// The files the current GOOS/GOARCH would build, tests excluded: a
	// _linux.go file and its _others.go stubs declare the same names, and
	// parser.ParseDir (deprecated) would count both.
	bp, err := build.Default.ImportDir(flag.Arg(0), 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(bp.Dir, name), nil, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		files = append(files, f)
	}
	var names, methods []string
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv == nil {
					names = append(names, d.Name.Name)
					continue
				}
				recv := receiverName(d.Recv.List[0].Type)
				if !ast.IsExported(recv) {
					continue
				}
				names = append(names, recv+"."+d.Name.Name)
				if recv == *typ {
					methods = append(methods, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names = append(names, s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names = append(names, n.Name)
							}
						}
					}
				}
			}
		}
	}
	sort.Strings(names)
	if *list {
		for _, n := range names {
			fmt.Println(n)
		}
	}
	fmt.Printf("identifiers %d\n", len(names))
	if *typ != "" {
		fmt.Printf("methods of %s %d\n", *typ, len(methods))
	}
}

func receiverName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return receiverName(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return receiverName(t.X)
	}
	return ""
}
