package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mpc-mesh/infra/stacks/manifest"
)

// terraform runs Terraform in the stack folders of one synth output with
// the provider mirror, a plugin cache shared by every stack (the 700 MB
// provider is linked, never copied) and a bound on concurrent processes
// shared by every environment of the run.
type terraform struct {
	bin    string
	env    []string
	outdir string
	logs   string
	slots  chan struct{}
	// cpu is the CPU time of every Terraform command so far, providers included.
	cpu atomic.Int64
}

// newTerraform writes a CLI configuration that installs providers from the
// mirror only, and returns a runner for the stacks of outdir.
func newTerraform(tc toolchain, work, outdir, pluginCache string, slots chan struct{}) (*terraform, error) {
	rc := filepath.Join(work, "terraformrc")
	cfg := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\nplugin_cache_dir = %q\n", tc.Mirror, pluginCache)
	if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	logs := filepath.Join(work, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, err
	}
	env := append(cleanEnv(),
		"TF_CLI_CONFIG_FILE="+rc,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
		// The AWS provider builds its schema of 1,500 resources and
		// validates all of them again for every Terraform walk (validate,
		// plan, apply): CPU that is mostly garbage collection. Collecting
		// only above 600 MiB of heap cuts it by 40% for about 1 GiB of
		// memory per provider process.
		"GOGC=off",
		"GOMEMLIMIT=600MiB",
	)
	return &terraform{bin: tc.Terraform, env: env, outdir: outdir, logs: logs, slots: slots}, nil
}

// stackDir is the working folder of a stack, cdktf.out/stacks/<name>.
func (tf *terraform) stackDir(stack string) string {
	return filepath.Join(tf.outdir, "stacks", stack)
}

// run runs `terraform args...` in the stack's folder once a slot is free,
// logs stdout and stderr to logs/<stack>.<verb>.log, and returns stdout and
// the exit code. An error is returned only when Terraform could not run or
// exited with a code not in okCodes; it carries the log's last lines.
func (tf *terraform) run(ctx context.Context, stack string, okCodes []int, args ...string) ([]byte, int, error) {
	select {
	case tf.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, -1, ctx.Err()
	}
	defer func() { <-tf.slots }()

	logPath := filepath.Join(tf.logs, stack+"."+args[0]+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, -1, err
	}
	defer logFile.Close()
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, tf.bin, append([]string{args[0], "-no-color"}, args[1:]...)...)
	cmd.Dir = tf.stackDir(stack)
	cmd.Env = tf.env
	cmd.Stdout = io.MultiWriter(&stdout, logFile)
	cmd.Stderr = logFile
	// Own process group: an interrupt of the test is handled by TestMain,
	// which kills the group, not by Terraform's own half-finished shutdown.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, -1, err
	}
	unregister := interrupted.add(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	err = cmd.Wait()
	unregister()
	code := cmd.ProcessState.ExitCode()
	// The process's rusage includes the provider processes it reaped.
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	tf.cpu.Add(int64(cpu))
	fmt.Fprintf(logFile, "\n# terraform %s: exit code %d after %s, %s CPU\n", args[0], code, time.Since(started).Round(100*time.Millisecond), cpu.Round(100*time.Millisecond))
	for _, ok := range okCodes {
		if code == ok {
			return stdout.Bytes(), code, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("exit code %d", code)
	}
	return stdout.Bytes(), code, fmt.Errorf("%s: terraform %s: %v\n%s", stack, args[0], err, lastLines(readFile(logPath), 25))
}

// init runs terraform init (providers from the mirror, through the cache).
func (tf *terraform) init(ctx context.Context, stack string) error {
	_, _, err := tf.run(ctx, stack, []int{0}, "init", "-input=false")
	return err
}

func (tf *terraform) apply(ctx context.Context, stack string) error {
	_, _, err := tf.run(ctx, stack, []int{0}, "apply", "-input=false", "-auto-approve")
	return err
}

// destroy destroys a stack without the refresh walk that a destroy
// otherwise starts with: the state was refreshed by the re-plan just
// before, and the refresh costs a fifth of the command's CPU.
func (tf *terraform) destroy(ctx context.Context, stack string) error {
	_, _, err := tf.run(ctx, stack, []int{0}, "destroy", "-input=false", "-auto-approve", "-refresh=false")
	return err
}

// plan runs terraform plan -detailed-exitcode and, when it finds changes,
// returns the plan as `terraform show -json` renders it (nil when there is
// no change).
func (tf *terraform) plan(ctx context.Context, stack string) ([]byte, error) {
	_, code, err := tf.run(ctx, stack, []int{0, 2}, "plan", "-input=false", "-detailed-exitcode", "-out=e2e.tfplan")
	if err != nil || code == 0 {
		return nil, err
	}
	out, _, err := tf.run(ctx, stack, []int{0}, "show", "-json", "e2e.tfplan")
	return out, err
}

// awsStacks returns the AWS-only stacks of an environment (provider,
// consumer and party layers) and, for each, the AWS stacks it depends on.
func awsStacks(m manifest.Manifest, env string) ([]string, map[string][]string, error) {
	order, err := m.Order(env + "-")
	if err != nil {
		return nil, nil, err
	}
	keep := map[string]bool{}
	var names []string
	for _, n := range order {
		if !strings.HasSuffix(n, "-cluster") {
			keep[n] = true
			names = append(names, n)
		}
	}
	deps := map[string][]string{}
	for _, n := range names {
		for _, d := range m.Stacks[n].Dependencies {
			if keep[d] {
				deps[n] = append(deps[n], d)
			}
		}
		sort.Strings(deps[n])
	}
	return names, deps, nil
}

// reverse turns "depends on" into "is depended on by": the destroy order.
func reverse(names []string, deps map[string][]string) map[string][]string {
	res := map[string][]string{}
	for _, n := range names {
		for _, d := range deps[n] {
			res[d] = append(res[d], n)
		}
	}
	for _, v := range res {
		sort.Strings(v)
	}
	return res
}

// inDependencyOrder runs fn for every stack once all the stacks it waits
// for have succeeded; stacks with nothing between them run concurrently
// (the runner's slots bound how many Terraform processes run at once). A
// failed stack's dependents are not run. It returns every failure.
func inDependencyOrder(ctx context.Context, names []string, waitsFor map[string][]string, fn func(ctx context.Context, stack string) error) error {
	done := map[string]chan struct{}{}
	failed := map[string]bool{}
	var mu sync.Mutex
	for _, n := range names {
		done[n] = make(chan struct{})
	}
	var errs []error
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[n])
			for _, d := range waitsFor[n] {
				if ch, ok := done[d]; ok {
					<-ch
				}
				mu.Lock()
				bad := failed[d]
				mu.Unlock()
				if bad {
					mu.Lock()
					failed[n] = true
					mu.Unlock()
					return
				}
			}
			if err := fn(ctx, n); err != nil {
				mu.Lock()
				failed[n] = true
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func readFile(path string) string {
	data, _ := os.ReadFile(path)
	return string(data)
}
