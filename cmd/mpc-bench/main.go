// Command mpc-bench measures what a synth, a build and the test suite cost
// on this machine, and how synth time grows with the size of the mesh:
//
//	go run ./cmd/mpc-bench                 everything, 5 runs per synth case
//	go run ./cmd/mpc-bench -runs 3 -only synth
//	go run ./cmd/mpc-bench -json > bench.json
//	go run ./cmd/mpc-bench -from bench.json  print a saved JSON report as tables
//	go run ./cmd/mpc-bench -only synth -compare ../other-checkout
//
// It is a benchmark, not a test: it asserts nothing and prints a table (or
// JSON with -json). See package bench for what each figure means and how it
// is measured.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/mpc-mesh/infra/cmd/mpc-bench/bench"
)

func main() {
	opts := bench.DefaultOptions()
	flag.IntVar(&opts.Runs, "runs", opts.Runs, "timed runs per synth case (the median is reported)")
	flag.StringVar(&opts.Repo, "repo", opts.Repo, "root of the module to measure")
	flag.BoolVar(&opts.JSON, "json", false, "print the report as JSON instead of a table")
	only := flag.String("only", "synth,build,test", "parts to run: synth, profile, build, cache, test, e2e (comma-separated)")
	meshes := flag.String("meshes", bench.FormatMeshes(opts.Meshes), "generated meshes as PARTIESxENVIRONMENTS, each in both strategies")
	cases := flag.String("cases", "", "run only the synth cases whose name contains one of these substrings (comma-separated)")
	flag.StringVar(&opts.TestTimeout, "test-timeout", opts.TestTimeout, "go test -timeout of the test phase (the e2e test skips itself below 20m)")
	flag.StringVar(&opts.Compare, "compare", "", "another checkout (a proposed change): also run every app case with its app, interleaved")
	flag.IntVar(&opts.Shards, "shards", opts.Shards, "also synthesize the largest mesh in this many concurrent processes (0: not)")
	flag.BoolVar(&opts.Keep, "keep", false, "keep the temporary folder (binaries, generated configs, outputs) and print its path")
	from := flag.String("from", "", "print this saved -json report as tables instead of measuring")
	flag.Parse()
	if *from != "" {
		if err := bench.PrintSaved(*from, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		return
	}
	var err error
	if opts.Meshes, err = bench.ParseMeshes(*meshes); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
	opts.Parts = strings.Split(*only, ",")
	if *cases != "" {
		opts.CaseFilter = strings.Split(*cases, ",")
	}
	if err := bench.Run(opts, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
