package config

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a configuration file.
type Error struct {
	// File is the configuration file.
	File string
	// Line is the 1-based line of the offending value, 0 when unknown.
	Line int
	// Path is the field path, for example parties[2].managed.nodegroup.instance_types.
	Path string
	// Value is the offending value as written, empty when the field is missing.
	Value string
	// Problem says what is wrong.
	Problem string
	// Fix says what would be valid.
	Fix string
}

func (e Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	var b strings.Builder
	b.WriteString(loc)
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Value != "" {
		fmt.Fprintf(&b, "%q: ", e.Value)
	}
	b.WriteString(e.Problem)
	if e.Fix != "" {
		b.WriteString("; fix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Errors is every problem found in one run, in file and line order.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return fmt.Sprintf("%d configuration error(s):\n  %s", len(es), strings.Join(lines, "\n  "))
}

func (es Errors) sorted() Errors {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].File != es[j].File {
			return es[i].File < es[j].File
		}
		return es[i].Line < es[j].Line
	})
	return es
}

// collector gathers errors for one file, attaching line numbers from the
// positions recorded while decoding.
type collector struct {
	file  string
	lines map[string]int
	errs  Errors
}

func (c *collector) add(path, value, problem, fix string) {
	c.errs = append(c.errs, Error{File: c.file, Line: c.line(path), Path: path, Value: value, Problem: problem, Fix: fix})
}

// line returns the line of a path, or of its closest recorded parent.
func (c *collector) line(path string) int {
	for p := path; p != ""; {
		if l, ok := c.lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}
