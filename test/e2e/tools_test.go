package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/tfcli"
)

// RequiredEnv makes missing tools a failure instead of a skip (.ci/run sets it).
const RequiredEnv = "MPC_E2E_REQUIRED"

// toolchain is what the end-to-end test runs.
type toolchain struct {
	// Moto is the moto_server executable.
	Moto string
	// Python is a python3 that imports boto3 and moto (it runs awsapi.py and motoserver.py).
	Python string
	// Terraform is the terraform executable.
	Terraform string
	// Mirror is the provider mirror root (the folder holding registry.terraform.io).
	Mirror string
}

// requireTools finds the toolchain, or skips the test with one line naming
// what is missing and how to get it (fails instead under MPC_E2E_REQUIRED=1).
func requireTools(t *testing.T) toolchain {
	t.Helper()
	tc, missing := findTools()
	if len(missing) == 0 {
		return tc
	}
	msg := "e2e: " + strings.Join(missing, "; ")
	if os.Getenv(RequiredEnv) == "1" {
		t.Fatalf("%s=1 and %s", RequiredEnv, msg)
	}
	t.Skip("skipped, " + msg)
	return tc
}

func findTools() (toolchain, []string) {
	var tc toolchain
	var missing []string
	var err error
	if tc.Moto, err = exec.LookPath("moto_server"); err != nil {
		missing = append(missing, "moto_server not found (pip install 'moto[server]==5.2.1')")
	}
	if tc.Python, err = exec.LookPath("python3"); err != nil || exec.Command(tc.Python, "-c", "import boto3, moto.server").Run() != nil {
		missing = append(missing, "python3 cannot import boto3 and moto.server (pip install 'moto[server]', which brings boto3)")
	}
	if tc.Terraform, err = exec.LookPath("terraform"); err != nil {
		missing = append(missing, "terraform not found (install Terraform >= 1.10)")
	}
	if tc.Mirror = findMirror(); tc.Mirror == "" {
		missing = append(missing, fmt.Sprintf("no hashicorp/aws provider mirror (set %s to the folder holding registry.terraform.io; looked in %s)", tfcli.MirrorEnv, tfcli.MirrorPlacesText()))
	}
	return tc, missing
}

// findMirror returns the provider mirror root: TF_PLUGIN_MIRROR, then the
// filesystem_mirror of the CLI configuration in TF_CLI_CONFIG_FILE (what
// make test writes), then the places the operator verbs look in
// (tfcli.MirrorPlaces).
func findMirror() string {
	if m := os.Getenv(tfcli.MirrorEnv); m != "" {
		return m
	}
	if cfg := os.Getenv("TF_CLI_CONFIG_FILE"); cfg != "" {
		if data, err := os.ReadFile(cfg); err == nil {
			for _, m := range mirrorPathRE.FindAllStringSubmatch(string(data), -1) {
				found, _ := filepath.Glob(filepath.Join(m[1], "registry.terraform.io", "hashicorp", "aws", "5.*", platformDir(), "terraform-provider-aws_*"))
				if len(found) > 0 {
					return m[1]
				}
			}
		}
	}
	return tfcli.FindMirror()
}

// mirrorPathRE finds `path = "..."` inside a filesystem_mirror block of a CLI configuration.
var mirrorPathRE = regexp.MustCompile(`filesystem_mirror\s*\{[^}]*?path\s*=\s*"([^"]+)"`)

// platformDir is the mirror folder of this platform's provider builds, such as linux_amd64.
func platformDir() string { return runtime.GOOS + "_" + runtime.GOARCH }
