package reference

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// constructsDir holds one Go package per construct, relative to the project root.
const constructsDir = "constructs"

// ConstructReadmes returns the README of every package under
// root/constructs, keyed by the package folder. A package without an
// Example function in its tests is an error: every README shows one.
func ConstructReadmes(root string) (map[string]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, constructsDir))
	if err != nil {
		return nil, err
	}
	g := &callGraph{pkgs: map[string]*sourcePackage{}}
	var order []*sourcePackage
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p, err := parsePackage(filepath.Join(root, constructsDir, e.Name()), Module+"/"+constructsDir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		g.pkgs[p.importPath] = p
		order = append(order, p)
	}
	pages := make([]*readme, len(order))
	var calls []bindingCall
	for i, p := range order {
		pages[i] = newReadme(g, p)
		for _, c := range pages[i].constructors {
			for _, b := range c.reach.bindings {
				if !slices.Contains(calls, b) {
					calls = append(calls, b)
				}
			}
		}
	}
	types, err := bindingTypes(root, calls)
	if err != nil {
		return nil, err
	}
	res := map[string]string{}
	for _, page := range pages {
		text, err := page.render(types)
		if err != nil {
			return nil, err
		}
		res[page.pkg.dir] = text
	}
	return res, nil
}

// constructor is one New... function of a construct package.
type constructor struct {
	fn    *doc.Func
	reach reach
}

// readme is the page of one construct package.
type readme struct {
	g            *callGraph
	pkg          *sourcePackage
	constructors []constructor
	// shown are the type names already documented with a constructor.
	shown map[string]bool
}

func newReadme(g *callGraph, p *sourcePackage) *readme {
	r := &readme{g: g, pkg: p, shown: map[string]bool{}}
	for _, fn := range allFuncs(p.doc) {
		if isConstructor(fn.Decl) {
			r.constructors = append(r.constructors, constructor{fn: fn, reach: g.reachFrom(funcRef{p, fn.Decl})})
		}
	}
	return r
}

// allFuncs returns the exported package-level functions, including those
// go/doc files under the type they return, sorted by name.
func allFuncs(p *doc.Package) []*doc.Func {
	var funcs []*doc.Func
	for _, list := range append([][]*doc.Func{p.Funcs}, typeFuncs(p)...) {
		for _, fn := range list {
			if ast.IsExported(fn.Name) {
				funcs = append(funcs, fn)
			}
		}
	}
	sort.Slice(funcs, func(i, j int) bool { return funcs[i].Name < funcs[j].Name })
	return funcs
}

func (r *readme) render(types map[bindingCall]terraformBlock) (string, error) {
	p := r.pkg
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", p.doc.Name, generatedNote)
	fmt.Fprintf(&b, "`import \"%s\"`\n\n", p.importPath)
	b.WriteString(p.docText(p.doc.Doc))
	for _, c := range r.constructors {
		r.renderConstructor(&b, c, types)
	}
	r.renderOtherAPI(&b)
	if err := r.renderExamples(&b); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (r *readme) renderConstructor(b *strings.Builder, c constructor, types map[bindingCall]terraformBlock) {
	p := r.pkg
	fmt.Fprintf(b, "\n## %s\n\n```go\n%s\n```\n\n", c.fn.Name, signature(p, c.fn.Decl))
	b.WriteString(p.docText(c.fn.Doc))
	params := paramTypes(c.fn.Decl.Type.Params)
	if props, ok := localType(params[len(params)-1]); ok {
		if t := findType(p.doc, props); t != nil {
			r.shown[props] = true
			fmt.Fprintf(b, "\n### Props: `%s`\n\n", props)
			b.WriteString(p.docText(t.Doc))
			writeFields(b, p, t, "Meaning, default and effect")
		}
	}
	if owner, name, ok := r.resultType(c.fn.Decl); ok {
		if t := findType(owner.doc, name); t != nil {
			title := name
			if owner != p {
				title = owner.doc.Name + "." + name
			} else {
				r.shown[name] = true
			}
			fmt.Fprintf(b, "\n### Outputs: `%s`\n\n", title)
			b.WriteString(owner.docText(t.Doc))
			writeFields(b, owner, t, "Description")
			writeMethods(b, owner, t)
		}
	}
	b.WriteString("\n### Terraform resources\n\n")
	var rows []terraformBlock
	for _, call := range c.reach.bindings {
		if tb, ok := types[call]; ok {
			rows = append(rows, tb)
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		return rows[i].kind+rows[i].typeName < rows[j].kind+rows[j].typeName
	})
	if len(rows) == 0 {
		b.WriteString("None.\n")
	} else {
		b.WriteString("| Kind | Terraform type | Created with |\n| --- | --- | --- |\n")
		for _, row := range rows {
			fmt.Fprintf(b, "| %s | `%s` | `%s` |\n", row.kind, row.typeName, row.via)
		}
	}
	if len(c.reach.composes) > 0 {
		fmt.Fprintf(b, "\nComposes %s; their resources are included above.\n", codeList(c.reach.composes))
	}
}

// resultType finds the struct a constructor returns: in its own package or
// in another construct package.
func (r *readme) resultType(fd *ast.FuncDecl) (*sourcePackage, string, bool) {
	expr := fd.Type.Results.List[0].Type
	if star, ok := expr.(*ast.StarExpr); ok {
		expr = star.X
	}
	switch t := expr.(type) {
	case *ast.Ident:
		return r.pkg, t.Name, true
	case *ast.SelectorExpr:
		if x, ok := t.X.(*ast.Ident); ok {
			if other, ok := r.g.pkgs[r.pkg.imports(fd.Pos())[x.Name]]; ok {
				return other, t.Sel.Name, true
			}
		}
	}
	return nil, "", false
}

// localType names the package type an expression denotes (through a pointer).
func localType(expr ast.Expr) (string, bool) {
	if star, ok := expr.(*ast.StarExpr); ok {
		expr = star.X
	}
	if id, ok := expr.(*ast.Ident); ok && id.IsExported() {
		return id.Name, true
	}
	return "", false
}

// typeFuncs returns the function lists go/doc files under types.
func typeFuncs(p *doc.Package) [][]*doc.Func {
	var res [][]*doc.Func
	for _, t := range p.Types {
		res = append(res, t.Funcs)
	}
	return res
}

// exportedValue reports whether a const or var group declares an exported name.
func exportedValue(v *doc.Value) bool {
	return slices.ContainsFunc(v.Names, ast.IsExported)
}

// findType returns the documented type of that name, or nil.
func findType(p *doc.Package, name string) *doc.Type {
	for _, t := range p.Types {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// writeFields writes the exported fields of a struct type as a table.
func writeFields(b *strings.Builder, p *sourcePackage, t *doc.Type, third string) {
	st, ok := t.Decl.Specs[0].(*ast.TypeSpec).Type.(*ast.StructType)
	if !ok {
		return
	}
	fmt.Fprintf(b, "\n| Field | Type | %s |\n| --- | --- | --- |\n", third)
	for _, f := range st.Fields.List {
		var names []string
		for _, n := range f.Names {
			if n.IsExported() {
				names = append(names, n.Name)
			}
		}
		if len(names) == 0 {
			continue
		}
		text := f.Doc.Text()
		if text == "" {
			text = f.Comment.Text()
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", codeList(names), code(p.source(f.Type)), cell(text))
	}
}

// writeMethods lists the exported methods of a type with their docs.
func writeMethods(b *strings.Builder, p *sourcePackage, t *doc.Type) {
	for _, m := range t.Methods {
		if ast.IsExported(m.Name) {
			fmt.Fprintf(b, "\n`%s`: %s\n", oneLine(signature(p, m.Decl)), oneLine(m.Doc))
		}
	}
}

// signature prints a function declaration without body or doc.
func signature(p *sourcePackage, fd *ast.FuncDecl) string {
	return p.source(&ast.FuncDecl{Recv: fd.Recv, Name: fd.Name, Type: fd.Type})
}

// codeList formats names as a comma-separated list of inline code.
func codeList(names []string) string {
	res := make([]string, len(names))
	for i, n := range names {
		res[i] = "`" + n + "`"
	}
	return strings.Join(res, ", ")
}

// renderOtherAPI documents the exported names not shown with a constructor.
func (r *readme) renderOtherAPI(b *strings.Builder) {
	p := r.pkg
	var parts strings.Builder
	values := append(append([]*doc.Value(nil), p.doc.Consts...), p.doc.Vars...)
	for _, t := range p.doc.Types {
		values = append(values, t.Consts...)
		values = append(values, t.Vars...)
	}
	for _, v := range values {
		if !exportedValue(v) {
			continue
		}
		fmt.Fprintf(&parts, "\n```go\n%s\n```\n", p.source(exportedDecl(v.Decl)))
	}
	for _, t := range p.doc.Types {
		if r.shown[t.Name] || !ast.IsExported(t.Name) {
			continue
		}
		fmt.Fprintf(&parts, "\n### type %s\n\n", t.Name)
		parts.WriteString(p.docText(t.Doc))
		if _, isStruct := t.Decl.Specs[0].(*ast.TypeSpec).Type.(*ast.StructType); isStruct {
			writeFields(&parts, p, t, "Description")
		} else {
			fmt.Fprintf(&parts, "\n```go\n%s\n```\n", p.source(t.Decl))
		}
		writeMethods(&parts, p, t)
	}
	for _, fn := range allFuncs(p.doc) {
		if !isConstructor(fn.Decl) {
			fmt.Fprintf(&parts, "\n### func %s\n\n```go\n%s\n```\n\n%s", fn.Name, signature(p, fn.Decl), p.docText(fn.Doc))
		}
	}
	if parts.Len() > 0 {
		b.WriteString("\n## Other exported API\n")
		b.WriteString(parts.String())
	}
}

// exportedDecl is a const or var declaration reduced to its exported specs,
// with their doc comments and the declaration's.
func exportedDecl(d *ast.GenDecl) *printer.CommentedNode {
	kept := *d
	kept.Specs = nil
	comments := []*ast.CommentGroup{d.Doc}
	for _, spec := range d.Specs {
		vs := spec.(*ast.ValueSpec)
		if slices.ContainsFunc(vs.Names, (*ast.Ident).IsExported) {
			kept.Specs = append(kept.Specs, vs)
			comments = append(comments, vs.Doc, vs.Comment)
		}
	}
	return &printer.CommentedNode{Node: &kept, Comments: slices.DeleteFunc(comments, func(c *ast.CommentGroup) bool { return c == nil })}
}

// commented prints a declaration with the comments inside it.
func (r *readme) commented(node ast.Node) string {
	for _, f := range append(append([]*ast.File(nil), r.pkg.files...), r.pkg.tests...) {
		if f.Pos() <= node.Pos() && node.End() <= f.End() {
			return r.pkg.source(&printer.CommentedNode{Node: node, Comments: f.Comments})
		}
	}
	return r.pkg.source(node)
}

// renderExamples shows every Example function of the package's tests with
// the imports of its file. They are compiled by go vet and go test.
func (r *readme) renderExamples(b *strings.Builder) error {
	p := r.pkg
	found := false
	for _, f := range p.tests {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !strings.HasPrefix(fd.Name.Name, "Example") {
				continue
			}
			found = true
			fmt.Fprintf(b, "\n## %s\n\n", exampleTitle(fd.Name.Name))
			b.WriteString(p.docText(fd.Doc.Text()))
			body := &ast.FuncDecl{Name: fd.Name, Type: fd.Type, Body: fd.Body}
			b.WriteString("\n```go\n")
			for _, d := range f.Decls {
				if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
					fmt.Fprintf(b, "%s\n\n", p.source(g))
				}
			}
			fmt.Fprintf(b, "%s\n```\n", r.commented(body))
		}
	}
	if !found {
		return fmt.Errorf("%s: no Example function in its tests; add example_test.go with a minimal example (see constructs/firewall/example_test.go)", p.dir)
	}
	return nil
}

// exampleTitle names an example section: "Example" or "Example: New".
func exampleTitle(name string) string {
	suffix := strings.TrimPrefix(strings.TrimPrefix(name, "Example"), "_")
	if suffix == "" {
		return "Example"
	}
	return "Example: " + strings.ReplaceAll(suffix, "_", ".")
}
