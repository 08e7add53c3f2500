package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/config/prereq"
	"github.com/mpc-mesh/infra/internal/emulator"
	"github.com/mpc-mesh/infra/internal/manifest"
	"github.com/mpc-mesh/infra/internal/proc"
)

// environments are the example environments deployed end to end: one per
// strategy.
var environments = []string{"local", "kubeip-demo"}

// ParallelismEnv bounds the Terraform processes running at once, over all
// environments (default: 3 per CPU, at least 4). Most of a Terraform run
// waits on the provider's fixed delays (NLB 30 s, lifecycle rules 55 s), so
// more processes than CPUs pay off.
const ParallelismEnv = "MPC_E2E_PARALLELISM"

// minTimeout is the least time left before go test's deadline that the
// run starts with; below it the run would be killed half-way (by default
// go test allows 10 minutes).
const minTimeout = 20 * time.Minute

// run is what the environments of one test run share.
type run struct {
	tools       toolchain
	root        string // module root
	bin         string // the built mpc-mesh program
	pluginCache string
	slots       chan struct{}
	// warm makes the first terraform init fill the plugin cache alone;
	// lockFile is the dependency lock file it wrote.
	warm     sync.Mutex
	lockFile []byte
}

func TestE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: the emulator end-to-end run takes minutes")
	}
	tools := requireTools(t)
	if d, ok := t.Deadline(); ok && time.Until(d) < minTimeout {
		msg := fmt.Sprintf("e2e: go test would stop the run at %s, and it needs up to %s on 2 CPUs: run go test with -timeout 60m (make test and make e2e do)", d.Format(time.TimeOnly), minTimeout)
		if os.Getenv(RequiredEnv) == "1" {
			t.Fatalf("%s=1 and %s", RequiredEnv, msg)
		}
		t.Skip("skipped, " + msg)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	shared := workDir(t, "mpc-e2e-")
	r := &run{tools: tools, root: root, pluginCache: filepath.Join(shared, "plugin-cache"), slots: make(chan struct{}, parallelism())}
	if err := os.MkdirAll(r.pluginCache, 0o755); err != nil {
		t.Fatal(err)
	}
	r.bin = filepath.Join(shared, "mpc-mesh")
	start := time.Now()
	build := exec.Command("go", "build", "-o", r.bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build the mpc-mesh program: %v\n%s", err, out)
	}
	t.Logf("built the program in %s; %d Terraform processes at most", time.Since(start).Round(time.Second), cap(r.slots))
	for _, name := range environments {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r.environment(t, name)
		})
	}
}

func parallelism() int {
	if n, err := strconv.Atoi(os.Getenv(ParallelismEnv)); err == nil && n > 0 {
		return n
	}
	return max(4, 3*runtime.NumCPU())
}

// stage times one step of an environment's run.
type stages struct {
	names []string
	took  []time.Duration
	start time.Time
}

func (s *stages) time(name string, f func()) {
	t0 := time.Now()
	f()
	s.names = append(s.names, name)
	s.took = append(s.took, time.Since(t0))
}

func (s *stages) String() string {
	var parts []string
	for i, n := range s.names {
		parts = append(parts, fmt.Sprintf("%s %s", n, s.took[i].Round(time.Second)))
	}
	return fmt.Sprintf("%s (total %s)", strings.Join(parts, ", "), time.Since(s.start).Round(time.Second))
}

// environment deploys, checks, re-plans and destroys one environment.
func (r *run) environment(t *testing.T, name string) {
	if name == verbsEnvironment {
		r.throughVerbs(t, name)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := &stages{start: time.Now()}
	var tf *terraform
	defer func() {
		cpu := ""
		if tf != nil {
			cpu = fmt.Sprintf("; Terraform used %s of CPU", time.Duration(tf.cpu.Load()).Round(time.Second))
		}
		t.Logf("%s: %s%s", name, st, cpu)
	}()

	cfg, err := config.Load(filepath.Join(r.root, config.DefaultDir), []string{name})
	if err != nil {
		t.Fatal(err)
	}
	env := cfg.Environments[0]
	work := workDir(t, "mpc-e2e-"+name+"-")
	emu := startEmulator(t, r.tools, work)
	api := emulator.API{Python: r.tools.Python, Endpoint: emu.URL}
	outdir := filepath.Join(work, "cdktf.out")

	// The fixture and the synthesis do not depend on each other.
	var fix fixture
	var fixErr, synthErr error
	st.time("fixture+synth", func() {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			fix, fixErr = prereq.Create(api, env)
		}()
		synthErr = r.synth(work, name, emu.URL, outdir)
		wg.Wait()
	})
	if fixErr != nil {
		t.Fatalf("create the fixture: %v", fixErr)
	}
	if synthErr != nil {
		t.Fatal(synthErr)
	}
	m, err := manifest.Read(outdir)
	if err != nil {
		t.Fatal(err)
	}
	names, deps, err := awsStacks(m, name)
	if err != nil {
		t.Fatal(err)
	}
	tf, err = newTerraform(r.tools, work, outdir, r.pluginCache, r.slots)
	if err != nil {
		t.Fatal(err)
	}
	st.time("init", func() { err = r.initAll(ctx, tf, names) })
	if err != nil {
		t.Fatal(err)
	}
	st.time("apply", func() { err = inDependencyOrder(ctx, names, deps, tf.apply) })
	if err != nil {
		t.Fatalf("apply in dependency order: %v", err)
	}

	st.time("checks", func() { checkDeployed(t, api, env, fix) })

	st.time("plan", func() { r.replan(ctx, t, tf, names) })

	// The example environments are testnets: no deletion protection to lift.
	st.time("destroy", func() { err = inDependencyOrder(ctx, names, reverse(names, deps), tf.destroy) })
	if err != nil {
		t.Fatalf("destroy in reverse order: %v", err)
	}
	checkNothingLeftAfterDestroy(t, api, env, fix)
}

// checkDeployed checks the deployed mesh through the emulator's API, then
// proves the checks can fail by breaking copies of what it read.
func checkDeployed(t *testing.T, api emulator.API, env *config.Environment, fix fixture) {
	var inv inventory
	if err := api.Call("inventory", map[string]any{"scopes": scopes(env)}, &inv); err != nil {
		t.Fatal(err)
	}
	problems := checkMesh(env, fix, &inv)
	for _, p := range problems {
		t.Errorf("mesh: %s", p)
	}
	if len(problems) > 0 {
		return
	}
	uncaught, applied, err := uncaughtMutations(env, fix, &inv)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range uncaught {
		t.Errorf("mesh checks missed a broken mesh: %s", m)
	}
	if applied < 6 {
		t.Errorf("only %d of %d mesh mutations found something to break", applied, len(mutations))
	}
	t.Logf("%s: the checks caught %d of %d broken copies of the deployed mesh", env.Name, applied-len(uncaught), applied)
}

// checkNothingLeftAfterDestroy reads the emulator's inventory again and
// reports whatever the stacks created that a destroy left behind.
func checkNothingLeftAfterDestroy(t *testing.T, api emulator.API, env *config.Environment, fix fixture) {
	var after inventory
	if err := api.Call("inventory", map[string]any{"scopes": scopes(env)}, &after); err != nil {
		t.Fatal(err)
	}
	for _, l := range checkNothingLeft(env, fix, &after) {
		t.Errorf("left after destroy: %s", l)
	}
}

// synth runs the real program for one environment with its AWS providers
// pointed at the emulator; local state lands in <work>/terraform-state.
func (r *run) synth(work, env, endpoint, outdir string) error {
	cmd := exec.Command(r.bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Dir = work
	cmd.Env = append(cleanEnv(),
		"MPC_ENV="+env,
		"MPC_CONFIG_DIR="+filepath.Join(r.root, config.DefaultDir),
		"MPC_AWS_ENDPOINT="+endpoint,
		"CDKTF_OUTDIR="+outdir,
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20",
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("synthesize %s: %v\n%s", env, err, proc.LastLines(string(out), 20))
	}
	return nil
}

// initAll runs terraform init in every stack. The first init of the run
// fills the plugin cache alone; its dependency lock file is then copied into
// every other stack (they all use the AWS provider only), so that their
// inits take the provider from the cache after checking it against the lock
// instead of installing it again, which concurrent inits cannot do safely.
func (r *run) initAll(ctx context.Context, tf *terraform, names []string) error {
	r.warm.Lock()
	if r.lockFile == nil {
		if err := tf.init(ctx, names[0]); err != nil {
			r.warm.Unlock()
			return err
		}
		lock, err := os.ReadFile(filepath.Join(tf.stackDir(names[0]), ".terraform.lock.hcl"))
		if err != nil {
			r.warm.Unlock()
			return err
		}
		r.lockFile = lock
		names = names[1:]
	}
	r.warm.Unlock()
	return inDependencyOrder(ctx, names, nil, func(ctx context.Context, stack string) error {
		if err := os.WriteFile(filepath.Join(tf.stackDir(stack), ".terraform.lock.hcl"), r.lockFile, 0o644); err != nil {
			return err
		}
		return tf.init(ctx, stack)
	})
}

// replan plans every stack again: nothing may change but the emulator gaps.
func (r *run) replan(ctx context.Context, t *testing.T, tf *terraform, names []string) {
	var mu sync.Mutex
	seen := map[string][]string{}
	err := inDependencyOrder(ctx, names, nil, func(ctx context.Context, stack string) error {
		plan, err := tf.plan(ctx, stack)
		if err != nil || plan == nil {
			return err
		}
		rep, err := matchGaps(stack, plan)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for k, v := range rep.Seen {
			seen[k] = append(seen[k], v...)
		}
		for _, u := range rep.Untolerated {
			t.Errorf("re-plan wants a change no emulator gap explains: %s", u)
		}
		return nil
	})
	if err != nil {
		t.Errorf("re-plan: %v", err)
	}
	var keys []string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("tolerated emulator gap %s: %d resource(s), e.g. %s", k, len(seen[k]), seen[k][0])
	}
}
