package stacks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/manifest"
	"github.com/mpc-mesh/infra/stacks"
)

// A party that turns the device plugin off gets no DaemonSet (its cluster
// runs one already); the other parties keep theirs.
func TestDevicePluginCanBeTurnedOff(t *testing.T) {
	cfg := examples(t, "local")
	off := false
	cfg.Environments[0].Parties[0].Managed.DevicePlugin.Enabled = &off
	out := filepath.Join(t.TempDir(), "cdktf.out")
	if err := stacks.Synthesize(cfg, stacks.Options{}, out); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		stack string
		want  bool
	}{{"local-alice-cluster", false}, {"local-bob-cluster", true}} {
		data, err := os.ReadFile(filepath.Join(out, m.Stacks[c.stack].SynthesizedStackPath))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(data), `"name": "aws-nitro-enclaves-k8s-device-plugin"`); got != c.want {
			t.Errorf("%s has the device plugin: %v, want %v", c.stack, got, c.want)
		}
	}
}
