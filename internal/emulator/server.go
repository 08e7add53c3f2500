// Package emulator runs the AWS API emulator (moto_server) that the stacks
// are applied against without an AWS account, and creates in it what the
// stacks expect to exist already (VPCs, subnets, EKS clusters, OIDC
// providers, the state bucket). `make emulator` (cmd/mpc-ops) and the
// end-to-end test (test/e2e) both go through this package, so there is one
// way of starting the emulator and one fixture.
package emulator

import (
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mpc-mesh/infra/internal/proc"
)

// URLEnv names the environment variable holding the emulator's URL; when
// set, synthesis points every AWS provider and the S3 state backend at it
// (stacks.EmulatorEnv) and the operator verbs default to the AWS layers.
const URLEnv = "MPC_AWS_ENDPOINT"

// Env is the environment moto_server runs with, on top of the caller's
// (CleanEnv). The node-group role attaches AWS-managed policies
// (AmazonEKSWorkerNodePolicy, ...), which moto knows only when it loads them
// at start.
var Env = []string{"MOTO_IAM_LOAD_MANAGED_POLICIES=true"}

// motoserverScript starts moto_server with fixes to moto 5.2.1's
// multi-Region KMS replica keys (see the script's docstring).
//
//go:embed motoserver.py
var motoserverScript string

// Server is one moto_server process listening on 127.0.0.1 only.
type Server struct {
	// URL is http://127.0.0.1:<port>.
	URL string
	// Pid is the process id; the process leads its own process group.
	Pid int
	cmd *exec.Cmd
	log string
	// exited is closed when the process has exited.
	exited chan struct{}
}

// StartOptions say how to start the emulator.
type StartOptions struct {
	// Python is a python3 that imports moto (moto[server] installs it).
	// Default: python3 on PATH.
	Python string
	// Log is the file receiving the emulator's output. Required.
	Log string
	// Detach lets the emulator outlive this process (make emulator); by
	// default it is killed when this process dies (tests).
	Detach bool
}

// Start starts moto_server on a free loopback port and waits until it
// answers. Another process may take the port between the choice and the
// bind; Start then tries again with another port, three times in all.
func Start(opts StartOptions) (*Server, error) {
	if opts.Python == "" {
		p, err := exec.LookPath("python3")
		if err != nil || exec.Command(p, "-c", "import moto.server").Run() != nil {
			return nil, errors.New("python3 cannot import moto.server (pip install 'moto[server]==5.2.1')")
		}
		opts.Python = p
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := launch(opts)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("start moto_server: %w", lastErr)
}

func launch(opts StartOptions) (*Server, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(opts.Log)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	// moto_server itself, with the fixes of motoserver.py for multi-Region
	// replica keys (the backup key's replica needs them).
	cmd := exec.Command(opts.Python, "-c", motoserverScript, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(CleanEnv(), Env...)
	if opts.Detach {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Pid: cmd.Process.Pid, cmd: cmd, log: opts.Log, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(60 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// FreePort asks the kernel for a free loopback port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Ready reports whether an emulator answers at url. It asks for the
// dashboard page, whose cost does not grow with what the emulator holds
// (the data dump does, and fails once it holds a deployed environment).
func Ready(url string) bool {
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url + "/moto-api/")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("moto_server exited at start: %s", proc.Tail(s.log, 5))
		default:
		}
		if Ready(s.URL) {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("moto_server did not answer on %s within %s: %s", s.URL, timeout, proc.Tail(s.log, 5))
}

// Stop terminates the emulator's process group, politely first.
func (s *Server) Stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	syscall.Kill(-s.Pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(2 * time.Second):
		syscall.Kill(-s.Pid, syscall.SIGKILL)
		<-s.exited
	}
}

// StopPid terminates the process group of an emulator started by another
// process (make emulator-stop), politely first; it waits up to five seconds.
func StopPid(pid int) error {
	if err := syscall.Kill(-pid, syscall.SIGTERM); err != nil {
		return err
	}
	for i := 0; i < 50; i++ {
		if syscall.Kill(pid, 0) != nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return syscall.Kill(-pid, syscall.SIGKILL)
}

// CleanEnv is the environment of every child process that talks to the
// emulator: this process's, without AWS credentials or profiles, so nothing
// can reach real AWS, and with the instance metadata service disabled.
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
