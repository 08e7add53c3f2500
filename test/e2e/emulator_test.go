package e2e

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// emulator is one moto_server process, listening on 127.0.0.1 only.
type emulator struct {
	// URL is http://127.0.0.1:<port>.
	URL string
	cmd *exec.Cmd
	log string
	// exited is closed when the process has exited.
	exited chan struct{}
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

func launchEmulator(tc toolchain, dir string, attempt int) (*emulator, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, fmt.Sprintf("moto-%d.log", attempt))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	// moto_server, started through motoserver.py: its fixes to multi-Region
	// replica keys let the backup key's replica apply and re-plan clean.
	cmd := exec.Command(tc.Python, "motoserver.py", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(cleanEnv(),
		// The node role attaches AWS-managed policies (AmazonEKSWorkerNodePolicy, ...).
		"MOTO_IAM_LOAD_MANAGED_POLICIES=true",
	)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e := &emulator{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(e.exited)
	}()
	if err := e.waitReady(60 * time.Second); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

// freePort asks the kernel for a free loopback port. Another process may take
// it before moto binds it; launchEmulator then retries with another port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (e *emulator) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-e.exited:
			return fmt.Errorf("moto_server exited at start: %s", tail(e.log, 5))
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
	return fmt.Errorf("moto_server did not answer on %s within %s: %s", e.URL, timeout, tail(e.log, 5))
}

// stop terminates the emulator's process group, politely first.
func (e *emulator) stop() {
	select {
	case <-e.exited:
		return
	default:
	}
	pgid := e.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(2 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-e.exited
	}
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "(no log)"
		}
		return err.Error()
	}
	return lastLines(string(data), n)
}

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
