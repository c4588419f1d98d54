package apicheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// mustCheck are the public packages the check must find, so that it cannot
// pass by looking at nothing.
var mustCheck = []string{"accumulator", "compress", "partitioner", "producer"}

func TestPublicAPIMentionsNoInternalPackage(t *testing.T) {
	root := moduleRoot(t)
	dirs := publicPackageDirs(t, root)
	for _, want := range mustCheck {
		if !slices.Contains(dirs, want) {
			t.Fatalf("public package %s not found under %s (found %v)", want, root, dirs)
		}
	}
	for _, dir := range dirs {
		for _, v := range internalMentions(t, filepath.Join(root, dir)) {
			t.Errorf("%s", v)
		}
	}
}

// The check itself must see a leak in each place one can hide.
func TestInternalMentionsFindsEveryKindOfLeak(t *testing.T) {
	const src = `package leaky

import (
	"example.com/m/internal/wire"
	w2 "example.com/m/internal/wire/v2"
)

type Record[H wire.HeaderLike] struct{ Key string }
func Append(h wire.Header) {}
func Ok(n int) (int, error) { return n, nil }
type Batch struct {
	Buf []byte
	Hdr wire.Header
	hidden wire.Header
}
type Batch2 struct{ wire.Header }
func (b *Batch) Head() *wire.Header { return nil }
func (b *Batch) head() *wire.Header { return nil }
type unexported struct{ H wire.Header }
func (u unexported) Exported() wire.Header { return u.H }
type Codec interface{ Encode(w2.Buf) }
type Alias = wire.Header
var Default wire.Header
var Inferred = wire.New()
const Len = wire.BatchHeaderLen
var private = wire.New()
// Pool recycles wire.Header values.
type Pool struct{}
type Fine struct {
	// Wire is what goes on the wire: its bytes.
	Wire []byte
}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "leaky.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := internalMentions(t, dir)
	want := []string{
		"type Record", "func Append", "field Batch.Hdr", "field Batch2.wire.Header",
		"method Batch.Head", "type Codec", "type Alias", "var Default",
		"var Inferred", "const Len", "doc of type Pool",
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if strings.Contains(g, ": "+w+" ") {
				found = true
			}
		}
		if !found {
			t.Errorf("no report for %s; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d reports, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}

// moduleRoot returns the directory of the go.mod above the test.
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// publicPackageDirs returns the module's importable non-internal packages,
// relative to root: directories with non-test Go files outside internal/
// and testdata/, not in a nested module, whose package is not main.
func publicPackageDirs(t testing.TB, root string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != root {
			if name == "internal" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir // another module, such as bench
			}
		}
		files := parseDir(t, token.NewFileSet(), p, parser.PackageClauseOnly)
		if len(files) > 0 && files[0].Name.Name != "main" {
			rel, _ := filepath.Rel(root, p)
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// parseDir parses the non-test Go files in dir, whatever their build
// constraints: an exported declaration leaks on any platform.
func parseDir(t testing.TB, fset *token.FileSet, dir string, mode parser.Mode) []*ast.File {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, mode)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// internalMentions parses the non-test files in dir and describes every
// exported declaration, and every doc comment of one, that names an
// identifier of an imported package under internal/.
func internalMentions(t testing.TB, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	var out []string
	for _, f := range parseDir(t, fset, dir, parser.ParseComments) {
		c := &checker{fset: fset, internal: internalImports(f)}
		if len(c.internal) == 0 {
			continue
		}
		c.file(f)
		out = append(out, c.out...)
	}
	slices.Sort(out)
	return out
}

// internalImports maps the names under which f refers to internal
// packages to their import paths.
func internalImports(f *ast.File) map[string]string {
	m := make(map[string]string)
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil || !isInternal(p) {
			continue
		}
		name := path.Base(p)
		if majorVersion.MatchString(name) {
			name = path.Base(path.Dir(p))
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		m[name] = p
	}
	return m
}

// majorVersion matches a module path's major version suffix, such as v2.
var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

func isInternal(p string) bool {
	return strings.HasPrefix(p, "internal/") || strings.Contains(p, "/internal/") || strings.HasSuffix(p, "/internal")
}

type checker struct {
	fset     *token.FileSet
	internal map[string]string // local name -> import path
	out      []string
}

func (c *checker) report(pos token.Pos, what, detail string) {
	c.out = append(c.out, fmt.Sprintf("%s: %s %s", c.fset.Position(pos), what, detail))
}

// expr reports what when e refers to an internal package.
func (c *checker) expr(e ast.Node, what string) {
	if e == nil {
		return
	}
	ast.Inspect(e, func(n ast.Node) bool {
		if n == nil {
			return false
		}
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				if p, ok := c.internal[id.Name]; ok {
					c.report(sel.Pos(), what, fmt.Sprintf("mentions %s.%s from %s", id.Name, sel.Sel.Name, p))
				}
			}
		}
		if id, ok := n.(*ast.Ident); ok && c.internal["."] != "" && id.IsExported() {
			c.report(id.Pos(), what, "may name an identifier dot-imported from "+c.internal["."])
		}
		return true
	})
}

// doc reports what when its comments name an internal package's
// identifier or an internal/ path, which go doc would show.
func (c *checker) doc(groups []*ast.CommentGroup, what string) {
	for _, g := range groups {
		if g == nil {
			continue
		}
		text := g.Text()
		for name, p := range c.internal {
			if mentionsIdent(text, name) {
				c.report(g.Pos(), "doc of "+what, fmt.Sprintf("mentions %s. from %s", name, p))
			}
		}
		if strings.Contains(text, "internal/") {
			c.report(g.Pos(), "doc of "+what, "mentions an internal/ path")
		}
	}
}

// mentionsIdent reports whether text names an identifier of the package
// imported as name, as in "wire.Header" (and not "the wire. Then").
func mentionsIdent(text, name string) bool {
	for i := strings.Index(text, name+"."); i >= 0; {
		before, after := i-1, i+len(name)+1
		if (before < 0 || !isIdentByte(text[before])) && after < len(text) && isIdentByte(text[after]) {
			return true
		}
		j := strings.Index(text[i+1:], name+".")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

func isIdentByte(b byte) bool {
	return b == '_' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

func (c *checker) file(f *ast.File) {
	c.doc([]*ast.CommentGroup{f.Doc}, "package")
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			c.funcDecl(d)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					c.typeSpec(d, s)
				case *ast.ValueSpec:
					c.valueSpec(d, s)
				}
			}
		}
	}
}

func (c *checker) funcDecl(d *ast.FuncDecl) {
	if !d.Name.IsExported() {
		return
	}
	what := "func " + d.Name.Name
	if d.Recv != nil && len(d.Recv.List) == 1 {
		recv := receiverName(d.Recv.List[0].Type)
		if !ast.IsExported(recv) {
			return // go doc does not show methods of unexported types
		}
		what = "method " + recv + "." + d.Name.Name
	}
	c.expr(d.Type, what)
	c.doc([]*ast.CommentGroup{d.Doc}, what)
}

// receiverName returns the name of a receiver's base type.
func receiverName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

func (c *checker) typeSpec(d *ast.GenDecl, s *ast.TypeSpec) {
	if !s.Name.IsExported() {
		return
	}
	what := "type " + s.Name.Name
	c.doc([]*ast.CommentGroup{d.Doc, s.Doc, s.Comment}, what)
	if s.TypeParams != nil {
		c.expr(s.TypeParams, what)
	}
	st, ok := s.Type.(*ast.StructType)
	if !ok {
		c.expr(s.Type, what) // interfaces, aliases, defined types: all of it shows
		return
	}
	for _, f := range st.Fields.List {
		names := f.Names
		if len(names) == 0 { // embedded: named after its type
			names = []*ast.Ident{{Name: exprString(f.Type), NamePos: f.Pos()}}
		}
		for _, n := range names {
			last := n.Name[strings.LastIndex(n.Name, ".")+1:]
			if !ast.IsExported(strings.TrimPrefix(last, "*")) {
				continue
			}
			fw := "field " + s.Name.Name + "." + n.Name
			c.expr(f.Type, fw)
			c.doc([]*ast.CommentGroup{f.Doc, f.Comment}, fw)
		}
	}
}

// exprString renders an embedded field's type, such as wire.Header.
func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.StarExpr:
		return exprString(x.X)
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.IndexExpr:
		return exprString(x.X)
	case *ast.IndexListExpr:
		return exprString(x.X)
	}
	return ""
}

func (c *checker) valueSpec(d *ast.GenDecl, s *ast.ValueSpec) {
	kind := d.Tok.String()
	for i, n := range s.Names {
		if !n.IsExported() {
			continue
		}
		what := kind + " " + n.Name
		c.expr(s.Type, what)
		if s.Type == nil && i < len(s.Values) {
			c.expr(s.Values[i], what) // the type, or the value go doc shows
		}
		c.doc([]*ast.CommentGroup{d.Doc, s.Doc, s.Comment}, what)
	}
}
