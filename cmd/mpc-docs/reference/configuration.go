package reference

import (
	"fmt"
	"go/ast"
	"reflect"
	"strconv"
	"strings"
	"unicode"
)

// rootType is the type one environment file decodes into.
const rootType = "Environment"

// Markers that start the default and the validation rule in a field's doc
// comment. Every leaf field of the schema states both, in this order, after
// its description.
const (
	defaultMarker = "Default:"
	ruleMarker    = "Rule:"
)

// schemaField is one YAML field of the schema.
type schemaField struct {
	key, typ, description, def, rule string
	// nested is the struct type a mapping or list-of-mappings field holds.
	nested string
}

// schemaSection is one struct type at one YAML path.
type schemaSection struct {
	path, typeName, doc string
	fields              []schemaField
}

// schema reads the configuration structs of package config.
type schema struct {
	pkg     *sourcePackage
	structs map[string]*ast.StructType
	// enums holds the constant values declared for named string types.
	enums map[string][]string
	errs  []string
}

// Configuration renders the configuration reference from the Go source of
// package config in dir. It fails when a field's doc comment states no
// default or no rule.
func Configuration(dir string) (string, error) {
	pkg, err := parsePackage(dir, Module+"/config")
	if err != nil {
		return "", err
	}
	s := &schema{pkg: pkg, structs: map[string]*ast.StructType{}, enums: map[string][]string{}}
	for _, t := range pkg.doc.Types {
		if st, ok := t.Decl.Specs[0].(*ast.TypeSpec).Type.(*ast.StructType); ok {
			s.structs[t.Name] = st
		}
		for _, c := range t.Consts {
			for _, spec := range c.Decl.Specs {
				for _, v := range spec.(*ast.ValueSpec).Values {
					if lit, ok := v.(*ast.BasicLit); ok {
						value, _ := strconv.Unquote(lit.Value)
						s.enums[t.Name] = append(s.enums[t.Name], value)
					}
				}
			}
		}
	}
	var sections []schemaSection
	s.walk(rootType, "", &sections)
	if len(s.errs) > 0 {
		return "", fmt.Errorf("config/types.go: every field's doc comment must end with %q and %q sentences:\n  %s", defaultMarker, ruleMarker, strings.Join(s.errs, "\n  "))
	}
	return s.render(sections), nil
}

// walk appends the section of struct typeName at path, then the sections of
// the structs its fields hold, depth first in field order.
func (s *schema) walk(typeName, path string, out *[]schemaSection) {
	sec := schemaSection{path: path, typeName: typeName, doc: s.typeDoc(typeName)}
	var nested []schemaField
	for _, f := range s.structs[typeName].Fields.List {
		key := yamlKey(f)
		if key == "" {
			continue
		}
		text := f.Doc.Text()
		typ, inner := s.typeText(f.Type)
		field := schemaField{key: key, typ: typ, nested: inner}
		field.description, field.def, field.rule = splitFieldDoc(text)
		if name := f.Names[0].Name; !startsWithWord(text, name) {
			s.errs = append(s.errs, fmt.Sprintf("%s.%s: the doc comment must start with the field name", typeName, name))
		}
		if inner == "" && (field.def == "" || field.rule == "") {
			s.errs = append(s.errs, fmt.Sprintf("%s.%s (%s): states no %s or no %s", typeName, f.Names[0].Name, join(path, key), defaultMarker, ruleMarker))
		}
		sec.fields = append(sec.fields, field)
		if inner != "" {
			nested = append(nested, field)
		}
	}
	*out = append(*out, sec)
	for _, f := range nested {
		sub := join(path, f.key)
		if strings.HasPrefix(f.typ, "list") {
			sub += "[]"
		}
		s.walk(f.nested, sub, out)
	}
}

// startsWithWord reports whether text starts with word followed by a
// non-letter, as a doc comment starts with the name it documents.
func startsWithWord(text, word string) bool {
	rest, ok := strings.CutPrefix(text, word)
	return ok && rest != "" && !unicode.IsLetter(rune(rest[0])) && !unicode.IsDigit(rune(rest[0]))
}

// join appends a key to a YAML path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// typeDoc is the doc comment of a type.
func (s *schema) typeDoc(name string) string {
	for _, t := range s.pkg.doc.Types {
		if t.Name == name {
			return t.Doc
		}
	}
	return ""
}

// yamlKey is the YAML key of a struct field, or "" when it is not read from YAML.
func yamlKey(f *ast.Field) string {
	if f.Tag == nil {
		return ""
	}
	tag, _ := strconv.Unquote(f.Tag.Value)
	key, _, _ := strings.Cut(reflect.StructTag(tag).Get("yaml"), ",")
	if key == "-" {
		return ""
	}
	return key
}

// typeText describes a Go field type in YAML terms, and names the struct
// type it holds, if any.
func (s *schema) typeText(expr ast.Expr) (string, string) {
	switch t := expr.(type) {
	case *ast.StarExpr:
		return s.typeText(t.X)
	case *ast.ArrayType:
		elem, inner := s.typeText(t.Elt)
		return "list of " + plural(elem), inner
	case *ast.MapType:
		key, _ := s.typeText(t.Key)
		value, _ := s.typeText(t.Value)
		return "map of " + key + " to " + value, ""
	case *ast.Ident:
		switch t.Name {
		case "string":
			return "string", ""
		case "int":
			return "integer", ""
		case "bool":
			return "boolean", ""
		case "any":
			return "any YAML value", ""
		}
		if _, ok := s.structs[t.Name]; ok {
			return "mapping (" + t.Name + ")", t.Name
		}
		if values, ok := s.enums[t.Name]; ok {
			return "string: " + strings.Join(quoteAll(values), " or "), ""
		}
	}
	return s.pkg.source(expr), ""
}

// plural turns a type description into its plural for "list of".
func plural(typ string) string {
	for _, word := range []string{"string", "integer", "boolean", "mapping"} {
		if rest, ok := strings.CutPrefix(typ, word); ok {
			return word + "s" + rest
		}
	}
	return typ
}

func quoteAll(values []string) []string {
	res := make([]string, len(values))
	for i, v := range values {
		res[i] = "`" + v + "`"
	}
	return res
}

// splitFieldDoc splits a field's doc comment into its description, the
// "Default:" sentence and the "Rule:" sentence (each without its marker).
func splitFieldDoc(text string) (description, def, rule string) {
	text = oneLine(text)
	description, rest, hasDefault := strings.Cut(text, defaultMarker)
	if !hasDefault {
		description, rule, _ = strings.Cut(text, ruleMarker)
		return strings.TrimSpace(description), "", sentence(rule)
	}
	def, rule, _ = strings.Cut(rest, ruleMarker)
	return strings.TrimSpace(description), sentence(def), sentence(rule)
}

// sentence trims the spaces and the final period of a marked sentence.
func sentence(s string) string {
	return strings.TrimSuffix(strings.TrimSpace(s), ".")
}

// render writes the reference as Markdown.
func (s *schema) render(sections []schemaSection) string {
	var b strings.Builder
	b.WriteString("# Configuration reference\n\n" + generatedNote + "\n\n")
	b.WriteString(s.pkg.docText(s.pkg.doc.Doc))
	b.WriteString("\nEach section below is one mapping of the file, named by its path " +
		"(`parties[]` is every entry of the parties list). Defaults are applied after the file is read " +
		"and before the rules are checked; all violations of all files are reported together.\n\n")
	b.WriteString("## Contents\n\n")
	for _, sec := range sections {
		fmt.Fprintf(&b, "- %s (%s)\n", sectionTitle(sec), sec.typeName)
	}
	for _, sec := range sections {
		fmt.Fprintf(&b, "\n## %s\n\n", sectionTitle(sec))
		fmt.Fprintf(&b, "Go type `config.%s`. ", sec.typeName)
		b.WriteString(s.pkg.docText(sec.doc))
		b.WriteString("\n| Key | Type | Default | Rule | Description |\n| --- | --- | --- | --- | --- |\n")
		for _, f := range sec.fields {
			def, rule := cell(f.def), cell(f.rule)
			if f.nested != "" && def == "" {
				def = "see its section"
			}
			if f.nested != "" && rule == "" {
				rule = "see its section"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.key, cell(f.typ), def, rule, cell(f.description))
		}
	}
	return b.String()
}

// sectionTitle is the heading of a section: its YAML path.
func sectionTitle(sec schemaSection) string {
	if sec.path == "" {
		return "Top level"
	}
	return "`" + sec.path + "`"
}
