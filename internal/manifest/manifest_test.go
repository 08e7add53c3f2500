package manifest_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/manifest"
)

// fixture is a synth output folder with the manifest cdktf writes for two
// environments: demo (alice, bob and carol, each consumer reading the other
// parties' provider stacks, each cluster stack its own party's three AWS
// stacks, as the app wires them) and other (erin alone).
const fixture = "testdata/cdktf.out"

// demoOrder is the apply order of demo: every stack after its
// dependencies, visited by name, so the order is the same on every run.
var demoOrder = []string{
	"demo-bob-provider", "demo-carol-provider", "demo-alice-consumer", "demo-alice-party", "demo-alice-provider", "demo-alice-cluster",
	"demo-bob-consumer", "demo-bob-party", "demo-bob-cluster",
	"demo-carol-consumer", "demo-carol-party", "demo-carol-cluster",
}

// read loads the fixture manifest.
func read(t *testing.T) manifest.Manifest {
	t.Helper()
	m, err := manifest.Read(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOrderPutsDependenciesFirst: the apply order of make apply puts every
// stack after what it depends on, ties broken by name.
func TestOrderPutsDependenciesFirst(t *testing.T) {
	m := read(t)
	got, err := m.Order("demo-")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, demoOrder) {
		t.Errorf("Order(demo-) =\n%v\nwant\n%v", got, demoOrder)
	}
	for i, n := range got {
		for _, d := range m.Stacks[n].Dependencies {
			if j := slices.Index(got, d); j > i {
				t.Errorf("%s comes before its dependency %s", n, d)
			}
		}
	}
}

// TestOrderPrefixSelectsOneEnvironment: with no prefix every stack is
// listed; with one, only that environment's.
func TestOrderPrefixSelectsOneEnvironment(t *testing.T) {
	m := read(t)
	all, err := m.Order("")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(m.Stacks) {
		t.Errorf("Order(\"\") lists %d stacks, the manifest has %d", len(all), len(m.Stacks))
	}
	other, err := m.Order("other-")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"other-erin-consumer", "other-erin-party", "other-erin-provider", "other-erin-cluster"}; !slices.Equal(other, want) {
		t.Errorf("Order(other-) = %v, want %v", other, want)
	}
	if none, err := m.Order("nosuch-"); err != nil || len(none) != 0 {
		t.Errorf("Order(nosuch-) = %v, %v; want nothing", none, err)
	}
}

// TestOrderNamesTheCycle: a dependency cycle is an error naming its stacks.
func TestOrderNamesTheCycle(t *testing.T) {
	m := read(t)
	s := m.Stacks["demo-alice-provider"]
	s.Dependencies = []string{"demo-alice-cluster"}
	m.Stacks["demo-alice-provider"] = s
	_, err := m.Order("demo-")
	if err == nil || !strings.Contains(err.Error(), "dependency cycle: demo-alice-cluster -> demo-alice-provider -> demo-alice-cluster") {
		t.Errorf("Order() error = %v, want the cycle named", err)
	}
}

// TestDependents: the reverse edges name every stack reading a provider stack.
func TestDependents(t *testing.T) {
	got := read(t).Dependents()["demo-alice-provider"]
	if want := []string{"demo-alice-cluster", "demo-bob-consumer", "demo-carol-consumer"}; !slices.Equal(got, want) {
		t.Errorf("Dependents()[demo-alice-provider] = %v, want %v", got, want)
	}
}

// TestReadSaysToSynthesize: a missing or broken manifest is an error
// naming the file or the fix.
func TestReadSaysToSynthesize(t *testing.T) {
	_, err := manifest.Read(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "run make synth first") {
		t.Errorf("Read(empty folder) error = %v, want the fix", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := manifest.Read(dir); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("Read(broken manifest) error = %v, want the file named", err)
	}
}
