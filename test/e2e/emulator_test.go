package e2e

import (
	"testing"

	"github.com/mpc-mesh/infra/internal/emulator"
)

// startEmulator starts moto_server on a free loopback port
// (internal/emulator) and stops it (its whole process group) when the test
// ends, whatever the outcome, or when the run is interrupted (TestMain). It
// also dies with this process (Pdeathsig), so a test binary killed by a
// timeout leaves no emulator.
func startEmulator(t *testing.T, tc toolchain, dir string) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(tc.Moto, dir, append(cleanEnv(),
		// The node role attaches AWS-managed policies (AmazonEKSWorkerNodePolicy, ...).
		"MOTO_IAM_LOAD_MANAGED_POLICIES=true",
	))
	if err != nil {
		t.Fatal(err)
	}
	unregister := interrupted.add(e.Stop)
	t.Cleanup(func() {
		unregister()
		e.Stop()
	})
	return e
}

// cleanEnv is the environment of every child process, without AWS
// credentials (emulator.CleanEnv).
func cleanEnv() []string { return emulator.CleanEnv() }
