package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxEcho is how many characters of a bad value an error repeats. A value
// may be a whole file (a scalar where a mapping belongs) or hold control
// characters; errors show what was wrong, never the content around it.
const maxEcho = 64

// excerpt is how every error echoes text taken from a file: at most maxEcho
// characters, quoted and escaped, with an ellipsis when cut.
func excerpt(v string) string {
	if utf8.RuneCountInString(v) <= maxEcho {
		return strconv.Quote(v)
	}
	return strconv.Quote(string([]rune(v)[:maxEcho]) + "…")
}

// plainPath is a field path that can be printed as is: short and made only
// of printable characters other than quotes. Other paths (an unknown key or
// a tag key can be anything) are printed through excerpt.
func plainPath(p string) bool {
	if utf8.RuneCountInString(p) > 4*maxEcho {
		return false
	}
	for _, r := range p {
		if !strconv.IsPrint(r) || r == '"' {
			return false
		}
	}
	return true
}

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

// Error formats the problem as "file:line: path: value: problem; fix: fix".
// Path and value pass through excerpt, so no error repeats more than a short
// escaped piece of the file.
func (e Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	var b strings.Builder
	b.WriteString(loc)
	b.WriteString(": ")
	if e.Path != "" {
		if plainPath(e.Path) {
			b.WriteString(e.Path)
		} else {
			b.WriteString(excerpt(e.Path))
		}
		b.WriteString(": ")
	}
	if e.Value != "" {
		b.WriteString(excerpt(e.Value))
		b.WriteString(": ")
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

// Error lists every problem, one per line.
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

// where says where a field's value comes from, for a message about another
// field: "line N" when the file sets it, "the default" otherwise.
func (c *collector) where(path string) string {
	if l, ok := c.lines[path]; ok {
		return fmt.Sprintf("line %d", l)
	}
	return "the default"
}

// line returns the line of a path, or of its closest recorded parent: a
// missing field is reported at the mapping that lacks it (the document's
// first line for a top-level field).
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
	return c.lines[""]
}
