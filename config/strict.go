package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// strictCheck walks a parsed YAML tree against the Go type it will be decoded
// into and reports, all at once: unknown keys (with a "did you mean"),
// duplicate keys, anchors and aliases, and values of the wrong kind. It also
// records the line of every field path so later errors can point at it.
func strictCheck(c *collector, n *yaml.Node, t reflect.Type, path string) {
	if path != "" {
		if _, seen := c.lines[path]; !seen {
			c.lines[path] = n.Line
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.add(path, n.Value, "expected a mapping of fields", "write key: value pairs under "+orRoot(path))
			return
		}
		fields := yamlFields(t)
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			child := join(path, k.Value)
			if first, dup := seen[k.Value]; dup {
				c.lines[child+"#dup"] = k.Line
				c.errs = append(c.errs, Error{File: c.file, Line: k.Line, Path: child, Problem: fmt.Sprintf("duplicate key (first set on line %d)", first), Fix: "keep one of the two"})
				continue
			}
			seen[k.Value] = k.Line
			c.lines[child] = k.Line
			f, ok := fields[k.Value]
			if !ok {
				fix := "remove it; valid keys here: " + strings.Join(sortedKeys(fields), ", ")
				if s := closest(k.Value, sortedKeys(fields)); s != "" {
					fix = fmt.Sprintf("did you mean %q?", s)
				}
				c.errs = append(c.errs, Error{File: c.file, Line: k.Line, Path: child, Problem: "unknown key", Fix: fix})
				continue
			}
			strictCheck(c, v, f, child)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.add(path, n.Value, "expected a list", "write a YAML list ([a, b] or one '- item' per line)")
			return
		}
		for i, e := range n.Content {
			strictCheck(c, e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.add(path, n.Value, "expected a mapping", "write key: value pairs")
			return
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			child := join(path, k.Value)
			if first, dup := seen[k.Value]; dup {
				c.errs = append(c.errs, Error{File: c.file, Line: k.Line, Path: child, Problem: fmt.Sprintf("duplicate key (first set on line %d)", first), Fix: "keep one of the two"})
				continue
			}
			seen[k.Value] = k.Line
			strictCheck(c, v, t.Elem(), child)
		}
	case reflect.Interface:
		// Free-form values (helm.values): record the line of every nested
		// key, so checks of those values can point at them.
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				strictCheck(c, n.Content[i+1], t, join(path, n.Content[i].Value))
				c.lines[join(path, n.Content[i].Value)] = n.Content[i].Line
			}
		}
	default:
		if n.Kind != yaml.ScalarNode {
			c.add(path, "", fmt.Sprintf("expected a single %s value", kindName(t)), "write a "+kindName(t))
			return
		}
		v := reflect.New(t)
		if err := n.Decode(v.Interface()); err != nil {
			c.add(path, n.Value, fmt.Sprintf("is not a valid %s", kindName(t)), "write a "+kindName(t))
		}
	}
}

// findAlias returns the first anchor or alias in a tree, nil when there is none.
// Anchors and aliases are refused outright: they make a file hard to review
// and let a few lines expand into an unbounded document ("billion laughs").
func findAlias(n *yaml.Node) *yaml.Node {
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		return n
	}
	for _, e := range n.Content {
		if a := findAlias(e); a != nil {
			return a
		}
	}
	return nil
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "whole number"
	case reflect.String:
		return "string"
	}
	return t.Kind().String()
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	res := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if name == "" || name == "-" {
			continue
		}
		res[name] = f.Type
	}
	return res
}

func sortedKeys(m map[string]reflect.Type) []string {
	res := make([]string, 0, len(m))
	for k := range m {
		res = append(res, k)
	}
	sort.Strings(res)
	return res
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// closest returns the candidate within edit distance 2 (or sharing a long
// prefix) of s, or "" when none is close.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
