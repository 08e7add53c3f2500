// Command mpc-netcheck validates bidirectional connectivity between MPC
// parties (onboarding step 3).
//
//	mpc-netcheck serve --party ID --env ENV [--ports grpc=50100,peer=50001,metrics=9646] [--listen HOST] [--for 30m]
//	mpc-netcheck serve --targets plan.json [--listen HOST] [--for 30m]
//	mpc-netcheck probe --targets plan.json [--json] [--out report.json] [--timeout 3s] [--attempts 3] [--retry-delay 1s]
//	mpc-netcheck mesh --dir reports/ [--json]
//
// serve and probe also take --tls-ca, --tls-cert and --tls-key. Exit status:
// 0 all required paths ok, 1 some path failed (or, for mesh, is asymmetric or
// missing), 2 bad usage or input. See package netcheck for the protocol.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mpc-mesh/infra/internal/netcheck"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: mpc-netcheck serve|probe|mesh [flags] (-h for flags)")
		return exitUsage
	}
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) (bool, error){
		"serve": serve, "probe": probe, "mesh": mesh,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "unknown subcommand %q: want serve, probe or mesh\n", args[0])
		return exitUsage
	}
	passed, err := cmd(ctx, args[1:], stdout, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "mpc-netcheck %s: %v\n", args[0], err)
		return exitUsage
	case !passed:
		return exitFailed
	}
	return exitOK
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mpc-netcheck "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func tlsFlags(fs *flag.FlagSet) *netcheck.TLSFiles {
	var f netcheck.TLSFiles
	fs.StringVar(&f.CA, "tls-ca", "", "PEM CA bundle that verifies the other side (enables TLS)")
	fs.StringVar(&f.Cert, "tls-cert", "", "PEM certificate chain of this side (enables TLS)")
	fs.StringVar(&f.Key, "tls-key", "", "PEM private key of --tls-cert")
	return &f
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) (bool, error) {
	fs := newFlags("serve", stderr)
	targets := fs.String("targets", "", "plan JSON: serve as its self on the ports of its peers")
	party := fs.Int("party", -1, "party id to answer with (instead of --targets)")
	env := fs.String("env", "", "environment to answer with (instead of --targets)")
	ports := fs.String("ports", netcheck.FormatPorts(netcheck.DefaultPorts()), "name=port list to listen on (without --targets)")
	host := fs.String("listen", "", "address to listen on (default every interface)")
	duration := fs.Duration("for", 0, "stop after this long (default: until interrupted)")
	tlsFiles := tlsFlags(fs)
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	cfg := netcheck.ServerConfig{Host: *host, Logf: func(format string, a ...any) {
		fmt.Fprintf(stderr, time.Now().UTC().Format(time.RFC3339)+" "+format+"\n", a...)
	}}
	if *targets != "" {
		plan, err := netcheck.ReadPlan(*targets)
		if err != nil {
			return false, err
		}
		cfg.Identity, cfg.Ports = plan.Self, plan.ServePorts()
	} else {
		list, err := netcheck.ParsePorts(*ports)
		if err != nil {
			return false, err
		}
		cfg.Identity, cfg.Ports = netcheck.Identity{PartyID: *party, Environment: *env}, list
	}
	var err error
	if cfg.TLS, err = tlsFiles.ServerConfig(); err != nil {
		return false, err
	}
	srv, err := netcheck.Listen(cfg)
	if err != nil {
		return false, err
	}
	for _, p := range cfg.Ports {
		fmt.Fprintf(stdout, "serving party %d (%s) port %s on %s\n", cfg.Identity.PartyID, cfg.Identity.Environment, p.Name, srv.Addr(p.Name))
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	<-ctx.Done()
	return true, srv.Close()
}

func probe(ctx context.Context, args []string, stdout, stderr io.Writer) (bool, error) {
	fs := newFlags("probe", stderr)
	targets := fs.String("targets", "", "plan JSON: self and peers to probe (required)")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of a table")
	out := fs.String("out", "", "also write the JSON report to this file (input of mesh)")
	var opts netcheck.ProbeOptions
	fs.DurationVar(&opts.Timeout, "timeout", 3*time.Second, "deadline of one attempt")
	fs.IntVar(&opts.Attempts, "attempts", 3, "tries per path for refused/timeout/unreachable")
	fs.DurationVar(&opts.RetryDelay, "retry-delay", time.Second, "pause between tries")
	tlsFiles := tlsFlags(fs)
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	if *targets == "" {
		return false, fmt.Errorf("--targets is required")
	}
	plan, err := netcheck.ReadPlan(*targets)
	if err != nil {
		return false, err
	}
	if opts.TLS, err = tlsFiles.ClientConfig(); err != nil {
		return false, err
	}
	report := netcheck.Probe(ctx, plan, opts)
	if *out != "" {
		if err := report.WriteFile(*out); err != nil {
			return false, err
		}
	}
	if *asJSON {
		err = report.WriteJSON(stdout)
	} else {
		err = report.WriteTable(stdout)
	}
	return report.OK(), err
}

func mesh(_ context.Context, args []string, stdout, stderr io.Writer) (bool, error) {
	fs := newFlags("mesh", stderr)
	dir := fs.String("dir", "", "folder of probe reports, one *.json per party (required)")
	asJSON := fs.Bool("json", false, "print the analysis as JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	if *dir == "" {
		return false, fmt.Errorf("--dir is required")
	}
	reports, err := netcheck.ReadReports(*dir)
	if err != nil {
		return false, err
	}
	m, err := netcheck.BuildMesh(reports)
	if err != nil {
		return false, err
	}
	if *asJSON {
		err = m.WriteJSON(stdout)
	} else {
		err = m.WriteTable(stdout)
	}
	return m.OK(), err
}
