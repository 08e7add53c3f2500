package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// TestResult is make test by phase: the steps of the Makefile's test
// recipe run one by one, and the go test step per package.
type TestResult struct {
	// Phases are the wall times of the steps, in order: deps (make deps
	// terraformrc: npm, bindings and modules checks), vet (go vet ./...),
	// test (go test -count=1 -timeout T -json ./test/e2e/ ./..., the
	// emulator end-to-end run included).
	Phases []Phase `json:"phases"`
	// TotalSeconds is the sum of the phases: make test's wall time.
	TotalSeconds float64 `json:"total_seconds"`
	// Packages are the tested packages, slowest first, with the elapsed
	// time go test reports for each (packages run two at a time here, so
	// they add up to more than the test phase).
	Packages []PackageResult `json:"packages"`
	// JSIIPackages counts the test binaries that link the jsii runtime;
	// each starts its own Node and loads its assemblies.
	JSIIPackages int `json:"jsii_packages"`
	// JSIISeconds and OtherSeconds sum the elapsed time of the jsii and
	// pure-Go packages.
	JSIISeconds  float64 `json:"jsii_seconds"`
	OtherSeconds float64 `json:"other_seconds"`
	// Passed, Failed and Skipped count top-level tests.
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	// SkippedTests names the skipped top-level tests (package.Test): a
	// skipped end-to-end test makes the total look better than it is.
	SkippedTests []string `json:"skipped_tests,omitempty"`
	// Error is set when a step failed; the figures are still reported.
	Error string `json:"error,omitempty"`
}

// PackageResult is one package of the go test step.
type PackageResult struct {
	// Package is the import path.
	Package string `json:"package"`
	// Status is pass, fail, skip or build-fail.
	Status string `json:"status"`
	// Seconds is the elapsed time go test reports for the package.
	Seconds float64 `json:"seconds"`
	// Tests counts its top-level tests.
	Tests int `json:"tests"`
	// JSII is set when its test binary links the jsii runtime.
	JSII bool `json:"jsii"`
}

// testEvent is one line of go test -json.
type testEvent struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
}

// makeTest runs the steps of make test one by one.
func (w *workspace) makeTest() (*TestResult, error) {
	r := &TestResult{}
	home, _ := os.UserHomeDir()
	tfrc := filepath.Join(home, ".cache", "mpc-mesh", "terraformrc")
	step := func(name string, cmd *exec.Cmd) []byte {
		w.logf("make test phase %s: %s", name, strings.Join(cmd.Args, " "))
		cmd.Dir = w.opts.Repo
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		out, err := cmd.Output()
		secs := time.Since(start).Seconds()
		r.Phases = append(r.Phases, Phase{Name: name, Seconds: secs})
		r.TotalSeconds += secs
		if err != nil && r.Error == "" {
			r.Error = name + ": " + err.Error() + ": " + tail(stderr.String(), 1500)
		}
		return out
	}
	// The same environment and package order as the Makefile's test recipe.
	env := append(benchEnv(), "TF_CLI_CONFIG_FILE="+tfrc, "MPC_TFSEC="+filepath.Join(home, ".cache", "mpc-mesh", "bin", "tfsec"))
	deps := exec.Command("make", "--no-print-directory", "deps", "terraformrc")
	deps.Env = env
	step("deps", deps)
	vet := exec.Command("go", "vet", "./...")
	vet.Env = env
	step("vet", vet)
	test := exec.Command("go", "test", "-count=1", "-timeout", w.opts.TestTimeout, "-json", "./test/e2e/", "./...")
	test.Env = env
	out := step("test", test)
	jsiiPkgs := w.jsiiTestPackages()
	byPkg := map[string]*PackageResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var ev testEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Package == "" {
			continue
		}
		p := byPkg[ev.Package]
		if p == nil {
			p = &PackageResult{Package: ev.Package, JSII: jsiiPkgs[ev.Package]}
			byPkg[ev.Package] = p
		}
		switch ev.Action {
		case "pass", "fail", "skip":
			if ev.Test == "" {
				p.Status, p.Seconds = ev.Action, ev.Elapsed
				continue
			}
			if strings.Contains(ev.Test, "/") {
				continue
			}
			p.Tests++
			switch ev.Action {
			case "pass":
				r.Passed++
			case "fail":
				r.Failed++
			default:
				r.Skipped++
				r.SkippedTests = append(r.SkippedTests, strings.TrimPrefix(ev.Package, "github.com/mpc-mesh/infra/")+"."+ev.Test)
			}
		case "build-fail":
			p.Status = "build-fail"
		}
	}
	for _, p := range byPkg {
		if p.Status == "" || (p.Tests == 0 && p.Status == "skip") {
			continue // no test files
		}
		r.Packages = append(r.Packages, *p)
		if p.JSII {
			r.JSIIPackages++
			r.JSIISeconds += p.Seconds
		} else {
			r.OtherSeconds += p.Seconds
		}
	}
	sort.Slice(r.Packages, func(i, j int) bool { return r.Packages[i].Seconds > r.Packages[j].Seconds })
	return r, nil
}

// E2EResult is one run of make e2e (the emulator end-to-end test).
type E2EResult struct {
	// Seconds of wall time.
	Seconds float64 `json:"seconds"`
	// CPUSeconds is the CPU time of make e2e and everything it ran
	// (Terraform, the AWS provider plugins, moto_server, the app).
	CPUSeconds float64 `json:"cpu_seconds"`
	// Stages are the lines the test prints with the time of each stage.
	Stages []string `json:"stages,omitempty"`
	// Error is set when it failed.
	Error string `json:"error,omitempty"`
}

// makeE2E runs make e2e and times it.
func (w *workspace) makeE2E() *E2EResult {
	w.logf("make e2e (tens of minutes on 2 CPUs)")
	cmd := exec.Command("make", "--no-print-directory", "e2e")
	cmd.Dir, cmd.Env = w.opts.Repo, benchEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := &E2EResult{Seconds: time.Since(start).Seconds()}
	if cmd.ProcessState != nil {
		r.CPUSeconds = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "(total ") {
			r.Stages = append(r.Stages, strings.TrimSpace(line))
		}
	}
	if err != nil {
		r.Error = err.Error() + ": " + tail(out.String(), 1500)
	}
	return r
}

// jsiiTestPackages returns the packages whose test binary links the jsii runtime.
func (w *workspace) jsiiTestPackages() map[string]bool {
	cmd := exec.Command("go", "list", "-test", "-f", `{{.ImportPath}}|{{join .Deps " "}}`, "./...")
	cmd.Dir, cmd.Env = w.opts.Repo, benchEnv()
	out, err := cmd.Output()
	res := map[string]bool{}
	if err != nil {
		return res
	}
	for _, line := range strings.Split(string(out), "\n") {
		path, deps, ok := strings.Cut(line, "|")
		if !ok || !strings.HasSuffix(path, ".test") {
			continue
		}
		if strings.Contains(" "+deps+" ", " github.com/aws/jsii-runtime-go ") {
			res[strings.TrimSuffix(path, ".test")] = true
		}
	}
	return res
}
