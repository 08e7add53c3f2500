package emulator

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"syscall"

	"github.com/mpc-mesh/infra/internal/proc"
)

// awsapiScript is the boto3 client of the emulator; see its docstring.
//
//go:embed awsapi.py
var awsapiScript string

// API calls the emulator through awsapi.py (boto3, which comes with moto),
// so that no Go AWS SDK is needed. Requests and answers are JSON.
type API struct {
	// Python is a python3 that imports boto3.
	Python string
	// Endpoint is the emulator's URL.
	Endpoint string
}

// FindPython returns a python3 that imports boto3.
func FindPython() (string, error) {
	p, err := exec.LookPath("python3")
	if err != nil || exec.Command(p, "-c", "import boto3").Run() != nil {
		return "", errors.New("python3 cannot import boto3 (pip install boto3; moto[server] brings it)")
	}
	return p, nil
}

// Call runs one command of awsapi.py with req on stdin and decodes its
// answer into resp.
func (a API) Call(command string, req, resp any) error {
	in, err := json.Marshal(req)
	if err != nil {
		return err
	}
	cmd := exec.Command(a.Python, "-c", awsapiScript, a.Endpoint, command)
	cmd.Env = CleanEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("awsapi.py %s: %v\n%s", command, err, proc.LastLines(stderr.String(), 15))
	}
	if err := json.Unmarshal(stdout.Bytes(), resp); err != nil {
		return fmt.Errorf("awsapi.py %s: decode the answer: %w", command, err)
	}
	return nil
}
