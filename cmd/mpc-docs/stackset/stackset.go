// Package stackset reads synthesized Terraform JSON stacks without running
// cdktf: either a synth output folder (cdktf.out: manifest.json plus
// stacks/<name>/cdk.tf.json) or a folder of golden snapshots
// (test/snapshots/<name>.json, byte-identical to synth output).
//
// It resolves cdktf's cross-stack references: a reference
// "data.terraform_remote_state.cross-stack-reference-input-S.outputs.O" in
// one stack, alone or inside a function call, is followed to output O of
// stack S and to the resource attribute that output holds, so tools can say
// which resource of which stack a value comes from.
package stackset

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/mpc-mesh/infra/internal/manifest"
)

// remoteStatePrefix starts the name of every terraform_remote_state data
// source cdktf creates for a cross-stack reference; the rest is the name of
// the stack referenced.
const remoteStatePrefix = "cross-stack-reference-input-"

var (
	// A reference may stand alone ("${data.terraform_remote_state...}") or
	// sit inside a function call ("${base64decode(data.terraform_remote_state...)}").
	reCrossRef = regexp.MustCompile(`data\.terraform_remote_state\.` + remoteStatePrefix + `([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)`)
	reLocalRef = regexp.MustCompile(`^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\.([^{}$]+))?\}$`)
)

// Block is one resource or data source: its attributes as decoded JSON.
type Block map[string]any

// Output is one Terraform output of a stack.
type Output struct {
	// Value is the output's value, usually an expression string.
	Value any `json:"value"`
	// Description is the output's description, if any.
	Description string `json:"description"`
	// Sensitive marks an output Terraform does not print.
	Sensitive bool `json:"sensitive"`
}

// Stack is one synthesized stack.
type Stack struct {
	// Name is the stack name, <env>-<party>-<layer>.
	Name string
	// Resources are the stack's resources: type, then logical id.
	Resources map[string]map[string]Block
	// Data are the stack's data sources: type, then logical id.
	Data map[string]map[string]Block
	// Outputs are the stack's outputs by name.
	Outputs map[string]Output
	// Dependencies are the stacks this one reads through cross-stack
	// references (its terraform_remote_state data sources), sorted.
	Dependencies []string
	// raw is the whole stack document, searched for references.
	raw []byte
}

// Set is a collection of synthesized stacks keyed by name.
type Set struct {
	Stacks map[string]*Stack
}

// Load reads every stack of dir. A dir holding manifest.json is read as synth
// output and the manifest's dependencies must equal the cross-stack
// references found in the stacks; any other dir is read as <name>.json files.
func Load(dir string) (*Set, error) {
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		return loadSynthOutput(dir)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds neither manifest.json nor <stack>.json files: run make synth, or point at test/snapshots", dir)
	}
	set := &Set{Stacks: map[string]*Stack{}}
	for _, f := range files {
		if err := set.add(strings.TrimSuffix(filepath.Base(f), ".json"), f); err != nil {
			return nil, err
		}
	}
	return set, nil
}

func loadSynthOutput(dir string) (*Set, error) {
	m, err := manifest.Read(dir)
	if err != nil {
		return nil, err
	}
	set := &Set{Stacks: map[string]*Stack{}}
	for name, entry := range m.Stacks {
		if err := set.add(name, filepath.Join(dir, entry.SynthesizedStackPath)); err != nil {
			return nil, err
		}
		want := append([]string(nil), entry.Dependencies...)
		sort.Strings(want)
		if got := set.Stacks[name].Dependencies; !slices.Equal(got, want) {
			return nil, fmt.Errorf("%s: manifest dependencies %v differ from the stack's cross-stack references %v", name, want, got)
		}
	}
	return set, nil
}

func (s *Set) add(name, file string) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var doc struct {
		Resource map[string]map[string]Block `json:"resource"`
		Data     map[string]map[string]Block `json:"data"`
		Output   map[string]Output           `json:"output"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	st := &Stack{Name: name, Resources: doc.Resource, Data: doc.Data, Outputs: doc.Output, raw: raw}
	for id := range doc.Data["terraform_remote_state"] {
		if dep, ok := strings.CutPrefix(id, remoteStatePrefix); ok {
			st.Dependencies = append(st.Dependencies, dep)
		}
	}
	sort.Strings(st.Dependencies)
	s.Stacks[name] = st
	return nil
}

// Ref is a resource attribute in a stack, such as
// aws_eip.eip_eip-0_258EA04A.public_ip in kubeip-demo-bob-provider.
type Ref struct {
	// Stack is the stack holding the resource.
	Stack string
	// Type is the resource type; data sources are prefixed "data.".
	Type string
	// Name is the resource's logical id.
	Name string
	// Attribute is the attribute path, such as public_ip or dns_entry[0].dns_name.
	Attribute string
}

// TypeAttribute is the reference without stack and logical id:
// "aws_eip.public_ip", or the type alone for a whole resource.
func (r Ref) TypeAttribute() string {
	if r.Attribute == "" {
		return r.Type
	}
	return r.Type + "." + r.Attribute
}

// CrossRefs returns every cross-stack reference inside expr, resolved to the
// resource attribute the referenced output holds, in order of appearance.
// A reference whose stack or output is missing from the set is an error.
func (s *Set) CrossRefs(expr string) ([]Ref, error) {
	var res []Ref
	for _, m := range reCrossRef.FindAllStringSubmatch(expr, -1) {
		producer, ok := s.Stacks[m[1]]
		if !ok {
			return nil, fmt.Errorf("reference to stack %s, which is not in the set", m[1])
		}
		out, ok := producer.Outputs[m[2]]
		value, isString := out.Value.(string)
		if !ok || !isString {
			return nil, fmt.Errorf("reference to output %s of %s, which holds no expression", m[2], m[1])
		}
		ref, ok := LocalRef(value)
		if !ok {
			return nil, fmt.Errorf("output %s of %s holds %q, not a resource attribute", m[2], m[1], value)
		}
		ref.Stack = producer.Name
		res = append(res, ref)
	}
	return res, nil
}

// LocalRef parses a reference to a resource of the same stack,
// "${type.logical_id.attribute}", "${data.type.logical_id.attribute}" or
// either without attribute (the whole resource).
func LocalRef(expr string) (Ref, bool) {
	prefix := ""
	if rest, ok := strings.CutPrefix(expr, "${data."); ok {
		prefix, expr = "data.", "${"+rest
	}
	m := reLocalRef.FindStringSubmatch(expr)
	if m == nil {
		return Ref{}, false
	}
	return Ref{Type: prefix + m[1], Name: m[2], Attribute: m[3]}, true
}

// RefsTo returns every cross-stack reference the stack makes to stack dep,
// resolved, deduplicated and sorted by type, attribute and logical id.
func (s *Set) RefsTo(st *Stack, dep string) ([]Ref, error) {
	seen := map[Ref]bool{}
	var res []Ref
	for _, m := range reCrossRef.FindAllString(string(st.raw), -1) {
		refs, err := s.CrossRefs(m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st.Name, err)
		}
		for _, r := range refs {
			if r.Stack == dep && !seen[r] {
				seen[r] = true
				res = append(res, r)
			}
		}
	}
	sort.Slice(res, func(i, j int) bool {
		a, b := res[i], res[j]
		return a.TypeAttribute()+" "+a.Name < b.TypeAttribute()+" "+b.Name
	})
	return res, nil
}

// String returns the attribute as a string, or "" when it is absent or not a string.
func (b Block) String(key string) string {
	v, _ := b[key].(string)
	return v
}

// Int returns a numeric attribute, or 0 when it is absent or not a number.
func (b Block) Int(key string) int {
	v, _ := b[key].(float64)
	return int(v)
}

// Strings returns a list-of-strings attribute; a single string counts as a
// one-element list (cdktf writes a token list as one expression).
func (b Block) Strings(key string) []string {
	switch v := b[key].(type) {
	case string:
		return []string{v}
	case []any:
		var res []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				res = append(res, s)
			}
		}
		return res
	}
	return nil
}

// Map returns a nested block attribute, or nil.
func (b Block) Map(key string) Block {
	v, _ := b[key].(map[string]any)
	return v
}
