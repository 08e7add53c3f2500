package scan

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/mpc-mesh/infra/internal/manifest"
)

// TfsecVersion is the pinned scanner version.
const TfsecVersion = "v1.28.14"

// InstallCommand installs the pinned tfsec where this test looks for it.
const InstallCommand = "GOBIN=$HOME/.cache/mpc-mesh/bin go install github.com/aquasecurity/tfsec/cmd/tfsec@" + TfsecVersion

// SuppressionFile lists the deliberate exceptions, relative to this package.
const SuppressionFile = "suppressions.yaml"

// tfsecPath returns the first tfsec binary that exists: $MPC_TFSEC, the
// cache folder the Makefile installs into, then PATH; "" when none does.
func tfsecPath() string {
	candidates := []string{os.Getenv("MPC_TFSEC")}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".cache", "mpc-mesh", "bin", "tfsec"))
	}
	for _, p := range candidates {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, _ := exec.LookPath("tfsec")
	return p
}

// synthesize builds the app into dir and runs it on every example
// environment, returning the synth output folder.
func synthesize(t *testing.T, dir string) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "mpc-mesh")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	outdir := filepath.Join(dir, "cdktf.out")
	run := exec.Command(bin)
	run.Dir = dir
	run.Env = append(withoutVars(os.Environ(), "MPC_ENV", "MPC_AWS_ENDPOINT"),
		"CDKTF_OUTDIR="+outdir,
		"MPC_CONFIG_DIR="+filepath.Join(root, "config", "environments"),
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("synthesize the example environments: %v\n%s", err, out)
	}
	return outdir
}

func withoutVars(env []string, names ...string) []string {
	var res []string
	for _, kv := range env {
		keep := true
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				keep = false
			}
		}
		if keep {
			res = append(res, kv)
		}
	}
	return res
}

// scanStack runs tfsec on one stack folder and returns its findings.
func scanStack(tfsec, stack, dir string) ([]Finding, error) {
	cmd := exec.Command(tfsec, dir, "--format", "json", "--no-color", "--soft-fail", "--no-module-downloads", "--exclude-downloaded-modules")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("tfsec %s: %v\n%s", stack, err, stderr.String())
	}
	return parseFindings(stack, stdout.Bytes())
}

// TestTfsec scans every synthesized stack of every example environment.
func TestTfsec(t *testing.T) {
	tfsec := tfsecPath()
	if tfsec == "" {
		if os.Getenv("MPC_SCAN_REQUIRED") == "1" {
			t.Fatalf("tfsec %s not found and MPC_SCAN_REQUIRED=1; install it: %s", TfsecVersion, InstallCommand)
		}
		t.Skipf("tfsec not installed; install it with: %s", InstallCommand)
	}
	// A locally built tfsec prints no version; its module version is in the binary.
	if out, err := exec.Command("go", "version", "-m", tfsec).CombinedOutput(); err != nil || !strings.Contains(string(out), "github.com/aquasecurity/tfsec\t"+TfsecVersion+"\t") {
		t.Fatalf("%s is not tfsec %s built from the Go module (%v); reinstall: %s", tfsec, TfsecVersion, err, InstallCommand)
	}
	sups, err := LoadSuppressions(SuppressionFile)
	if err != nil {
		t.Fatal(err)
	}

	outdir := synthesize(t, t.TempDir())
	m, err := manifest.Read(outdir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(m.Stacks))
	for n := range m.Stacks {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("the examples synthesized no stack")
	}

	// tfsec is single-threaded per folder; two at a time keeps both cores busy.
	var (
		mu       sync.Mutex
		findings []Finding
		errs     []error
		wg       sync.WaitGroup
		slots    = make(chan struct{}, 2)
	)
	for _, n := range names {
		wg.Add(1)
		go func(n string) {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			dir := filepath.Join(outdir, filepath.Dir(m.Stacks[n].SynthesizedStackPath))
			f, err := scanStack(tfsec, n, dir)
			mu.Lock()
			defer mu.Unlock()
			findings, errs = append(findings, f...), append(errs, err)
		}(n)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Slice(findings, func(i, j int) bool { return findings[i].String() < findings[j].String() })

	v := Apply(findings, sups)
	t.Logf("tfsec %s on %d stacks: %d findings, %d suppressed by %d suppressions, %d unsuppressed",
		TfsecVersion, len(names), len(findings), len(findings)-len(v.Unsuppressed), len(sups), len(v.Unsuppressed))
	for _, line := range CountByRule(findings) {
		t.Logf("  found %s", line)
	}
	for _, f := range v.Unsuppressed {
		t.Errorf("unsuppressed: %s (%s:%d); fix it in constructs/ or stacks/, or add a justified entry to test/scan/%s",
			f, filepath.Base(f.Location.Filename), f.Location.StartLine, SuppressionFile)
	}
	for _, s := range v.Stale {
		t.Errorf("stale suppression: rule %s on %s (stacks %q) matches no finding; remove it from test/scan/%s",
			s.Rule, s.Resource, s.Stacks, SuppressionFile)
	}
}
