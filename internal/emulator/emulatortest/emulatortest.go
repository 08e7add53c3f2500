// Package emulatortest starts the AWS emulator for a Go test: one
// moto_server per test, stopped when the test ends. Without moto_server the
// test is skipped with one line, unless MPC_E2E_REQUIRED=1 (as in CI) makes
// that a failure.
package emulatortest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/mpc-mesh/infra/internal/emulator"
)

// Start starts moto_server for t and returns it; it stops with the test.
func Start(t testing.TB) *emulator.Server {
	t.Helper()
	if _, err := exec.LookPath("moto_server"); err != nil {
		const msg = "moto_server not found (pip install 'moto[server]==5.2.1')"
		if os.Getenv("MPC_E2E_REQUIRED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + "; skipping the emulator test")
	}
	emu, err := emulator.Start(emulator.StartOptions{Log: filepath.Join(t.TempDir(), "moto.log")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Stop)
	return emu
}
