// Package emulator starts the AWS API emulator (moto_server) for tests: one
// process on 127.0.0.1 only, on a free port, started through internal/proc
// (its own process group, killed with the process that started it), and
// ready when it answers. The end-to-end run and the trust sync tests share it.
package emulator

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mpc-mesh/infra/internal/proc"
)

// Emulator is one running moto_server.
type Emulator struct {
	// URL is http://127.0.0.1:<port>.
	URL  string
	proc *proc.Process
}

// Start runs moto (the moto_server executable) with the environment env,
// logging to moto-<attempt>.log in logDir, and waits until it answers. A
// free port may be taken by another process before moto binds it, so Start
// tries three ports before giving up.
func Start(moto, logDir string, env []string) (*Emulator, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		e, err := launch(moto, logDir, env, attempt)
		if err == nil {
			return e, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("start moto_server: %w", lastErr)
}

func launch(moto, logDir string, env []string, attempt int) (*Emulator, error) {
	port, err := proc.FreePort()
	if err != nil {
		return nil, err
	}
	p, err := proc.Start("moto_server", filepath.Join(logDir, fmt.Sprintf("moto-%d.log", attempt)), env,
		moto, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	if err != nil {
		return nil, err
	}
	e := &Emulator{URL: fmt.Sprintf("http://127.0.0.1:%d", port), proc: p}
	if err := e.waitReady(60 * time.Second); err != nil {
		e.Stop()
		return nil, err
	}
	return e, nil
}

func (e *Emulator) waitReady(timeout time.Duration) error {
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

// Stop terminates the emulator's process group, politely first. It may be
// called more than once.
func (e *Emulator) Stop() { e.proc.Stop(2 * time.Second) }

// CleanEnv is the environment of every child process: this process's,
// without AWS credentials or profiles, so nothing can reach real AWS, and
// with the instance metadata service disabled.
func CleanEnv() []string {
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
