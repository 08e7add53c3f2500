// Package badinput holds the corpus of broken and hostile environment files.
// Each case folder has one environment file and expect.txt, whose lines must
// all appear in the error output, except lines starting with "not: ", whose
// rest must not appear anywhere in it (a value that must not be echoed, an
// error that must not cascade). Every case must be rejected as a whole:
// non-zero exit, a message naming the file and the field, and no output.
package badinput

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/config"
)

func cases(t *testing.T) []string {
	dirs, err := filepath.Glob("cases/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases found: %v", err)
	}
	return dirs
}

// notPrefix starts an expect.txt line whose rest must be absent from the output.
const notPrefix = "not: "

// expectations returns the lines of a case's expect.txt that must appear in
// the output and those that must not.
func expectations(t *testing.T, dir string) (want, absent []string) {
	data, err := os.ReadFile(filepath.Join(dir, "expect.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		switch {
		case l == "":
		case strings.HasPrefix(l, notPrefix):
			absent = append(absent, strings.TrimPrefix(l, notPrefix))
		default:
			want = append(want, l)
		}
	}
	return want, absent
}

// checkOutput reports every expected line missing from out and every
// forbidden one present.
func checkOutput(t *testing.T, dir, out string) {
	t.Helper()
	want, absent := expectations(t, dir)
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q\ngot:\n%s", w, out)
		}
	}
	for _, a := range absent {
		if strings.Contains(out, a) {
			t.Errorf("output holds %q, which it must not\ngot:\n%s", a, out)
		}
	}
}

func TestEveryCaseIsRejectedWithItsMessage(t *testing.T) {
	for _, dir := range cases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			_, err := config.Load(dir, nil)
			var errs config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("want config.Errors, got %v", err)
			}
			checkOutput(t, dir, err.Error())
			for _, e := range errs {
				if !strings.HasPrefix(e.File, dir) {
					t.Errorf("error does not name the file: %v", e)
				}
				if e.Fix == "" {
					t.Errorf("error names no fix: %v", e)
				}
				if e.Path == "" && e.Line == 0 && !strings.Contains(e.Problem, "empty") && !strings.Contains(e.Problem, "larger") && !strings.Contains(e.Problem, "document") && !strings.Contains(e.Problem, "YAML") && !strings.Contains(e.Problem, "regular file") {
					t.Errorf("error names neither a field nor a line: %v", e)
				}
			}
		})
	}
}

func TestAllErrorsAreReportedAtOnce(t *testing.T) {
	_, err := config.Load("cases/many-errors", nil)
	var errs config.Errors
	if !errors.As(err, &errs) || len(errs) < 5 {
		t.Fatalf("want at least the 5 planted errors in one run, got %v", err)
	}
}

func TestOversizedFileIsRefusedBeforeParsing(t *testing.T) {
	dir := t.TempDir()
	big := "name: demo\ntags:\n" + strings.Repeat("  k: "+strings.Repeat("v", 60)+"\n", config.MaxFileBytes/60)
	if err := os.WriteFile(filepath.Join(dir, "demo.yaml"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(dir, nil)
	if err == nil || !strings.Contains(err.Error(), "file is larger than 256 KiB") {
		t.Fatalf("want the size limit error, got %v", err)
	}
}

// TestBinaryExitsNonZeroAndWritesNothing runs the real program on broken
// configurations and checks the exit status, the message and that no synth
// output appeared.
func TestBinaryExitsNonZeroAndWritesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the app")
	}
	bin := filepath.Join(t.TempDir(), "mpc-mesh")
	build := exec.Command("go", "build", "-o", bin, "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, rel := range cases(t) {
		name := filepath.Base(rel)
		t.Run(name, func(t *testing.T) {
			dir, _ := filepath.Abs(rel)
			work := t.TempDir()
			cmd := exec.Command(bin)
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "MPC_CONFIG_DIR="+dir, "CDKTF_OUTDIR="+filepath.Join(work, "cdktf.out"))
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("want a non-zero exit, got %v\n%s", err, out)
			}
			checkOutput(t, rel, string(out))
			if entries, _ := os.ReadDir(work); len(entries) != 0 {
				t.Errorf("the failed run wrote %v", entries)
			}
		})
	}
}
