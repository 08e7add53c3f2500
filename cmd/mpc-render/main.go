// Command mpc-render renders the MPC services release that a party's
// cluster stack installs, with the real kms-core chart, prints its
// manifests as `helm template` would, and checks them against the
// environment (one pod per party, enclave size, vaults, peers, ConfigMap,
// scheduling). It exits 1 when a check fails.
//
//	go run ./cmd/mpc-render [--chart DIR|TGZ|oci://REF] [--stacks cdktf.out] ENV PARTY
//
// The chart is, in order: --chart, MPC_KMS_CORE_CHART, the party's
// helm.path, or the repository, chart and version the environment pins.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/mpc-mesh/infra/cmd/mpc-render/chartcheck"
	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/release"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("mpc-render", flag.ContinueOnError)
	chartRef := fs.String("chart", os.Getenv("MPC_KMS_CORE_CHART"), "chart folder, .tgz or oci:// reference (default: MPC_KMS_CORE_CHART, then the environment's pin)")
	outdir := fs.String("stacks", orDefault(os.Getenv("CDKTF_OUTDIR"), "cdktf.out"), "synthesis output folder")
	quiet := fs.Bool("quiet", false, "print only the checks, not the manifests")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: mpc-render [--chart REF] [--stacks DIR] ENV PARTY")
		return 2
	}
	cfg, err := config.Load(orDefault(os.Getenv("MPC_CONFIG_DIR"), config.DefaultDir), []string{fs.Arg(0)})
	if err != nil {
		return fail(err)
	}
	env := cfg.Environments[0]
	var p *config.Party
	for _, q := range env.ManagedParties() {
		if q.Name == fs.Arg(1) {
			p = q
		}
	}
	if p == nil {
		return fail(fmt.Errorf("%s: no managed party %q", env.File, fs.Arg(1)))
	}
	ref := *chartRef
	if ref == "" {
		h := p.Managed.Helm
		ref = h.Path
		if ref == "" {
			ref = fmt.Sprintf("%s/%s:%s", strings.TrimSuffix(h.Repository, "/"), h.Chart, h.Version)
		}
	}
	ch, err := release.LoadChart(ref)
	if err != nil {
		return fail(err)
	}
	st, err := chartcheck.EnvironmentStacks(*outdir, env)
	if err != nil {
		return fail(err)
	}
	rel, r, failures, err := chartcheck.Party(env, p, st, ch)
	if err != nil {
		return fail(err)
	}
	if !*quiet {
		fmt.Print(r.Manifests)
	}
	fmt.Fprintf(os.Stderr, "# release %s in namespace %s of stack %s, chart %s %s from %s\n", rel.Name, rel.Namespace, rel.Stack, ch.Name(), ch.Metadata.Version, ref)
	fmt.Fprintln(os.Stderr, "# values known only after apply show as unknown(<stack>/<address>)")
	if len(failures) > 0 {
		fmt.Fprintf(os.Stderr, "contract: %d check(s) failed:\n", len(failures))
		for _, f := range failures {
			fmt.Fprintln(os.Stderr, "  FAIL", f)
		}
		return 1
	}
	fmt.Fprintf(os.Stderr, "contract: every check passed (%d objects rendered)\n", len(r.Objects))
	return 0
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "error:", err)
	return 1
}
