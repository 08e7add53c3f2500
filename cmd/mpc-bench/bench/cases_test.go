package bench_test

import (
	"testing"

	"github.com/mpc-mesh/infra/cmd/mpc-bench/bench"
	"github.com/mpc-mesh/infra/config"
)

// The generated meshes must pass the app's own loader and validation, or
// the bench would measure an error path.
func TestGeneratedMeshesAreValidEnvironments(t *testing.T) {
	for _, strategy := range []string{"kubeip", "privatelink"} {
		dir := t.TempDir()
		names, err := bench.WriteMesh(dir, strategy, bench.Mesh{Parties: 13, Environments: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 4 {
			t.Fatalf("%s: want 4 environments, got %v", strategy, names)
		}
		cfg, err := config.Load(dir, nil)
		if err != nil {
			t.Fatalf("%s: generated mesh does not load: %v", strategy, err)
		}
		for _, env := range cfg.Environments {
			if string(env.Strategy) != strategy {
				t.Errorf("%s: strategy %q", env.Name, env.Strategy)
			}
			if got := len(env.ManagedParties()); got != 13 {
				t.Errorf("%s: want 13 managed parties, got %d", env.Name, got)
			}
		}
	}
}

func TestParseMeshes(t *testing.T) {
	got, err := bench.ParseMeshes("4x1, 13x4")
	if err != nil {
		t.Fatal(err)
	}
	want := []bench.Mesh{{Parties: 4, Environments: 1}, {Parties: 13, Environments: 4}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %v, want %v", got, want)
	}
	if bench.FormatMeshes(got) != "4x1,13x4" {
		t.Errorf("FormatMeshes = %q", bench.FormatMeshes(got))
	}
	for _, bad := range []string{"3x1", "13", "13x0", "ax2"} {
		if _, err := bench.ParseMeshes(bad); err == nil {
			t.Errorf("ParseMeshes(%q) accepted a mesh a threshold network cannot have", bad)
		}
	}
}
