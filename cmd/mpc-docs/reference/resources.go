package reference

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// bindingPrefix starts the import path of every prebuilt or generated
// provider binding (aws, kubernetes, helm).
const bindingPrefix = "github.com/cdktf/cdktf-provider-"

// reTerraformType finds the Terraform type in a binding constructor's doc
// comment: "Create a new {@link https://registry.terraform.io/providers/hashicorp/aws/5.84.0/docs/resources/security_group aws_security_group} Resource."
var reTerraformType = regexp.MustCompile(`\{@link https://registry\.terraform\.io/providers/\S+/docs/(resources|data-sources)/\S+ ([a-z0-9_]+)\}`)

// bindingCall is a call of a binding constructor, such as securitygroup.NewSecurityGroup.
type bindingCall struct {
	importPath, function string
}

// String is the call as written in Go: "securitygroup.NewSecurityGroup".
func (c bindingCall) String() string { return filepath.Base(c.importPath) + "." + c.function }

// terraformBlock is a resource or data source type a construct creates.
type terraformBlock struct {
	// kind is "resource" or "data source".
	kind string
	// typeName is the Terraform type, such as aws_security_group.
	typeName string
	// via is the binding constructor called.
	via string
}

// funcRef names a function of a parsed package.
type funcRef struct {
	pkg  *sourcePackage
	decl *ast.FuncDecl
}

// reach is what a function reaches through its calls.
type reach struct {
	bindings []bindingCall
	// composes lists the other construct packages' functions called, "irsa.New".
	composes []string
}

// callGraph follows calls from a constructor through the functions of its
// package and of the other construct packages to the binding constructors.
type callGraph struct {
	pkgs map[string]*sourcePackage
}

// imports maps each import name of the file holding pos to its path.
func (p *sourcePackage) imports(pos token.Pos) map[string]string {
	res := map[string]string{}
	for _, f := range p.files {
		if f.Pos() > pos || pos > f.End() {
			continue
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			name := filepath.Base(path)
			if imp.Name != nil {
				name = imp.Name.Name
			}
			res[name] = path
		}
	}
	return res
}

// funcDecl returns the function or method of the package with that name.
func (p *sourcePackage) funcDecl(name string) *ast.FuncDecl {
	for _, f := range p.files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == name {
				return fd
			}
		}
	}
	return nil
}

// reachFrom returns the binding constructors and foreign construct functions
// reached from fn, each once, in order of first call.
func (g *callGraph) reachFrom(fn funcRef) reach {
	var res reach
	seen := map[*ast.FuncDecl]bool{}
	var visit func(fn funcRef)
	visit = func(fn funcRef) {
		if fn.decl == nil || fn.decl.Body == nil || seen[fn.decl] {
			return
		}
		seen[fn.decl] = true
		imports := fn.pkg.imports(fn.decl.Pos())
		ast.Inspect(fn.decl.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			switch f := call.Fun.(type) {
			case *ast.Ident:
				visit(funcRef{fn.pkg, fn.pkg.funcDecl(f.Name)})
			case *ast.SelectorExpr:
				qualifier, path := "", ""
				if x, ok := f.X.(*ast.Ident); ok {
					qualifier, path = x.Name, imports[x.Name]
				}
				switch {
				case strings.HasPrefix(path, bindingPrefix):
					if c := (bindingCall{path, f.Sel.Name}); strings.HasPrefix(f.Sel.Name, "New") && !slices.Contains(res.bindings, c) {
						res.bindings = append(res.bindings, c)
					}
				case path != "":
					if other, ok := g.pkgs[path]; ok {
						name := qualifier + "." + f.Sel.Name
						if decl := other.funcDecl(f.Sel.Name); decl != nil && isConstructor(decl) && !slices.Contains(res.composes, name) {
							res.composes = append(res.composes, name)
						}
						visit(funcRef{other, other.funcDecl(f.Sel.Name)})
					}
				default:
					// A method call on a value: follow it when the package declares a method of that name.
					visit(funcRef{fn.pkg, fn.pkg.funcDecl(f.Sel.Name)})
				}
			}
			return true
		})
	}
	visit(fn)
	return res
}

// bindingTypes resolves binding constructors to the Terraform types they
// create, from the doc comments of the bindings' Go source. Constructors of
// non-resource helpers (lists, output references) have no such comment and
// are left out.
func bindingTypes(root string, calls []bindingCall) (map[bindingCall]terraformBlock, error) {
	var paths []string
	for _, c := range calls {
		if !slices.Contains(paths, c.importPath) {
			paths = append(paths, c.importPath)
		}
	}
	dirs, err := packageDirs(root, paths)
	if err != nil {
		return nil, err
	}
	res := map[bindingCall]terraformBlock{}
	docs := map[string]map[string]string{}
	for _, c := range calls {
		if docs[c.importPath] == nil {
			if docs[c.importPath], err = constructorDocs(dirs[c.importPath]); err != nil {
				return nil, err
			}
		}
		m := reTerraformType.FindStringSubmatch(docs[c.importPath][c.function])
		if m == nil {
			continue
		}
		kind := "resource"
		if m[1] == "data-sources" {
			kind = "data source"
		}
		res[c] = terraformBlock{kind: kind, typeName: m[2], via: c.String()}
	}
	return res, nil
}

// packageDirs asks the go command where the packages' source is.
func packageDirs(root string, paths []string) (map[string]string, error) {
	res := map[string]string{}
	if len(paths) == 0 {
		return res, nil
	}
	cmd := exec.Command("go", append([]string{"list", "-f", "{{.ImportPath}} {{.Dir}}"}, paths...)...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list the provider bindings (run make deps first): %w: %s", err, stderr.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, dir, _ := strings.Cut(line, " ")
		res[path] = dir
	}
	return res, nil
}

// constructorDocs returns the doc comments of the New* functions of a binding package.
func constructorDocs(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	res := map[string]string{}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && strings.HasPrefix(fd.Name.Name, "New") {
				res[fd.Name.Name] = fd.Doc.Text()
			}
		}
	}
	return res, nil
}

// isConstructor reports whether a function has the construct shape
// New...(scope constructs.Construct, id string, props ...) *T.
func isConstructor(fd *ast.FuncDecl) bool {
	if fd.Recv != nil || !fd.Name.IsExported() || fd.Type.Results == nil {
		return false
	}
	types := paramTypes(fd.Type.Params)
	if len(types) < 2 {
		return false
	}
	scope, ok := types[0].(*ast.SelectorExpr)
	id, isIdent := types[1].(*ast.Ident)
	return ok && scope.Sel.Name == "Construct" && isIdent && id.Name == "string"
}

// paramTypes lists the type of every parameter, one entry per name.
func paramTypes(fields *ast.FieldList) []ast.Expr {
	var res []ast.Expr
	for _, f := range fields.List {
		for range max(1, len(f.Names)) {
			res = append(res, f.Type)
		}
	}
	return res
}
