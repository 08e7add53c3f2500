// Command mpc-trust keeps a party's copies of its peers' CA certificates
// current (internal/trust).
//
//	mpc-trust sync   --plan FILE [--endpoint URL]          copy every peer's PUB-p<id>/CACert/* into our public vault;
//	                                                       print a JSON report; exit 1 when a peer failed
//	mpc-trust status --plan FILE [--endpoint URL] [--json]  per peer: our copy present, its SHA-256 fingerprint, and
//	                                                       whether it matches the peer's own; exit 1 when one does not
//
// The plan is the JSON the trustsync CronJob mounts, or what
// `go run . trust plan ENV PARTY` prints (make trust-status does both).
// Credentials come from the default AWS chain: IRSA in the cluster, the
// operator's profile elsewhere. A peer that has not published its
// certificate yet is reported missing, which is not a failure: the next
// scheduled run tries again.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mpc-mesh/infra/internal/trust"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) }

// run executes one subcommand and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "sync" && args[0] != "status") {
		fmt.Fprintln(stderr, "usage: mpc-trust sync|status --plan FILE [--endpoint URL] [--json]")
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	planFile := fs.String("plan", "", "plan JSON: the party's public vault and its peers'")
	endpoint := fs.String("endpoint", "", "S3 endpoint replacing AWS (an emulator); default AWS")
	asJSON := fs.Bool("json", false, "status: print JSON instead of a table")
	timeout := fs.Duration("timeout", 2*time.Minute, "bound of the whole run")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	data, err := readPlan(*planFile)
	if err != nil {
		fmt.Fprintln(stderr, "mpc-trust:", err)
		return 2
	}
	plan, err := trust.ParsePlan(data)
	if err != nil {
		fmt.Fprintf(stderr, "mpc-trust: %s: %v\n", *planFile, err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	store, err := trust.NewS3Store(ctx, trust.S3Options{Endpoint: *endpoint})
	if err != nil {
		fmt.Fprintln(stderr, "mpc-trust:", err)
		return 1
	}
	if args[0] == "sync" {
		rep := trust.Sync(ctx, store, plan)
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
		if rep.Failed() {
			return 1
		}
		return 0
	}
	sts := trust.Status(ctx, store, plan)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sts)
	} else {
		fmt.Fprint(stdout, trust.FormatStatus(sts))
	}
	for _, st := range sts {
		if !st.Match {
			return 1
		}
	}
	return 0
}

// readPlan reads the plan file, bounded: a plan lists at most a hundred
// parties and is far smaller than this.
func readPlan(path string) ([]byte, error) {
	if path == "" {
		return nil, fmt.Errorf("--plan is required")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 1<<20))
}
