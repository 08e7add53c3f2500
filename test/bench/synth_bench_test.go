// Package bench measures synthesis, the step every command and test of the
// project waits on, with Go benchmarks: `make bench` runs
//
//	go test -run '^$' -bench . -benchtime 3x ./test/bench/
//
// Each benchmark body is main's pipeline without the process: load the
// configuration, build every stack, synthesize, guard and write the JSON.
// The process pays the jsii runtime's Node start-up once, and each package
// of provider bindings is loaded into Node the first time it is used; Go
// runs every benchmark once (b.N = 1) before the timed runs, so those costs
// fall on that first run and the reported time per op is synthesis after
// start-up. The start-up itself (about 4.5 s on 2 CPUs) is paid by every
// `go run .` and every test binary that synthesizes.
package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/manifest"
	"github.com/mpc-mesh/infra/stacks"
)

// examples is the folder of the example environments.
var examples = filepath.Join("..", "..", config.DefaultDir)

// TestMain stops the jsii runtime (and its Node process) after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// BenchmarkSynthLocal synthesizes the example environment local (four
// managed PrivateLink parties).
func BenchmarkSynthLocal(b *testing.B) { benchSynth(b, examples, []string{"local"}) }

// BenchmarkSynthAllExamples synthesizes every example environment, as
// `make synth` and the tests of package test do.
func BenchmarkSynthAllExamples(b *testing.B) { benchSynth(b, examples, nil) }

// BenchmarkSynthGeneratedMesh synthesizes one generated environment of 4, 7
// and 13 managed parties for each strategy: a mesh of n parties has
// n·(n-1) peer connections, so resources grow faster than stacks.
func BenchmarkSynthGeneratedMesh(b *testing.B) {
	for _, strategy := range []config.Strategy{config.KubeIP, config.PrivateLink} {
		for _, n := range []int{4, 7, 13} {
			b.Run(fmt.Sprintf("%s/%d", strategy, n), func(b *testing.B) {
				dir := b.TempDir()
				if err := writeMesh(dir, strategy, n); err != nil {
					b.Fatal(err)
				}
				benchSynth(b, dir, nil)
			})
		}
	}
}

// benchSynth times config.Load and stacks.Synthesize of the environments
// in dir (all, or only those named) and reports the stacks and resources
// written per op.
func benchSynth(b *testing.B, dir string, only []string) {
	b.Helper()
	var out string
	for i := 0; i < b.N; i++ {
		out = filepath.Join(b.TempDir(), "cdktf.out")
		cfg, err := config.Load(dir, only)
		if err != nil {
			b.Fatal(err)
		}
		if err := stacks.Synthesize(cfg, stacks.Options{}, out); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	n, resources, err := count(out)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n), "stacks/op")
	b.ReportMetric(float64(resources), "resources/op")
}

// count returns the number of stacks and of resources in a synth output.
func count(outdir string) (stackCount, resources int, err error) {
	m, err := manifest.Read(outdir)
	if err != nil {
		return 0, 0, err
	}
	for _, s := range m.Stacks {
		data, err := os.ReadFile(filepath.Join(outdir, s.SynthesizedStackPath))
		if err != nil {
			return 0, 0, err
		}
		var doc struct {
			Resource map[string]map[string]json.RawMessage `json:"resource"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return 0, 0, err
		}
		for _, byName := range doc.Resource {
			resources += len(byName)
		}
	}
	return len(m.Stacks), resources, nil
}

// meshRegions spreads the generated parties over regions of the testnet
// allow-list, so that cross-region paths are part of the cost.
var meshRegions = []string{"eu-west-1", "eu-west-3", "eu-central-1", "us-east-1", "us-west-2"}

// writeMesh writes one environment file of n managed parties into dir.
// Every party has its own account, cluster and (PrivateLink) VPC CIDR;
// every fourth has a database and the first runs the netcheck Job, so the
// optional paths are measured too.
func writeMesh(dir string, strategy config.Strategy, n int) error {
	name := fmt.Sprintf("%s-%d", strategy, n)
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nstrategy: %s\nnetwork: testnet\nparties:\n", name, strategy)
	for id := 1; id <= n; id++ {
		fmt.Fprintf(&b, "  - id: %d\n    name: party%02d\n    account_id: \"%012d\"\n    region: %s\n    managed:\n",
			id, id, 100000000000+id, meshRegions[(id-1)%len(meshRegions)])
		fmt.Fprintf(&b, "      cluster_name: mpc-party%02d\n      enclave: { pcr0: [%q] }\n      helm: { image: { tag: v0.14.0 } }\n",
			id, strings.Repeat("5292569b5945693a", 6))
		if strategy == config.PrivateLink {
			fmt.Fprintf(&b, "      privatelink: { vpc_cidr: 10.%d.0.0/16 }\n", id)
		}
		if id%4 == 0 {
			b.WriteString("      rds: { enabled: true }\n")
		}
		if id == 1 {
			b.WriteString("      netcheck: { enabled: true, image: registry.example.com/mpc-netcheck:0.1.0 }\n")
		}
	}
	return os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(b.String()), 0o644)
}
