package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/config/prereq"
	"github.com/mpc-mesh/infra/internal/emulator"
)

// EmulatorDirEnv names the folder holding the emulator's pid, URL, log and
// fixture description (the Makefile passes its EMULATOR_DIR). Default:
// ~/.cache/mpc-mesh.
const EmulatorDirEnv = "MPC_EMULATOR_DIR"

// DefaultEmulatorEnv is the environment whose fixture `make emulator`
// creates when ENV is not given: the one written for the emulator.
const DefaultEmulatorEnv = "local"

func cacheDir() string {
	if d := os.Getenv(EmulatorDirEnv); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "mpc-mesh")
}

// emulatorFiles are the files describing the running emulator.
type emulatorFiles struct{ pid, url, envs, log string }

func files() emulatorFiles {
	d := cacheDir()
	return emulatorFiles{
		pid:  filepath.Join(d, "emulator.pid"),
		url:  filepath.Join(d, "emulator.url"),
		envs: filepath.Join(d, "emulator.envs"),
		log:  filepath.Join(d, "emulator.log"),
	}
}

func emulatorCmd(args []string) int {
	if len(args) == 0 {
		return usage()
	}
	switch args[0] {
	case "start":
		env := DefaultEmulatorEnv
		if len(args) > 1 && args[1] != "" {
			env = args[1]
		}
		return emulatorStart(env)
	case "stop":
		return emulatorStop()
	}
	return usage()
}

// running returns the URL and pid of the emulator a previous start left
// running, or "" when none answers.
func running(f emulatorFiles) (string, int) {
	pidText, err1 := os.ReadFile(f.pid)
	url, err2 := os.ReadFile(f.url)
	if err1 != nil || err2 != nil {
		return "", 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(pidText)))
	if err != nil || syscall.Kill(pid, 0) != nil || !emulator.Ready(strings.TrimSpace(string(url))) {
		return "", 0
	}
	return strings.TrimSpace(string(url)), pid
}

// emulatorStart starts moto_server unless one started here still runs,
// creates env's fixture in it unless done already, and prints the export
// line on stdout (everything else goes to stderr, so the output can be
// eval'ed).
func emulatorStart(envName string) int {
	f := files()
	if err := os.MkdirAll(filepath.Dir(f.pid), 0o755); err != nil {
		return fail("%v", err)
	}
	cfg, err := config.Load(configDir(), []string{envName})
	if err != nil {
		return fail("%v", err)
	}
	env := cfg.Environments[0]
	python, err := emulator.FindPython()
	if err != nil {
		return fail("%v", err)
	}
	url, pid := running(f)
	if url == "" {
		s, err := emulator.Start(emulator.StartOptions{Log: f.log, Detach: true})
		if err != nil {
			return fail("%v", err)
		}
		url, pid = s.URL, s.Pid
		os.Remove(f.envs)
		if err := errors.Join(
			os.WriteFile(f.pid, []byte(strconv.Itoa(pid)+"\n"), 0o644),
			os.WriteFile(f.url, []byte(url+"\n"), 0o644),
		); err != nil {
			s.Stop()
			return fail("%v", err)
		}
		fmt.Fprintf(os.Stderr, "emulator started at %s (pid %d, log %s)\n", url, pid, f.log)
	} else {
		fmt.Fprintf(os.Stderr, "emulator already running at %s (pid %d)\n", url, pid)
	}
	done, _ := os.ReadFile(f.envs)
	if slices.Contains(strings.Fields(string(done)), envName) {
		fmt.Fprintf(os.Stderr, "fixture of %s already created\n", envName)
	} else {
		api := emulator.API{Python: python, Endpoint: url}
		fix, err := prereq.Create(api, env)
		if err != nil {
			return fail("create the fixture of %s: %v", envName, err)
		}
		// What the fixture created (VPC and subnet ids, ...), for checks
		// of the deployed mesh (test/e2e reads it).
		if data, err := json.MarshalIndent(fix, "", " "); err == nil {
			os.WriteFile(FixtureFile(filepath.Dir(f.pid), envName), data, 0o644)
		}
		af, err := os.OpenFile(f.envs, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(af, envName)
			af.Close()
		}
		fmt.Fprintf(os.Stderr, "fixture of %s created: VPC, subnets, EKS cluster and OIDC provider of %d parties", envName, len(fix))
		if s3 := env.Backend.S3; s3 != nil {
			fmt.Fprintf(os.Stderr, "; state bucket %s", s3.Bucket)
		}
		fmt.Fprintln(os.Stderr)
	}
	fmt.Fprintln(os.Stderr, "point the verbs (and terraform or npx cdktf run by hand) at it in this shell with the lines below, or eval \"$(make -s emulator)\":")
	fmt.Printf("export %s=%s\n", emulator.URLEnv, url)
	printTerraformEnv()
	return 0
}

func emulatorStop() int {
	f := files()
	pidText, err := os.ReadFile(f.pid)
	if err != nil {
		fmt.Fprintln(os.Stderr, "no emulator was started here (no", f.pid+")")
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(pidText)))
	if err != nil {
		return fail("%s: %v", f.pid, err)
	}
	if syscall.Kill(pid, 0) == nil {
		if err := emulator.StopPid(pid); err != nil {
			return fail("stop the emulator (pid %d): %v", pid, err)
		}
		fmt.Fprintf(os.Stderr, "emulator stopped (pid %d); its resources and state are gone: unset %s\n", pid, emulator.URLEnv)
	} else {
		fmt.Fprintf(os.Stderr, "emulator (pid %d) was not running\n", pid)
	}
	os.Remove(f.pid)
	os.Remove(f.url)
	os.Remove(f.envs)
	if old, _ := filepath.Glob(FixtureFile(filepath.Dir(f.pid), "*")); len(old) > 0 {
		for _, o := range old {
			os.Remove(o)
		}
	}
	return 0
}

// FixtureFile is where emulator start describes the fixture of env.
func FixtureFile(dir, env string) string {
	return filepath.Join(dir, "fixture-"+env+".json")
}

func configDir() string {
	if d := os.Getenv("MPC_CONFIG_DIR"); d != "" {
		return d
	}
	return config.DefaultDir
}
