package e2e

import (
	"path/filepath"
	"testing"

	"github.com/mpc-mesh/infra/internal/emulator"
	"github.com/mpc-mesh/infra/internal/proc"
)

// startEmulator starts moto_server on a free loopback port (package
// internal/emulator, as make emulator does) and stops it when the test ends,
// whatever the outcome, or when the run is interrupted (TestMain). It also
// dies with this process, so a test binary killed by a timeout leaves no
// emulator.
func startEmulator(t *testing.T, tc toolchain, dir string) *emulator.Server {
	t.Helper()
	e, err := emulator.Start(emulator.StartOptions{Python: tc.Python, Log: filepath.Join(dir, "moto.log")})
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

// cleanEnv is the environment of every child process (emulator.CleanEnv):
// no AWS credentials, no instance metadata.
func cleanEnv() []string { return emulator.CleanEnv() }

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string { return proc.LastLines(s, n) }
