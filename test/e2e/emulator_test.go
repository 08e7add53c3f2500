package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mpc-mesh/infra/internal/proc"
)

// emulator is one moto_server process, listening on 127.0.0.1 only.
type emulator struct {
	// URL is http://127.0.0.1:<port>.
	URL  string
	proc *proc.Process
}

// startEmulator starts moto_server on a free loopback port and stops it
// (its whole process group) when the test ends, whatever the outcome, or
// when the run is interrupted (TestMain). It also dies with this process
// (Pdeathsig), so a test binary killed by a timeout leaves no emulator.
func startEmulator(t *testing.T, tc toolchain, dir string) *emulator {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		e, err := launchEmulator(tc, dir, attempt)
		if err == nil {
			unregister := interrupted.add(e.stop)
			t.Cleanup(func() {
				unregister()
				e.stop()
			})
			return e
		}
		lastErr = err
	}
	t.Fatalf("start moto_server: %v", lastErr)
	return nil
}

// launchEmulator starts moto_server on a port that was free a moment ago;
// another process may take it first, so startEmulator retries.
func launchEmulator(tc toolchain, dir string, attempt int) (*emulator, error) {
	port, err := proc.FreePort()
	if err != nil {
		return nil, err
	}
	env := append(cleanEnv(),
		// The node role attaches AWS-managed policies (AmazonEKSWorkerNodePolicy, ...).
		"MOTO_IAM_LOAD_MANAGED_POLICIES=true",
	)
	p, err := proc.Start("moto_server", filepath.Join(dir, fmt.Sprintf("moto-%d.log", attempt)), env,
		tc.Moto, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	if err != nil {
		return nil, err
	}
	e := &emulator{URL: fmt.Sprintf("http://127.0.0.1:%d", port), proc: p}
	if err := e.waitReady(60 * time.Second); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

func (e *emulator) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-e.proc.Exited():
			return fmt.Errorf("moto_server exited at start: %s", e.proc.Tail(5))
		default:
		}
		resp, err := client.Get(e.URL + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("moto_server did not answer on %s within %s: %s", e.URL, timeout, e.proc.Tail(5))
}

// stop terminates the emulator's process group, politely first.
func (e *emulator) stop() { e.proc.Stop(2 * time.Second) }

// cleanEnv is the environment of every child process: this process's,
// without AWS credentials or profiles, so nothing can reach real AWS, and
// with the instance metadata service disabled.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
			"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
			"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
			"TF_CLI_CONFIG_FILE", "TF_PLUGIN_CACHE_DIR", "TF_DATA_DIR", "TF_WORKSPACE", "TF_LOG", "TF_LOG_PATH":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "AWS_EC2_METADATA_DISABLED=true")
}
