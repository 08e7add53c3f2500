package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/emulator"
	"github.com/mpc-mesh/infra/internal/manifest"
)

// verbsEnvironment is deployed through the operator verbs exactly as the
// README's "Try it without an AWS account" walkthrough runs them: make
// emulator, the exported endpoint, make apply/plan/output/destroy, make
// emulator-stop; with its state in S3 on the emulator.
const verbsEnvironment = "local"

// exportRE finds the endpoint line make emulator prints.
var exportRE = regexp.MustCompile(`(?m)^export ` + emulator.URLEnv + `=(\S+)$`)

// verbs runs make targets of the project with the emulator's settings, the
// synth output and the emulator's files in the work folder.
type verbs struct {
	root, work, outdir string
	endpoint           string
	logs               string
}

// make runs `make target VAR=value...` and returns its combined output; the
// output is also logged to logs/make-<target>.log.
func (v *verbs) make(t *testing.T, target string, vars ...string) (string, error) {
	args := append([]string{"-s", "--no-print-directory", target,
		"OUTDIR=" + v.outdir, "EMULATOR_DIR=" + filepath.Join(v.work, "emulator")}, vars...)
	cmd := exec.Command("make", args...)
	cmd.Dir = v.root
	cmd.Env = cleanEnv()
	if v.endpoint != "" {
		cmd.Env = append(cmd.Env, emulator.URLEnv+"="+v.endpoint)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return "", err
	}
	unregister := interrupted.add(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	err := cmd.Wait()
	unregister()
	log := filepath.Join(v.logs, "make-"+target+".log")
	f, _ := os.OpenFile(log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if f != nil {
		fmt.Fprintf(f, "# make %s\n%s\n# exit: %v after %s\n", strings.Join(args, " "), out.String(), err, time.Since(start).Round(time.Second))
		f.Close()
	}
	t.Logf("make %s %s: %v after %s", target, strings.Join(vars, " "), errOrOK(err), time.Since(start).Round(time.Second))
	return out.String(), err
}

func errOrOK(err error) any {
	if err == nil {
		return "ok"
	}
	return err
}

// throughVerbs deploys, checks, re-plans, reads outputs and destroys an
// environment with the Makefile's verbs, and proves its state is locked.
func (r *run) throughVerbs(t *testing.T, name string) {
	cfg, err := config.Load(filepath.Join(r.root, config.DefaultDir), []string{name})
	if err != nil {
		t.Fatal(err)
	}
	env := cfg.Environments[0]
	if env.Backend.S3 == nil {
		t.Fatalf("%s keeps local state; the verbs run is meant to prove S3 state on the emulator", name)
	}
	work := workDir(t, "mpc-e2e-"+name+"-")
	v := &verbs{root: r.root, work: work, outdir: filepath.Join(work, "cdktf.out"), logs: filepath.Join(work, "logs")}
	if err := os.MkdirAll(v.logs, 0o755); err != nil {
		t.Fatal(err)
	}

	out, err := v.make(t, "emulator", "ENV="+name)
	// Whatever happens next, the emulator goes: through the verb, and
	// through its pid file if the test is interrupted.
	stop := func() { v.make(t, "emulator-stop") }
	unregister := interrupted.add(func() { stopFromPidFile(filepath.Join(work, "emulator", "emulator.pid")) })
	defer func() {
		unregister()
		stop()
	}()
	if err != nil {
		t.Fatalf("make emulator: %v\n%s", err, lastLines(out, 20))
	}
	m := exportRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("make emulator printed no export line:\n%s", out)
	}
	v.endpoint = m[1]
	api := emulator.API{Python: r.tools.Python, Endpoint: v.endpoint}
	var fix fixture
	data, err := os.ReadFile(filepath.Join(work, "emulator", "fixture-"+name+".json"))
	if err == nil {
		err = json.Unmarshal(data, &fix)
	}
	if err != nil {
		t.Fatalf("read the fixture make emulator describes: %v", err)
	}

	if out, err := v.make(t, "apply", "ENV="+name, "AUTO_APPROVE=1"); err != nil {
		t.Fatalf("make apply: %v\n%s", err, lastLines(out, 30))
	} else if !strings.Contains(out, "cluster layer is skipped") {
		t.Errorf("make apply under the emulator does not say the cluster layer was skipped:\n%s", lastLines(out, 30))
	}
	checkDeployed(t, api, env, fix)
	// make plan, with a second plan of one stack run while make plan
	// holds that stack's state lock.
	if err := r.planProvingLocking(t, v, api, env); err != nil {
		t.Errorf("make plan: %v", err)
	} else {
		r.replanFiles(t, v)
	}
	if out, err := v.make(t, "output", "ENV="+name); err != nil {
		t.Errorf("make output: %v\n%s", err, lastLines(out, 30))
	} else if n := strings.Count(out, config.OutputEndpointServiceName+" = "); n != len(env.ManagedParties()) {
		t.Errorf("make output shows %d endpoint service names, want one per managed party (%d):\n%s", n, len(env.ManagedParties()), lastLines(out, 30))
	}
	if out, err := v.make(t, "destroy", "ENV="+name, "AUTO_APPROVE=1"); err != nil {
		t.Fatalf("make destroy: %v\n%s", err, lastLines(out, 30))
	}
	checkNothingLeftAfterDestroy(t, api, env, fix)
}

// replanFiles matches the plans make plan saved in every stack folder
// against the emulator gaps: nothing may change but them.
func (r *run) replanFiles(t *testing.T, v *verbs) {
	m, err := manifest.Read(v.outdir)
	if err != nil {
		t.Fatal(err)
	}
	names, _, err := awsStacks(m, verbsEnvironment)
	if err != nil {
		t.Fatal(err)
	}
	tf, err := newTerraform(r.tools, v.work, v.outdir, r.pluginCache, r.slots)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	err = inDependencyOrder(context.Background(), names, nil, func(ctx context.Context, stack string) error {
		out, _, err := tf.run(ctx, stack, []int{0}, "show", "-json", "tfplan")
		if err != nil {
			return err
		}
		rep, err := matchGaps(stack, out)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for k, v := range rep.Seen {
			seen[k] += len(v)
		}
		for _, u := range rep.Untolerated {
			t.Errorf("make plan wants a change no emulator gap explains: %s", u)
		}
		return nil
	})
	if err != nil {
		t.Errorf("read the plans make plan saved: %v", err)
	}
	t.Logf("%s: tolerated emulator gaps in make plan: %v", verbsEnvironment, seen)
}

// planProvingLocking runs make plan on the environment and, once it holds
// the state lock of the first party's provider stack, a second plan of that
// stack: the second must be refused for the lock. It returns make plan's
// failure, if any.
func (r *run) planProvingLocking(t *testing.T, v *verbs, api emulator.API, env *config.Environment) error {
	party := env.ManagedParties()[0]
	stack := env.StackName(party, config.LayerProvider)
	first := make(chan error, 1)
	go func() {
		out, err := v.make(t, "plan", "ENV="+env.Name)
		if err != nil {
			err = fmt.Errorf("%v\n%s", err, lastLines(out, 20))
		}
		first <- err
	}()
	s3 := env.Backend.S3
	lockKey := path.Join(s3.KeyPrefix, env.Name, party.Name, string(config.LayerProvider)+".tfstate") + ".tflock"
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var locks struct {
			Locks []string `json:"locks"`
		}
		if err := api.Call("state-locks", map[string]string{"bucket": s3.Bucket, "region": s3.Region}, &locks); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(locks.Locks, lockKey) {
			break
		}
		select {
		case err := <-first:
			t.Errorf("make plan ended before its lock %s was seen; cannot prove locking", lockKey)
			return err
		default:
		}
		if time.Now().After(deadline) {
			t.Errorf("no lock file %s appeared in %s while make plan ran", lockKey, s3.Bucket)
			return <-first
		}
		time.Sleep(200 * time.Millisecond)
	}
	tf, err := newTerraform(r.tools, v.work, v.outdir, r.pluginCache, r.slots)
	if err != nil {
		t.Fatal(err)
	}
	out, code, err := tf.run(context.Background(), stack, []int{0, 1}, "plan", "-input=false", "-lock-timeout=0s")
	log := readFile(filepath.Join(tf.logs, stack+".plan.log"))
	if err != nil {
		t.Errorf("second plan of %s: %v", stack, err)
	} else if code == 0 || !strings.Contains(log, "Error acquiring the state lock") {
		t.Errorf("a second plan of %s ran while make plan held its state lock (exit %d):\n%s%s", stack, code, out, lastLines(log, 15))
	}
	return <-first
}

// stopFromPidFile stops the emulator make emulator started, when the run is
// interrupted before make emulator-stop.
func stopFromPidFile(path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var pid int
	if _, err := fmt.Sscan(string(data), &pid); err == nil && pid > 0 {
		emulator.StopPid(pid)
	}
}
