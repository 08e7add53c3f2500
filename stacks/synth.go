package stacks

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/config"
)

// DefaultOutdir is where stacks are synthesized when the cdktf CLI does not say otherwise.
const DefaultOutdir = "cdktf.out"

// Synthesize builds every stack of the given environments and writes them to
// outdir. Output is first written to a sibling temporary folder, checked by
// the security guard (see CheckOutput), and moved into place only when
// synthesis and the guard succeeded, so a failure never leaves a partial or
// insecure cdktf.out behind (see install for what is kept of the previous
// output). A jsii or construct panic becomes an error.
func Synthesize(cfg *config.Config, opts Options, outdir string) error {
	return synthesizeInto(cfg, outdir, opts.Emulator != nil, func(app cdktf.App) error { return Build(app, cfg, opts) })
}

// synthesize runs build on a new app and installs its output in outdir.
func synthesize(cfg *config.Config, outdir string, build func(app cdktf.App) error) error {
	return synthesizeInto(cfg, outdir, false, build)
}

// synthesizeInto runs build on a new app writing to a temporary folder, then
// synthesizes, guards and moves the output into outdir (see install for
// forgetBackend).
func synthesizeInto(cfg *config.Config, outdir string, forgetBackend bool, build func(app cdktf.App) error) (err error) {
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(outdir)), filepath.Base(outdir)+".tmp-")
	if err != nil {
		return fmt.Errorf("create a temporary output folder next to %s: %w", outdir, err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis failed: %v", r)
		}
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(tmp), SkipValidation: jsii.Bool(false)})
	if err = build(app); err != nil {
		return err
	}
	app.Synth()
	if err = CheckOutput(tmp, cfg); err != nil {
		return err
	}
	return install(tmp, outdir, forgetBackend)
}

// KeptInStackFolder are the Terraform working files of a stack folder that
// outlive a synthesis: the provider installation and backend settings
// (.terraform) and the dependency lock file. Without them every synthesis
// would force a new `terraform init`, and the cdktf CLI, finding no lock
// file, would run `terraform providers lock`, which asks the public
// registry even when the CLI configuration names a provider mirror.
var KeptInStackFolder = []string{".terraform", ".terraform.lock.hcl"}

// cliContextEnv is set by the cdktf CLI when it runs the app. The CLI lists
// the stack folders of its output folder before running the app and, after
// it, deletes those the app did not synthesize, failing on one that no
// longer exists; so under the CLI the app leaves that deletion to it.
const cliContextEnv = "CDKTF_CONTEXT_JSON"

// install moves the synthesized output in src into dst stack folder by
// stack folder, keeping KeptInStackFolder of stacks that already existed,
// then replaces the top-level files (manifest.json). Stack folders that
// this synthesis did not produce (another environment's, a removed party's)
// are deleted unless the cdktf CLI runs the app, which deletes them itself.
// src is removed.
//
// With forgetBackend, the backend settings Terraform recorded in
// .terraform/terraform.tfstate are dropped, so that the next init takes the
// backend as new. Against the emulator that is what is wanted: its URL
// changes with every start, and the state lives and dies with it, so there
// is nothing to migrate. Otherwise they are kept, and a changed backend
// stops `terraform init` until the operator chooses to migrate the state or
// not.
func install(src, dst string, forgetBackend bool) error {
	srcStacks, dstStacks := filepath.Join(src, "stacks"), filepath.Join(dst, "stacks")
	if err := os.MkdirAll(dstStacks, 0o755); err != nil {
		return err
	}
	made := map[string]bool{}
	entries, err := os.ReadDir(srcStacks)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		made[name] = true
		newDir, oldDir := filepath.Join(srcStacks, name), filepath.Join(dstStacks, name)
		for _, keep := range KeptInStackFolder {
			if err := os.Rename(filepath.Join(oldDir, keep), filepath.Join(newDir, keep)); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("keep %s of stack %s: %w", keep, name, err)
			}
		}
		if forgetBackend {
			if err := os.Remove(filepath.Join(newDir, ".terraform", "terraform.tfstate")); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
		if err := os.RemoveAll(oldDir); err != nil {
			return fmt.Errorf("remove the previous output of stack %s: %w", name, err)
		}
		if err := os.Rename(newDir, oldDir); err != nil {
			return fmt.Errorf("move the new output of stack %s into place: %w", name, err)
		}
	}
	if os.Getenv(cliContextEnv) == "" {
		old, err := os.ReadDir(dstStacks)
		if err != nil {
			return err
		}
		for _, e := range old {
			if !made[e.Name()] {
				if err := os.RemoveAll(filepath.Join(dstStacks, e.Name())); err != nil {
					return err
				}
			}
		}
	}
	top, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range top {
		if e.Name() == "stacks" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dst, e.Name())); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return fmt.Errorf("move %s into %s: %w", e.Name(), dst, err)
		}
	}
	return os.RemoveAll(src)
}
