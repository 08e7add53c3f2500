// Package bench is the logic of mpc-bench: it measures, in one run on one
// machine, what synthesizing the app costs compared with the fixed cost of
// the jsii runtime (the floor), how that grows with the size of the mesh,
// what a cold and a warm go build cost, and where the time of make test goes.
//
// Method, so that the figures can be trusted and reproduced:
//
//   - Binaries are built once (go build -o) and run directly, so no case pays
//     for compilation or for go run's cache lookup.
//   - Every synth case runs Options.Runs times, interleaved round by round
//     (floor, app cases, floor, app cases, ...), after one discarded warm-up
//     run of each binary, so that load from other processes on the machine
//     spreads over all cases instead of skewing one. The median wall time is
//     reported, with the spread (min-max) next to it, and the median CPU
//     time (user+system of the run and of every descendant it waited for,
//     Node included, from wait4's rusage). On a shared machine the CPU time
//     is the steadier figure (heavy contention still inflates it by up to a
//     third: shared caches and hyperthreads).
//   - Peak memory is that of the Node child of the run: a poller walks
//     /proc every 100 ms for the descendants of the run whose command is
//     node, and reads VmHWM (the kernel's high-water mark of resident memory)
//     from /proc/<pid>/status every 20 ms while they live. VmHWM never
//     decreases, so the last value read before the process exits is its peak
//     up to the growth of the last 20 ms. The jsii runtime starts two node
//     processes (a small wrapper and the kernel); the larger is reported. As
//     a cross-check, the wait4 rusage of the run (ru_maxrss: the largest
//     resident set of the run and of its reaped descendants) is kept too.
//   - Stacks, resources, data sources and outputs are counted from the
//     synthesized output (manifest.json and every cdk.tf.json) of the first
//     run of each case.
//   - The growth exponent is the slope of a least-squares fit of ln(median
//     wall time) against ln(stack count), and the same for CPU time and for
//     the time above the floor. Time = floor + k x stacks gives an exponent
//     near 0 while the floor dominates; 1 would be linear.
//   - Sharded cases run the largest mesh as N concurrent app processes,
//     each on its share of the environments; "@compare" cases run the app
//     of another checkout (a proposed change) in the same rounds.
package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Options choose what Run measures.
type Options struct {
	// Repo is the root of the module to measure. Default ".".
	Repo string
	// Runs is the number of timed runs of every synth case. Default 5.
	Runs int
	// JSON prints the report as JSON instead of a table.
	JSON bool
	// Parts lists what to run: "synth" (the synth cases), "profile" (phase
	// timings and jsii request counts per case), "build" (cold and warm go
	// build), "cache" (build cache hit from another checkout path, with and
	// without -trimpath: two more cold builds), "test" (make test by
	// phase) and "e2e" (make e2e, the emulator end-to-end test: tens of
	// minutes). Default synth, build, test.
	Parts []string
	// Meshes are the generated meshes, each synthesized in both strategies.
	// Default 4x1, 7x2, 13x4.
	Meshes []Mesh
	// CaseFilter, when set, keeps the synth cases whose name contains one of
	// these substrings (the floor always runs).
	CaseFilter []string
	// Keep leaves the temporary folder in place.
	Keep bool
	// Shards, when above 1, adds cases synthesizing the largest mesh in
	// that many concurrent processes. Default 2.
	Shards int
	// TestTimeout is go test's -timeout in the test phase. Default 45m: the
	// emulator end-to-end test skips itself under go test's default 10m.
	TestTimeout string
	// Compare, when set, is another checkout of the module (a proposed
	// change): its app is built too and every app case runs with it as
	// well, interleaved, as a case named "<case>@compare".
	Compare string
}

// DefaultOptions are the options of a plain `make bench`.
func DefaultOptions() Options {
	return Options{
		Repo:   ".",
		Runs:   5,
		Shards: 2,

		TestTimeout: "45m",
		Parts:       []string{"synth", "build", "test"},
		Meshes:      []Mesh{{Parties: 4, Environments: 1}, {Parties: 7, Environments: 2}, {Parties: 13, Environments: 4}},
	}
}

// Report is everything one run of the bench measured.
type Report struct {
	// Machine is where the figures come from.
	Machine Machine `json:"machine"`
	// Runs is the number of timed runs per synth case.
	Runs int `json:"runs"`
	// Cases are the synth cases, the floor first.
	Cases []CaseResult `json:"cases,omitempty"`
	// Fits are the growth fits of wall time against stack count.
	Fits []Fit `json:"fits,omitempty"`
	// Profiles are the phase timings and jsii request counts per case.
	Profiles []Profile `json:"profiles,omitempty"`
	// Build is the go build timing.
	Build *BuildResult `json:"build,omitempty"`
	// Cache is the relocated-checkout build cache experiment.
	Cache *CacheResult `json:"cache,omitempty"`
	// Test is make test by phase.
	Test *TestResult `json:"test,omitempty"`
	// E2E is make e2e.
	E2E *E2EResult `json:"e2e,omitempty"`
	// LoadAfter is the load average when the bench finished.
	LoadAfter string `json:"load_after"`
	// Seconds is how long the whole bench took.
	Seconds float64 `json:"seconds"`
}

// Run measures what opts asks for and prints the report to out; progress
// goes to log.
func Run(opts Options, out, log io.Writer) error {
	start := time.Now()
	repo, err := filepath.Abs(opts.Repo)
	if err != nil {
		return err
	}
	opts.Repo = repo
	if opts.Runs < 1 {
		return fmt.Errorf("-runs must be at least 1")
	}
	if _, err := os.Stat(filepath.Join(repo, "go.mod")); err != nil {
		return fmt.Errorf("%s is not the module root (no go.mod): %w", repo, err)
	}
	tmp, err := os.MkdirTemp("", "mpc-bench-")
	if err != nil {
		return err
	}
	if opts.Keep {
		fmt.Fprintln(log, "keeping", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	w := &workspace{opts: opts, tmp: tmp, log: log}
	rep := &Report{Machine: describeMachine(), Runs: opts.Runs}
	want := func(part string) bool { return slices.Contains(opts.Parts, part) }
	if want("synth") || want("profile") {
		if err := w.buildBinaries(want("profile")); err != nil {
			return err
		}
		cases, err := w.cases()
		if err != nil {
			return err
		}
		if want("synth") {
			if rep.Cases, err = w.runCases(cases); err != nil {
				return err
			}
			rep.Fits = fits(rep.Cases)
		}
		if want("profile") {
			if rep.Profiles, err = w.profile(cases); err != nil {
				return err
			}
		}
	}
	if want("build") {
		if rep.Build, err = w.goBuild(); err != nil {
			return err
		}
	}
	if want("cache") {
		if rep.Cache, err = w.cacheExperiment(); err != nil {
			return err
		}
	}
	if want("test") {
		if rep.Test, err = w.makeTest(); err != nil {
			return err
		}
	}
	if want("e2e") {
		rep.E2E = w.makeE2E()
	}
	rep.LoadAfter = loadAverage()
	rep.Seconds = time.Since(start).Seconds()
	if opts.JSON {
		return writeJSON(out, rep)
	}
	writeTable(out, rep)
	return nil
}

// workspace is the state of one bench run: its options, temporary folder
// and the binaries built in it.
type workspace struct {
	opts    Options
	tmp     string
	log     io.Writer
	app     string
	floor   string
	profBin string
	// altApp and altProf are the app and profile programs built from
	// Options.Compare, if any.
	altApp, altProf string
}

func (w *workspace) logf(format string, args ...any) {
	fmt.Fprintf(w.log, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// buildBinaries builds the app, the floor and (for profiles) the profile
// program once into the temporary folder.
func (w *workspace) buildBinaries(profile bool) error {
	w.app = filepath.Join(w.tmp, "bin", "mpc-mesh")
	w.floor = filepath.Join(w.tmp, "bin", "floor")
	targets := [][2]string{{w.app, "."}, {w.floor, "./cmd/mpc-bench/floor"}}
	if profile {
		w.profBin = filepath.Join(w.tmp, "bin", "profile")
		targets = append(targets, [2]string{w.profBin, "./cmd/mpc-bench/profile"})
	}
	for _, t := range targets {
		w.logf("go build -o %s %s", t[0], t[1])
		if _, err := w.goCmd(nil, "build", "-o", t[0], t[1]); err != nil {
			return err
		}
	}
	if w.opts.Compare != "" {
		w.altApp = filepath.Join(w.tmp, "bin", "mpc-mesh-compare")
		w.logf("go build -o %s . (in %s)", w.altApp, w.opts.Compare)
		if _, err := w.goCmdIn(w.opts.Compare, nil, "build", "-o", w.altApp, "."); err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(w.opts.Compare, "cmd", "mpc-bench", "profile")); err == nil && profile {
			w.altProf = filepath.Join(w.tmp, "bin", "profile-compare")
			if _, err := w.goCmdIn(w.opts.Compare, nil, "build", "-o", w.altProf, "./cmd/mpc-bench/profile"); err != nil {
				return err
			}
		}
	}
	return nil
}
