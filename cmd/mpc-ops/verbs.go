package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/emulator"
	"github.com/mpc-mesh/infra/internal/manifest"
	"github.com/mpc-mesh/infra/internal/proc"
	"github.com/mpc-mesh/infra/internal/tfcli"
)

// Layer selections of the verbs (LAYERS=).
const (
	LayersAWS     = "aws"     // provider, consumer and party stacks
	LayersCluster = "cluster" // the Kubernetes/Helm stacks
	LayersAll     = "all"
)

// DefaultLayers is the layer selection when LAYERS is not given: every
// layer against AWS, the AWS layers only against the emulator, which has no
// Kubernetes API for the cluster stacks to talk to.
func DefaultLayers() string {
	if os.Getenv(emulator.URLEnv) != "" {
		return LayersAWS
	}
	return LayersAll
}

// PlanFile is the file, in each stack folder, where plan saves its plan.
const PlanFile = "tfplan"

// ops is one run of a verb over the selected stacks of an environment.
type ops struct {
	verb     string
	env      string
	outdir   string
	logs     string
	auto     bool
	parallel int
	emulated bool
	order    []string            // selected stacks, dependency order
	deps     map[string][]string // selected stacks each one waits for
	m        manifest.Manifest
	// targets limits apply to these resource addresses per stack (-target).
	targets map[string][]string
	mu      sync.Mutex // serializes printing
}

func verbCmd(verb string, args []string) int {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	layers := fs.String("layers", "", "aws, cluster or all (default: all; aws when "+emulator.URLEnv+" is set)")
	party := fs.String("party", "", "only this party's stacks (default: every managed party)")
	auto := fs.Bool("auto-approve", false, "apply/destroy without asking")
	parallel := fs.Int("parallel", 4, "stacks run at once, in dependency order, when nothing asks for input")
	outdir := fs.String("outdir", "cdktf.out", "synth output folder")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || fs.Arg(0) == "" {
		return fail("ENV is required, for example ENV=local")
	}
	o := &ops{verb: verb, env: fs.Arg(0), outdir: *outdir, auto: *auto, parallel: max(1, *parallel),
		emulated: os.Getenv(emulator.URLEnv) != ""}
	o.logs = filepath.Join(o.outdir, "logs")
	if *layers == "" {
		*layers = DefaultLayers()
		if o.emulated && verb != "unprotect" {
			o.say("%s: LAYERS=aws: the cluster layer is skipped, because the emulator (%s) has no Kubernetes API", verb, emulator.URLEnv)
		}
	}
	if !slices.Contains([]string{LayersAWS, LayersCluster, LayersAll}, *layers) {
		return fail("LAYERS=%s: use aws, cluster or all", *layers)
	}
	if o.emulated && *layers != LayersAWS {
		return fail("LAYERS=%s: the emulator (%s=%s) has no Kubernetes API, so the cluster stacks cannot run against it; use LAYERS=aws", *layers, emulator.URLEnv, os.Getenv(emulator.URLEnv))
	}
	if err := o.selectStacks(*layers, *party); err != nil {
		return fail("%v", err)
	}
	if err := os.MkdirAll(o.logs, 0o755); err != nil {
		return fail("%v", err)
	}
	switch verb {
	case "destroy":
		return o.destroy()
	case "unprotect":
		return o.unprotect()
	}
	if !o.initAll() {
		return 1
	}
	if verb == "apply" && !o.auto {
		// Terraform asks before each apply: one stack at a time, attached
		// to the terminal.
		o.parallel = 1
	}
	return o.runAll(verb, o.order, o.deps)
}

// selectStacks picks the environment's stacks of the chosen layers and
// party from the synth manifest, in dependency order.
func (o *ops) selectStacks(layers, party string) error {
	m, err := manifest.Read(o.outdir)
	if err != nil {
		return err
	}
	o.m = m
	all, err := m.Order(o.env + "-")
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return fmt.Errorf("no synthesized stack of %s in %s; run make synth ENV=%s", o.env, o.outdir, o.env)
	}
	var parties []string
	for _, n := range all {
		p, l := splitStack(o.env, n)
		if !slices.Contains(parties, p) {
			parties = append(parties, p)
		}
		if party != "" && p != party {
			continue
		}
		if (layers == LayersAWS && l == config.LayerCluster) || (layers == LayersCluster && l != config.LayerCluster) {
			continue
		}
		o.order = append(o.order, n)
	}
	if party != "" && !slices.Contains(parties, party) {
		return fmt.Errorf("PARTY=%s: %s has no managed party of that name; its managed parties: %s", party, o.env, strings.Join(parties, ", "))
	}
	o.deps = map[string][]string{}
	for _, n := range o.order {
		for _, d := range m.Stacks[n].Dependencies {
			if slices.Contains(o.order, d) {
				o.deps[n] = append(o.deps[n], d)
			}
		}
	}
	return nil
}

// splitStack splits <env>-<party>-<layer>.
func splitStack(env, name string) (string, config.Layer) {
	rest := strings.TrimPrefix(name, env+"-")
	i := strings.LastIndex(rest, "-")
	return rest[:i], config.Layer(rest[i+1:])
}

func (o *ops) say(format string, a ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(os.Stderr, format+"\n", a...)
}

// result is the outcome of one step on one stack.
type result struct {
	stack  string
	output string
	log    string
	took   time.Duration
	err    error
	cause  string // one line: why it failed
}

// terraform runs one Terraform command in a stack folder, logging its
// output to logs/<stack>.<command>.log. With attach, it also streams to the
// terminal and reads the terminal (Terraform's approval prompt).
func (o *ops) terraform(ctx context.Context, stack string, attach bool, args ...string) result {
	start := time.Now()
	log := filepath.Join(o.logs, stack+"."+args[0]+".log")
	r := result{stack: stack, log: log}
	if args[0] != "state" { // state pull takes no -no-color
		args = append([]string{args[0], "-no-color"}, args[1:]...)
	}
	cmd := exec.CommandContext(ctx, "terraform", args...)
	cmd.Dir = filepath.Join(o.outdir, "stacks", stack)
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	var buf bytes.Buffer
	if attach {
		cmd.Stdin = os.Stdin
		cmd.Stdout = io.MultiWriter(&buf, os.Stdout)
		cmd.Stderr = io.MultiWriter(&buf, os.Stderr)
	} else {
		cmd.Env = append(cmd.Env, "TF_IN_AUTOMATION=1", "TF_INPUT=0")
		cmd.Stdout, cmd.Stderr = &buf, &buf
	}
	r.err = cmd.Run()
	r.took = time.Since(start)
	r.output = buf.String()
	os.WriteFile(log, buf.Bytes(), 0o644)
	if r.err != nil {
		r.cause = tfcli.Cause(r.output)
		if r.cause == "" {
			r.cause = fmt.Sprintf("terraform %s: %v: %s", args[0], r.err, strings.ReplaceAll(proc.LastLines(r.output, 2), "\n", " "))
		}
	}
	return r
}

// initAll runs terraform init in every selected stack (concurrently; init
// touches only its own folder) and reports every failure, cluster stacks'
// provider installation in words an operator can act on.
func (o *ops) initAll() bool {
	// Against the emulator, synthesis drops the recorded backend settings
	// (stacks.install), so a restarted emulator needs no -reconfigure.
	args := []string{"init", "-input=false"}
	// Concurrent inits that install the same provider into the shared
	// plugin cache collide ("file exists"). So the first stack of each kind
	// (AWS-only, cluster) initializes alone, and the others of its kind that
	// have no lock file get a copy of its lock file: then they link the
	// provider from the cache after checking it against the lock, which
	// concurrent inits do safely.
	results := make([]result, len(o.order))
	first := map[bool]int{}
	for i, s := range o.order {
		_, l := splitStack(o.env, s)
		if _, ok := first[l == config.LayerCluster]; !ok {
			first[l == config.LayerCluster] = i
			results[i] = o.terraform(context.Background(), s, false, args...)
		}
	}
	sem := make(chan struct{}, o.parallel)
	var wg sync.WaitGroup
	for i, s := range o.order {
		_, l := splitStack(o.env, s)
		warm := first[l == config.LayerCluster]
		if warm == i {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if results[warm].err != nil {
				results[i] = o.terraform(context.Background(), s, false, args...)
				return
			}
			lock := filepath.Join(o.outdir, "stacks", s, ".terraform.lock.hcl")
			if _, err := os.Stat(lock); os.IsNotExist(err) {
				if data, err := os.ReadFile(filepath.Join(o.outdir, "stacks", o.order[warm], ".terraform.lock.hcl")); err == nil {
					os.WriteFile(lock, data, 0o644)
				}
			}
			results[i] = o.terraform(context.Background(), s, false, args...)
		}()
	}
	wg.Wait()
	ok := true
	for _, r := range results {
		if r.err == nil {
			continue
		}
		ok = false
		o.say("%s failed at %s: terraform init: %s (log: %s)", o.verb, r.stack, o.explainInit(r), r.log)
	}
	if !ok {
		o.say("%s: nothing was changed", o.verb)
	}
	return ok
}

// providerInstall matches Terraform's words for a provider it cannot install.
var providerInstall = regexp.MustCompile(`(?i)failed to (query available provider packages|install provider)|could not connect to registry|provider .* was not found|no available releases match`)

func (o *ops) explainInit(r result) string {
	if _, l := splitStack(o.env, r.stack); l == config.LayerCluster && providerInstall.MatchString(r.output) {
		return fmt.Sprintf("the Kubernetes and Helm Terraform providers cannot be installed (put them in the provider mirror, %s=%s, or run with LAYERS=aws): %s", tfcli.MirrorEnv, tfcli.FindMirror(), r.cause)
	}
	return r.cause
}

// runAll runs a verb on the stacks, each after those it waits for, up to
// o.parallel at once; output is printed stack by stack in the given order.
// At the first failure no further stack starts; the ones running finish.
func (o *ops) runAll(verb string, order []string, waitsFor map[string][]string) int {
	ctx := context.Background()
	var extra []string
	switch verb {
	case "plan":
		// The plan is saved next to the stack: `terraform apply tfplan`
		// there applies exactly what was shown (the next synthesis drops it).
		extra = []string{"-input=false", "-out=" + PlanFile}
	case "apply":
		extra = []string{"-input=false"}
		if o.auto {
			extra = append(extra, "-auto-approve")
		} else {
			extra = []string{}
		}
	case "destroy":
		extra = []string{"-input=false", "-auto-approve"}
	}
	attach := verb == "apply" && !o.auto
	done := map[string]chan struct{}{}
	for _, s := range order {
		done[s] = make(chan struct{})
	}
	results := map[string]*result{}
	var mu sync.Mutex
	stopped := false
	sem := make(chan struct{}, o.parallel)
	var wg sync.WaitGroup
	for _, s := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[s])
			for _, d := range waitsFor[s] {
				<-done[d]
			}
			sem <- struct{}{}
			defer func() { <-sem }()
			mu.Lock()
			if stopped {
				mu.Unlock()
				return
			}
			mu.Unlock()
			var r result
			if _, l := splitStack(o.env, s); l == config.LayerCluster && verb != "output" {
				if msg := o.clusterReachable(s); msg != "" {
					r = result{stack: s, err: fmt.Errorf("unreachable"), cause: msg}
				}
			}
			if r.err == nil {
				if attach || o.parallel == 1 {
					o.say("== %s %s", verb, s)
				}
				args := append([]string{verb}, extra...)
				for _, a := range o.targets[s] {
					args = append(args, "-target="+a)
				}
				r = o.terraform(ctx, s, attach, args...)
			}
			mu.Lock()
			results[s] = &r
			if r.err != nil {
				stopped = true
			}
			mu.Unlock()
		}()
	}
	// Print in order as results arrive.
	for _, s := range order {
		<-done[s]
		mu.Lock()
		r := results[s]
		mu.Unlock()
		if r == nil {
			continue
		}
		o.report(verb, r, attach)
	}
	wg.Wait()
	var failed []*result
	var notRun, doneOK []string
	for _, s := range order {
		switch r := results[s]; {
		case r == nil:
			notRun = append(notRun, s)
		case r.err != nil:
			failed = append(failed, r)
		default:
			doneOK = append(doneOK, s)
		}
	}
	if len(failed) == 0 {
		o.say("%s: %d stack(s) of %s done: %s", verb, len(doneOK), o.env, strings.Join(doneOK, " "))
		return 0
	}
	for _, r := range failed {
		where := ""
		if r.log != "" {
			where = " (log: " + r.log + ")"
		}
		o.say("%s failed at %s: %s%s", verb, r.stack, r.cause, where)
	}
	if len(notRun) > 0 {
		o.say("%s: not run because of that failure: %s", verb, strings.Join(notRun, " "))
	}
	if verb == "destroy" {
		left := notRun
		for _, r := range failed {
			left = append([]string{r.stack}, left...)
		}
		o.say("destroy: left standing (their resources still exist): %s; destroyed: %s", strings.Join(left, " "), orNone(doneOK))
	}
	return 1
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, " ")
}

// report prints one stack's outcome: plan and output in full, apply and
// destroy by their summary line (the full output is in the log).
func (o *ops) report(verb string, r *result, attached bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if attached {
		return
	}
	status := "ok"
	if r.err != nil {
		status = "FAILED"
	}
	fmt.Printf("== %s %s: %s (%s)\n", verb, r.stack, status, r.took.Round(100*time.Millisecond))
	switch {
	case verb == "plan" || verb == "output":
		fmt.Print(r.output)
	case r.err == nil:
		fmt.Println("   " + summaryLine(r.output))
	}
}

// summaryLine is the last line of Terraform's output that says what it did.
func summaryLine(out string) string {
	sc := bufio.NewScanner(strings.NewReader(out))
	last := ""
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.Contains(l, "complete!") || strings.HasPrefix(l, "No changes.") || strings.HasPrefix(l, "Plan:") {
			last = l
		}
	}
	return last
}

// clusterReachable checks, before a cluster stack runs, that the
// Kubernetes API its providers are configured with answers on TCP; it
// returns a message naming the cluster and the address when it does not.
// The address is the party stack's output that the providers read.
func (o *ops) clusterReachable(stack string) string {
	data, err := os.ReadFile(filepath.Join(o.outdir, "stacks", stack, "cdk.tf.json"))
	if err != nil {
		return err.Error()
	}
	var doc struct {
		Provider struct {
			Kubernetes []struct {
				Host string `json:"host"`
			} `json:"kubernetes"`
		} `json:"provider"`
	}
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Provider.Kubernetes) == 0 {
		return ""
	}
	ref := remoteOutput.FindStringSubmatch(doc.Provider.Kubernetes[0].Host)
	if ref == nil {
		return ""
	}
	source, output := ref[1], ref[2]
	r := o.terraform(context.Background(), source, false, "output", "-json")
	if r.err != nil {
		return fmt.Sprintf("cannot read the Kubernetes API address from %s (apply it first): %s", source, r.cause)
	}
	var outs map[string]struct {
		Value any `json:"value"`
	}
	json.Unmarshal([]byte(r.output), &outs)
	host, _ := outs[output].Value.(string)
	if host == "" {
		return fmt.Sprintf("%s has no Kubernetes API address yet (apply it first)", source)
	}
	u, err := url.Parse(host)
	if err != nil || u.Host == "" {
		return fmt.Sprintf("the Kubernetes API address %q from %s is not a URL", host, source)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "443")
	}
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return fmt.Sprintf("the Kubernetes API at %s cannot be reached from here (%v); the cluster layer needs network access to it (a private endpoint needs a VPN or a runner in the VPC)", host, err)
	}
	c.Close()
	return ""
}

// remoteOutput matches a provider setting read from another stack's output:
// ${data.terraform_remote_state.cross-stack-reference-input-<stack>.outputs.<output>}.
var remoteOutput = regexp.MustCompile(`terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)`)
