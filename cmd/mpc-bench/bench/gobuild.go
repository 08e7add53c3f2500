package bench

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// BuildResult is what compiling the app costs.
type BuildResult struct {
	// ColdSeconds is go build of the app with an empty GOCACHE (the module
	// cache is kept: downloads are not part of it), with the GOFLAGS of the
	// environment (make bench exports the Makefile's -trimpath).
	ColdSeconds float64 `json:"cold_seconds"`
	// WarmSeconds is the same build again, nothing changed.
	WarmSeconds float64 `json:"warm_seconds"`
	// GoRunSeconds is `go run . validate` with the usual GOCACHE, second
	// call: the toll of go run (cache lookup, link or cached binary) that
	// every cdktf synth/diff pays, with a config load that starts no Node.
	GoRunSeconds float64 `json:"go_run_validate_seconds"`
	// BinaryValidateSeconds is the built binary's `validate`, for comparison.
	BinaryValidateSeconds float64 `json:"binary_validate_seconds"`
	// Packages is the number of packages the app links.
	Packages int `json:"packages"`
}

// CacheResult says whether a warm build cache is hit from a checkout at
// another path (CI runners and worktrees check out at varying paths).
type CacheResult struct {
	// PlainColdSeconds is a cold build without -trimpath.
	PlainColdSeconds float64 `json:"plain_cold_seconds"`
	// RelocatedSeconds is go build in a copy of the module at another path
	// with the cache warmed by the original checkout, without -trimpath.
	RelocatedSeconds float64 `json:"relocated_seconds"`
	// TrimpathColdSeconds is a cold build with -trimpath.
	TrimpathColdSeconds float64 `json:"trimpath_cold_seconds"`
	// TrimpathRelocatedSeconds is the relocated build with -trimpath and
	// the cache the -trimpath build warmed.
	TrimpathRelocatedSeconds float64 `json:"trimpath_relocated_seconds"`
}

// goCmd runs the go command in the repository with extra environment and
// returns its wall time.
func (w *workspace) goCmd(env []string, args ...string) (float64, error) {
	return w.goCmdIn(w.opts.Repo, env, args...)
}

func (w *workspace) goCmdIn(dir string, env []string, args ...string) (float64, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(benchEnv(), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	secs := time.Since(start).Seconds()
	if err != nil {
		return secs, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, tail(string(out), 3000))
	}
	return secs, nil
}

// coldCache is the GOCACHE of the cold and warm builds.
func (w *workspace) coldCache() string { return filepath.Join(w.tmp, "gocache-cold") }

// goBuild times a cold and a warm build of the app and the toll of go run.
func (w *workspace) goBuild() (*BuildResult, error) {
	r := &BuildResult{}
	bin := filepath.Join(w.tmp, "bin", "build-app")
	cache := []string{"GOCACHE=" + w.coldCache()}
	var err error
	w.logf("go build, cold (empty GOCACHE; takes minutes)")
	if r.ColdSeconds, err = w.goCmd(cache, "build", "-o", bin, "."); err != nil {
		return nil, err
	}
	w.logf("go build, warm")
	if r.WarmSeconds, err = w.goCmd(cache, "build", "-o", bin, "."); err != nil {
		return nil, err
	}
	w.logf("go run . validate")
	validateEnv := []string{"MPC_CONFIG_DIR=" + filepath.Join(w.opts.Repo, "config", "environments")}
	if _, err = w.goCmd(validateEnv, "run", ".", "validate"); err != nil {
		return nil, err
	}
	if r.GoRunSeconds, err = w.goCmd(validateEnv, "run", ".", "validate"); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "validate")
	cmd.Dir, cmd.Env = w.opts.Repo, append(benchEnv(), validateEnv...)
	s, err := measure(cmd)
	if err != nil {
		return nil, err
	}
	r.BinaryValidateSeconds = s.Seconds
	out, err := exec.Command("go", "list", "-C", w.opts.Repo, "-deps", ".").Output()
	if err == nil {
		r.Packages = len(strings.Fields(string(out)))
	}
	return r, nil
}

// cacheExperiment builds a copy of the module at another path with the
// warm cache, without and with -trimpath.
func (w *workspace) cacheExperiment() (*CacheResult, error) {
	r := &CacheResult{}
	moved := filepath.Join(w.tmp, "relocated", "infra")
	w.logf("copy the module to %s", moved)
	if err := copyModule(w.opts.Repo, moved); err != nil {
		return nil, err
	}
	bin := filepath.Join(w.tmp, "bin", "cache-app")
	// Its own cache, and GOFLAGS cleared: make exports GOFLAGS=-trimpath.
	plain := []string{"GOCACHE=" + filepath.Join(w.tmp, "gocache-plain"), "GOFLAGS="}
	var err error
	w.logf("go build without -trimpath, cold (for the relocation test)")
	if r.PlainColdSeconds, err = w.goCmd(plain, "build", "-o", bin, "."); err != nil {
		return nil, err
	}
	w.logf("go build at the other path, warm cache, no -trimpath")
	if r.RelocatedSeconds, err = w.goCmdIn(moved, plain, "build", "-o", bin, "."); err != nil {
		return nil, err
	}
	trim := []string{"GOCACHE=" + filepath.Join(w.tmp, "gocache-trimpath"), "GOFLAGS="}
	w.logf("go build -trimpath, cold")
	if r.TrimpathColdSeconds, err = w.goCmd(trim, "build", "-trimpath", "-o", bin, "."); err != nil {
		return nil, err
	}
	w.logf("go build -trimpath at the other path, warm cache")
	if r.TrimpathRelocatedSeconds, err = w.goCmdIn(moved, trim, "build", "-trimpath", "-o", bin, "."); err != nil {
		return nil, err
	}
	return r, nil
}

// copyModule copies the Go sources, go.mod/go.sum, configs and generated
// bindings of the module (not node_modules, .git or outputs) to dst.
func copyModule(src, dst string) error {
	skip := map[string]bool{".git": true, "node_modules": true, "cdktf.out": true, "terraform-state": true, "reports": true, ".cache": true}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if skip[rel] || strings.HasPrefix(rel, "cdktf.out") || d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
}
