// Package test holds the whole-app tests: every stack of every example
// environment is synthesized once per run (the jsii runtime starts once),
// then compared with the golden snapshots under test/snapshots and checked
// for the mesh's structural properties.
package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/manifest"
	"github.com/mpc-mesh/infra/stacks"
)

// synthesized is the output of one synthesis of all example environments.
type synthesized struct {
	cfg      *config.Config
	outdir   string
	manifest manifest.Manifest
	// raw holds each stack's cdk.tf.json bytes; docs the decoded form.
	raw  map[string][]byte
	docs map[string]map[string]any
}

var app *synthesized

// synthDir is the temporary folder of the synthesis, removed on interrupt too.
var synthDir string

func TestMain(m *testing.M) {
	// An interrupted run (Ctrl-C, SIGTERM from a CI runner) stops the
	// control plane in order and removes its folder; Pdeathsig covers a
	// run killed outright.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "test: %v: stopping the Kubernetes control plane\n", s)
		stopKubeAPI()
		if synthDir != "" {
			os.RemoveAll(synthDir)
		}
		os.Exit(130)
	}()
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		code = 1
	}
	stopKubeAPI()
	jsii.Close()
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	cfg, err := config.Load(filepath.Join("..", config.DefaultDir), nil)
	if err != nil {
		return 1, err
	}
	dir, err := os.MkdirTemp("", "mpc-synth-")
	if err != nil {
		return 1, err
	}
	synthDir = dir
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "cdktf.out")
	if err := stacks.Synthesize(cfg, stacks.Options{}, out); err != nil {
		return 1, err
	}
	app = &synthesized{cfg: cfg, outdir: out, raw: map[string][]byte{}, docs: map[string]map[string]any{}}
	if app.manifest, err = manifest.Read(out); err != nil {
		return 1, err
	}
	for name, s := range app.manifest.Stacks {
		data, err := os.ReadFile(filepath.Join(out, s.SynthesizedStackPath))
		if err != nil {
			return 1, err
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			return 1, fmt.Errorf("%s: %w", name, err)
		}
		app.raw[name], app.docs[name] = data, doc
	}
	return m.Run(), nil
}

// stackNames returns the synthesized stack names, sorted.
func stackNames() []string {
	res := make([]string, 0, len(app.raw))
	for n := range app.raw {
		res = append(res, n)
	}
	sort.Strings(res)
	return res
}

// resources returns the resources of one type in a stack, keyed by logical id.
func resources(stack, typ string) map[string]map[string]any {
	return section(stack, "resource", typ)
}

// dataSources returns the data sources of one type in a stack.
func dataSources(stack, typ string) map[string]map[string]any {
	return section(stack, "data", typ)
}

func section(stack, kind, typ string) map[string]map[string]any {
	res := map[string]map[string]any{}
	sec, _ := app.docs[stack][kind].(map[string]any)
	byType, _ := sec[typ].(map[string]any)
	for k, v := range byType {
		if o, ok := v.(map[string]any); ok {
			res[k] = o
		}
	}
	return res
}
