// Command profile times the phases of one synth of the app in a single
// process, so that the bench can say where the time above the floor goes:
//
//	config   config.Load (pure Go: read, decode, default, validate)
//	start    first jsii call: start Node, load the constructs and cdktf assemblies
//	aws, kubernetes, helm
//	         load that provider's assembly (forced up front here; the app
//	         loads each lazily on first use, which costs the same)
//	build    stacks.Build: every construct, one jsii round trip per call
//	synth    app.Synth: Node resolves tokens and cross-stack references, writes JSON
//	guard    stacks.CheckOutput: the security guard over the written JSON (pure Go)
//	close    jsii.Close: stop Node, remove its temporary folder
//
// It reads MPC_CONFIG_DIR and MPC_ENV like the app and prints a JSON array
// of phase durations in seconds on stdout. With MPC_BENCH_CPUPROFILE=file
// it also writes a Go CPU profile of the build and synth phases (for the
// Node side, run it with NODE_OPTIONS=--cpu-prof). It mirrors what
// stacks.Synthesize does, phase by phase, and writes into CDKTF_OUTDIR.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/aws/jsii-runtime-go"
	awsprovider "github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	k8sprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/cmd/mpc-bench/bench"
	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/stacks"
)

func main() {
	phases, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(phases); err != nil {
		os.Exit(1)
	}
}

// phase is one timed step: wall time, and CPU time of this Go process and
// of its Node child during the step.
type phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	GoCPU   float64 `json:"go_cpu"`
	NodeCPU float64 `json:"node_cpu"`
}

func run() (phases []phase, err error) {
	last, lastGo, lastNode := time.Now(), goCPU(), 0.0
	mark := func(name string) {
		now, g, n := time.Now(), goCPU(), bench.NodeCPUSeconds(os.Getpid())
		if name == "close" {
			n = lastNode // Node is gone; its last reading stands
		}
		phases = append(phases, phase{name, now.Sub(last).Seconds(), g - lastGo, n - lastNode})
		last, lastGo, lastNode = now, g, n
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis failed: %v", r)
		}
	}()
	dir := os.Getenv("MPC_CONFIG_DIR")
	if dir == "" {
		dir = config.DefaultDir
	}
	var only []string
	if v := os.Getenv("MPC_ENV"); v != "" {
		only = strings.Split(v, ",")
	}
	outdir := os.Getenv("CDKTF_OUTDIR")
	if outdir == "" {
		outdir = stacks.DefaultOutdir
	}
	cfg, err := config.Load(dir, only)
	if err != nil {
		return nil, err
	}
	mark("config")
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(outdir)})
	mark("start")
	awsprovider.AwsProvider_IsConstruct(app)
	mark("aws")
	k8sprovider.KubernetesProvider_IsConstruct(app)
	mark("kubernetes")
	helmprovider.HelmProvider_IsConstruct(app)
	mark("helm")
	if path := os.Getenv("MPC_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	if err := stacks.Build(app, cfg, stacks.Options{}); err != nil {
		return nil, err
	}
	mark("build")
	app.Synth()
	mark("synth")
	if err := stacks.CheckOutput(outdir, cfg); err != nil {
		return nil, err
	}
	mark("guard")
	jsii.Close()
	mark("close")
	return phases, nil
}

// goCPU is the user+system CPU time of this process so far.
func goCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
