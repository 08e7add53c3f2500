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
// insecure cdktf.out behind. A jsii or construct panic becomes an error.
func Synthesize(cfg *config.Config, opts Options, outdir string) error {
	return synthesize(cfg, outdir, func(app cdktf.App) error { return Build(app, cfg, opts) })
}

// synthesize runs build on a new app writing to a temporary folder, then
// synthesizes, guards and moves the output into outdir.
func synthesize(cfg *config.Config, outdir string, build func(app cdktf.App) error) (err error) {
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
	return replaceDir(tmp, outdir)
}

// replaceDir moves src to dst, replacing whatever dst held.
func replaceDir(src, dst string) error {
	old := dst + ".old"
	os.RemoveAll(old)
	if err := os.Rename(dst, old); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("move the previous %s aside: %w", dst, err)
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("move the new output into %s: %w", dst, err)
	}
	return os.RemoveAll(old)
}
