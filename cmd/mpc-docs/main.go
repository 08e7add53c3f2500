// Command mpc-docs generates the documentation that must stay true to the
// code: topology diagrams drawn from the configuration and the synthesized
// stacks, the configuration reference and one README per construct package.
// It does not synthesize and does not start jsii.
//
//	mpc-docs diagram [--config config/environments] [--stacks cdktf.out] [--out-dir docs/diagrams | --out FILE] [--svg] [ENV...]
//	mpc-docs docs
//
// diagram writes <out-dir>/<ENV>.mmd for each environment (every environment
// when none is named) and, with --svg and Graphviz's dot on PATH, <ENV>.svg
// next to it. docs writes docs/configuration.md and constructs/<name>/README.md.
// Both run from the project root.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mpc-mesh/infra/cmd/mpc-docs/diagram"
	"github.com/mpc-mesh/infra/cmd/mpc-docs/reference"
	"github.com/mpc-mesh/infra/config"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var err error
	switch {
	case len(args) > 0 && args[0] == "diagram":
		err = runDiagram(args[1:], stdout)
	case len(args) > 0 && args[0] == "docs":
		var files map[string][]byte
		if files, err = reference.Generate("."); err == nil {
			err = writeFiles(files, stdout)
		}
	default:
		err = errors.New("usage: mpc-docs diagram [--config DIR] [--stacks DIR] [--out-dir DIR | --out FILE] [--svg] [ENV...] | mpc-docs docs")
	}
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	return 0
}

func runDiagram(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("diagram", flag.ContinueOnError)
	configDir := fs.String("config", config.DefaultDir, "folder of the environment files")
	stacksDir := fs.String("stacks", "cdktf.out", "synthesized stacks: cdktf.out, or test/snapshots for an environment whose every stack has a snapshot")
	outDir := fs.String("out-dir", diagram.DefaultDir, "folder the <ENV>.mmd files are written to")
	out := fs.String("out", "", "file to write the diagram of the one ENV named to")
	svg := fs.Bool("svg", false, "also write <ENV>.svg when Graphviz's dot is on PATH")
	envs, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *out != "" && len(envs) != 1 {
		return errors.New("--out needs exactly one ENV")
	}
	diagrams, err := diagram.Load(*configDir, *stacksDir, envs)
	if err != nil {
		return err
	}
	_, dotErr := exec.LookPath("dot")
	if *svg && dotErr != nil {
		fmt.Fprintln(stdout, "Graphviz dot is not on PATH: writing Mermaid only (apt-get install graphviz for SVG)")
	}
	files := map[string][]byte{}
	for _, d := range diagrams {
		file := diagram.File(*outDir, d.Env.Name)
		if *out != "" {
			file = *out
		}
		files[file] = []byte(d.Mermaid())
		if *svg && dotErr == nil {
			img, err := d.SVG()
			if err != nil {
				return err
			}
			files[strings.TrimSuffix(file, filepath.Ext(file))+".svg"] = img
		}
	}
	return writeFiles(files, stdout)
}

// parseInterleaved parses flags that may come before or after the
// positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// writeFiles writes every file, creating folders, and names each on stdout.
func writeFiles(files map[string][]byte, stdout io.Writer) error {
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(name, files[name], 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", name)
	}
	return nil
}
