package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxFileBytes bounds the size of one environment file, so that loading is
// bounded in time and memory whatever a file contains.
const MaxFileBytes = 256 << 10

// DefaultDir is the configuration folder used when MPC_CONFIG_DIR is unset.
const DefaultDir = "config/environments"

// Config is every environment loaded for one run, sorted by name.
type Config struct {
	Environments []*Environment
}

// Environment returns the environment of that name, or nil.
func (c *Config) Environment(name string) *Environment {
	for _, e := range c.Environments {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// Load reads every <name>.yaml in dir, or only the named ones when only is
// non-empty, then applies defaults and validates. It returns Errors listing
// every problem of every file, or the loaded configuration.
func Load(dir string, only []string) (*Config, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	byName := map[string]string{}
	for _, f := range files {
		byName[strings.TrimSuffix(filepath.Base(f), ".yaml")] = f
	}
	var errs Errors
	if len(only) > 0 {
		files = files[:0]
		for _, name := range only {
			f, ok := byName[name]
			if !ok {
				errs = append(errs, Error{File: dir, Problem: "no environment named " + excerpt(name), Fix: "choose one of: " + strings.Join(sortedNames(byName), ", ")})
				continue
			}
			files = append(files, f)
		}
	}
	if len(files) == 0 && len(errs) == 0 {
		errs = append(errs, Error{File: dir, Problem: "no environment files (*.yaml) found", Fix: "add config/environments/<name>.yaml or point MPC_CONFIG_DIR at the right folder"})
	}
	cfg := &Config{}
	for _, f := range files {
		env, ferrs := LoadFile(f)
		errs = append(errs, ferrs...)
		if env != nil {
			cfg.Environments = append(cfg.Environments, env)
		}
	}
	if len(errs) > 0 {
		return nil, errs.sorted()
	}
	return cfg, nil
}

// LoadFile loads, completes and validates one environment file.
func LoadFile(file string) (*Environment, Errors) {
	c := &collector{file: file, lines: map[string]int{}}
	data, problem, fix := readBounded(file)
	if problem != "" {
		c.add("", "", problem, fix)
		return nil, c.errs
	}
	env := decode(c, data)
	if env == nil || len(c.errs) > 0 {
		return nil, c.errs
	}
	env.File = file
	want := strings.TrimSuffix(filepath.Base(file), ".yaml")
	if env.Name == "" {
		env.Name = want
	} else if env.Name != want {
		c.add("name", env.Name, "does not match the file name", fmt.Sprintf("set name: %s or rename the file to %s.yaml", want, env.Name))
	}
	applyDefaults(env)
	validate(c, env)
	if len(c.errs) > 0 {
		return nil, c.errs.sorted()
	}
	return env, nil
}

// readBounded reads a regular environment file of at most MaxFileBytes, or
// says what is wrong with it and how to fix it. A symbolic link is refused:
// following it would make the app read, and quote in its errors, whatever
// file the link points to.
func readBounded(file string) (data []byte, problem, fix string) {
	info, err := os.Lstat(file)
	switch {
	case err != nil:
		return nil, "cannot be read: " + err.Error(), "check that the file exists and is readable"
	case info.Mode()&os.ModeSymlink != 0:
		return nil, "is a symbolic link; environment files must be regular files", "replace the link with a copy of the file it points to, or point MPC_CONFIG_DIR at the folder holding the real file"
	case !info.Mode().IsRegular():
		return nil, "is not a regular file", "make it a plain YAML file"
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, "cannot be read: " + err.Error(), "check that the file is readable"
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, "cannot be read: " + err.Error(), "check that the file is readable"
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Sprintf("file is larger than %d KiB; an environment file is a few KiB", MaxFileBytes>>10), "split the mesh into several environments or remove what is not configuration"
	}
	return data, "", ""
}

// decode parses one YAML document strictly into an Environment.
func decode(c *collector, data []byte) *Environment {
	if !utf8.Valid(data) {
		// The YAML parser names no line for an encoding error; find the byte.
		off := firstInvalidUTF8(data)
		line := 1 + bytes.Count(data[:off], []byte("\n"))
		col := off - bytes.LastIndexByte(data[:off], '\n')
		c.errs = append(c.errs, Error{File: c.file, Line: line, Problem: fmt.Sprintf("holds a byte that is not UTF-8 (0x%02X at byte offset %d, column %d)", data[off], off, col), Fix: "save the file as UTF-8 (for example iconv -f latin1 -t utf-8), or remove that byte"})
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			c.add("", "", "the file is empty", "describe the environment (see config/environments/local.yaml)")
			return nil
		}
		c.add("", "", "is not valid YAML: "+err.Error(), "fix the YAML syntax at the line given")
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		c.add("", "", "holds more than one YAML document", "keep one environment per file (remove the '---' separator)")
		return nil
	}
	if len(root.Content) == 0 {
		c.add("", "", "the file is empty", "describe the environment")
		return nil
	}
	doc := root.Content[0]
	c.lines[""] = doc.Line
	if a := findAlias(doc); a != nil {
		c.errs = append(c.errs, Error{File: c.file, Line: a.Line, Problem: "YAML anchors and aliases are not accepted (they hide what a field holds and can expand without bound)", Fix: "write the values out in full"})
		return nil
	}
	strictCheck(c, doc, reflect.TypeOf(Environment{}), "")
	if len(c.errs) > 0 {
		return nil
	}
	var env Environment
	if err := doc.Decode(&env); err != nil {
		c.add("", "", "cannot be decoded: "+err.Error(), "fix the field the message names")
		return nil
	}
	return &env
}

// firstInvalidUTF8 returns the offset of the first byte of data that does
// not start a valid UTF-8 sequence, or len(data) when there is none.
func firstInvalidUTF8(data []byte) int {
	for off := 0; off < len(data); {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size <= 1 {
			return off
		}
		off += size
	}
	return len(data)
}

func sortedNames(m map[string]string) []string {
	res := make([]string, 0, len(m))
	for k := range m {
		res = append(res, k)
	}
	sort.Strings(res)
	return res
}
