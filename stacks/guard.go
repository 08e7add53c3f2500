package stacks

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/guard"
	"github.com/mpc-mesh/infra/internal/manifest"
)

// GuardRules are the security-guard parameters of an environment's stacks:
// its gRPC, peer and metrics ports are the MPC ports no ingress rule may open
// to 0.0.0.0/0 or ::/0 (the gRPC port counts even when it is not published).
func GuardRules(env *config.Environment) guard.Rules {
	return guard.Rules{MPCPorts: []int{env.Ports.GRPC, env.Ports.Peer, env.Ports.Metrics}}
}

// CheckOutput runs the security guard (package internal/guard) on every stack
// listed in the manifest of a synth output folder: it is the single
// mechanism that every stack goes through, and it sees the JSON exactly as
// Terraform will, overrides and escape hatches included. It returns a
// *guard.Error naming each stack, resource, problem and fix. A stack of no
// environment of cfg is checked with every environment's ports.
func CheckOutput(outdir string, cfg *config.Config) error {
	m, err := manifest.Read(outdir)
	if err != nil {
		return err
	}
	byStack := map[string]guard.Rules{}
	var all guard.Rules
	for _, env := range cfg.Environments {
		r := GuardRules(env)
		all.MPCPorts = append(all.MPCPorts, r.MPCPorts...)
		for _, p := range env.ManagedParties() {
			for _, l := range config.Layers {
				byStack[env.StackName(p, l)] = r
			}
		}
	}
	docs := map[string][]byte{}
	for name, s := range m.Stacks {
		data, err := os.ReadFile(filepath.Join(outdir, s.SynthesizedStackPath))
		if err != nil {
			return fmt.Errorf("security guard: read stack %s: %w", name, err)
		}
		docs[name] = data
	}
	return guard.CheckAll(docs, func(stack string) guard.Rules {
		if r, ok := byStack[stack]; ok {
			return r
		}
		return all
	})
}
