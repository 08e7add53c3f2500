// Command mpc-mesh synthesizes the Terraform stacks of the MPC mesh from the
// environment files in config/environments (or MPC_CONFIG_DIR).
//
//	go run .                          synthesize (MPC_ENV=a,b limits environments)
//	go run . validate                 check the configuration, write nothing
//	go run . peers export ENV PARTY   print the block other organisations declare this party with
//	go run . trust plan ENV PARTY     print the CA certificate sync plan of PARTY (mpc-trust status reads it)
//	go run . list [--names] [--reverse] [--aws] [ENV]
//	                                  stacks of cdktf.out in apply order (destroy order with --reverse)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/manifest"
	"github.com/mpc-mesh/infra/stacks"
)

func main() {
	code := run(os.Args[1:])
	jsii.Close()
	os.Exit(code)
}

func run(args []string) int {
	dir := envOr("MPC_CONFIG_DIR", config.DefaultDir)
	var only []string
	if v := os.Getenv("MPC_ENV"); v != "" {
		only = strings.Split(v, ",")
	}
	if len(args) >= 1 && args[0] == "peers" {
		return peers(dir, args[1:])
	}
	if len(args) >= 1 && args[0] == "trust" {
		return trustPlan(dir, args[1:])
	}
	if len(args) >= 1 && args[0] == "list" {
		return list(args[1:], os.Stdout)
	}
	cfg, err := config.Load(dir, only)
	if err != nil {
		return fail(err)
	}
	if len(args) == 1 && args[0] == "validate" {
		fmt.Printf("configuration valid: %d environment(s) in %s\n", len(cfg.Environments), dir)
		return 0
	}
	if len(args) > 0 {
		return fail(fmt.Errorf("unknown command %q; use no argument to synthesize, validate, or peers export ENV PARTY", strings.Join(args, " ")))
	}
	emu, err := stacks.EmulatorFromEnv()
	if err != nil {
		return fail(err)
	}
	if err := stacks.Synthesize(cfg, stacks.Options{Emulator: emu, Unprotect: stacks.UnprotectFromEnv()}, envOr("CDKTF_OUTDIR", stacks.DefaultOutdir)); err != nil {
		return fail(err)
	}
	return 0
}

func peers(dir string, args []string) int {
	if len(args) != 3 || args[0] != "export" {
		return fail(fmt.Errorf("usage: peers export ENV PARTY [< terraform-output.json]"))
	}
	cfg, err := config.Load(dir, []string{args[1]})
	if err != nil {
		return fail(err)
	}
	out, err := config.ExportPeer(cfg.Environments[0], args[2], os.Stdin)
	if err != nil {
		return fail(err)
	}
	fmt.Println(out)
	return 0
}

// trustPlan prints the CA certificate sync plan of a managed party, every
// bucket named as the configuration derives it.
func trustPlan(dir string, args []string) int {
	if len(args) != 3 || args[0] != "plan" {
		return fail(fmt.Errorf("usage: trust plan ENV PARTY"))
	}
	cfg, err := config.Load(dir, []string{args[1]})
	if err != nil {
		return fail(err)
	}
	env := cfg.Environments[0]
	p, err := env.ManagedParty(args[2])
	if err != nil {
		return fail(err)
	}
	if !p.Managed.TrustSync.Enabled {
		return fail(fmt.Errorf("%s: %s has managed.trust_sync.enabled false, so it syncs no CA certificate; enable it and set managed.trust_sync.image", env.File, p.Name))
	}
	out, _ := json.MarshalIndent(env.TrustPlan(p), "", "  ")
	fmt.Println(string(out))
	return 0
}

// list prints to w the synthesized stacks of an environment (or all) in
// dependency order, with what each depends on unless --names is given.
func list(args []string, w io.Writer) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	names := fs.Bool("names", false, "print stack names only, one per line")
	reverse := fs.Bool("reverse", false, "destroy order: dependents first")
	awsOnly := fs.Bool("aws", false, "only the AWS stacks (provider, consumer, party layers)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	prefix := ""
	if fs.NArg() == 1 {
		prefix = fs.Arg(0) + "-"
	}
	m, err := manifest.Read(envOr("CDKTF_OUTDIR", stacks.DefaultOutdir))
	if err != nil {
		return fail(err)
	}
	order, err := m.Order(prefix)
	if err != nil {
		return fail(err)
	}
	if len(order) == 0 {
		return fail(fmt.Errorf("no synthesized stack starts with %q; run make synth ENV=%s", prefix, strings.TrimSuffix(prefix, "-")))
	}
	if *reverse {
		slices.Reverse(order)
	}
	for _, n := range order {
		if *awsOnly && strings.HasSuffix(n, "-"+string(config.LayerCluster)) {
			continue
		}
		if *names {
			fmt.Fprintln(w, n)
			continue
		}
		deps := m.Stacks[n].Dependencies
		fmt.Fprintf(w, "%-45s depends on: %s\n", n, orNone(strings.Join(deps, ", ")))
	}
	return 0
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "error:", err)
	return 1
}
