// Package manifest reads cdktf.out/manifest.json, the list of synthesized
// stacks and their dependencies, and orders stacks for apply and destroy.
// It does not link cdktf, so tools that only need the order start fast.
package manifest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Manifest is cdktf.out/manifest.json: the synthesized stacks and their dependencies.
type Manifest struct {
	Stacks map[string]ManifestStack `json:"stacks"`
}

// ManifestStack is one stack entry of the manifest.
type ManifestStack struct {
	Name                 string   `json:"name"`
	Dependencies         []string `json:"dependencies"`
	SynthesizedStackPath string   `json:"synthesizedStackPath"`
	WorkingDirectory     string   `json:"workingDirectory"`
}

// Read reads the manifest of a synth output folder.
func Read(outdir string) (Manifest, error) {
	var m Manifest
	data, err := os.ReadFile(filepath.Join(outdir, "manifest.json"))
	if err != nil {
		return m, fmt.Errorf("read the synth manifest: %w (run make synth first)", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s/manifest.json: %w", outdir, err)
	}
	return m, nil
}

// Order returns the stacks whose names start with prefix in an order where
// every stack comes after its dependencies (ties broken by name), or an
// error naming the stacks of a dependency cycle.
func (m Manifest) Order(prefix string) ([]string, error) {
	var names []string
	for n := range m.Stacks {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	state := map[string]int{} // 0 new, 1 visiting, 2 done
	var order []string
	var visit func(n string, path []string) error
	visit = func(n string, path []string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("dependency cycle: %s", strings.Join(append(path, n), " -> "))
		case 2:
			return nil
		}
		state[n] = 1
		deps := append([]string(nil), m.Stacks[n].Dependencies...)
		sort.Strings(deps)
		for _, d := range deps {
			if err := visit(d, append(path, n)); err != nil {
				return err
			}
		}
		state[n] = 2
		if strings.HasPrefix(n, prefix) {
			order = append(order, n)
		}
		return nil
	}
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// Dependents returns, for each stack, the stacks that depend on it.
func (m Manifest) Dependents() map[string][]string {
	res := map[string][]string{}
	for n, s := range m.Stacks {
		for _, d := range s.Dependencies {
			res[d] = append(res[d], n)
		}
	}
	for _, v := range res {
		sort.Strings(v)
	}
	return res
}
