// Package emulator starts the AWS API emulator (moto_server) for tests: one
// process listening on 127.0.0.1 only, on a free port, in its own process
// group, killed with the process that started it (Pdeathsig) so that a test
// binary killed by a timeout leaves no emulator behind.
package emulator

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
	"time"
)

// Emulator is one running moto_server.
type Emulator struct {
	// URL is http://127.0.0.1:<port>.
	URL string
	cmd *exec.Cmd
	log string
	// exited is closed when the process has exited.
	exited chan struct{}
}

// Start runs moto (the moto_server executable) with the environment env,
// logging to files in logDir, and waits until it answers. A free port may
// be taken by another process before moto binds it, so Start tries three
// ports before giving up.
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
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(logDir, fmt.Sprintf("moto-%d.log", attempt))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(moto, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e := &Emulator{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(e.exited)
	}()
	if err := e.waitReady(60 * time.Second); err != nil {
		e.Stop()
		return nil, err
	}
	return e, nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (e *Emulator) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-e.exited:
			return fmt.Errorf("moto_server exited at start: %s", Tail(e.log, 5))
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
	return fmt.Errorf("moto_server did not answer on %s within %s: %s", e.URL, timeout, Tail(e.log, 5))
}

// Stop terminates the emulator's process group, politely first. It may be
// called more than once.
func (e *Emulator) Stop() {
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

// Tail returns the last n lines of a file, for error messages.
func Tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "(no log)"
		}
		return err.Error()
	}
	return LastLines(string(data), n)
}

// LastLines returns the last n lines of s.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

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
