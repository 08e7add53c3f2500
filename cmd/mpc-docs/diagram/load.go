package diagram

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/mpc-mesh/infra/cmd/mpc-docs/stackset"
	"github.com/mpc-mesh/infra/config"
)

// DefaultDir is where the diagrams are committed, relative to the project root.
const DefaultDir = "docs/diagrams"

// File is the path of an environment's Mermaid diagram inside dir.
func File(dir, env string) string { return filepath.Join(dir, env+".mmd") }

// Load builds the diagrams of the named environments (every environment of
// configDir when names is empty) from the configuration in configDir and
// the synthesized stacks in stacksDir (cdktf.out, or test/snapshots for an
// environment whose every stack has a golden snapshot).
func Load(configDir, stacksDir string, names []string) ([]*Diagram, error) {
	cfg, err := config.Load(configDir, names)
	if err != nil {
		return nil, err
	}
	set, err := stackset.Load(stacksDir)
	if err != nil {
		return nil, err
	}
	var res []*Diagram
	for _, env := range cfg.Environments {
		d, err := Build(env, set)
		if err != nil {
			return nil, err
		}
		res = append(res, d)
	}
	return res, nil
}

// SVG renders the diagram with Graphviz's dot, which must be on PATH.
func (d *Diagram) SVG() ([]byte, error) {
	cmd := exec.Command("dot", "-Tsvg")
	cmd.Stdin = bytes.NewBufferString(d.DOT())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("dot -Tsvg: %w: %s", err, stderr.String())
	}
	return out, nil
}
