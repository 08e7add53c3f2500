// Command mpc-ops runs the operator verbs of the Makefile on synthesized
// stacks: Terraform in dependency order, layer by layer, and the AWS API
// emulator. It does not link cdktf, so it starts in milliseconds; the
// Makefile synthesizes first (go run .).
//
//	mpc-ops plan|apply|output|destroy|unprotect ENV [-layers aws|cluster|all] [-party NAME] [-auto-approve] [-parallel N]
//	mpc-ops emulator start [ENV]   start moto_server, create ENV's fixture, print the export line
//	mpc-ops emulator stop
//	mpc-ops mirror                 print the Terraform provider mirror in use
//	mpc-ops tf-env                 print the export lines of the project's Terraform settings
package main

import (
	"fmt"
	"github.com/mpc-mesh/infra/internal/tfcli"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		return usage()
	}
	switch args[0] {
	case "mirror":
		m := tfcli.FindMirror()
		if m == "" {
			fmt.Fprintf(os.Stderr, "no Terraform provider mirror holding hashicorp/aws: set %s to the folder holding registry.terraform.io (looked in %s)\n", tfcli.MirrorEnv, tfcli.MirrorPlacesText())
			return 1
		}
		fmt.Println(m)
		return 0
	case "emulator":
		return emulatorCmd(args[1:])
	case "tf-env":
		printTerraformEnv()
		return 0
	case "plan", "apply", "output", "destroy", "unprotect":
		return verbCmd(args[0], args[1:])
	}
	return usage()
}

func usage() int {
	fmt.Fprintln(os.Stderr, "usage: mpc-ops plan|apply|output|destroy|unprotect ENV [-layers aws|cluster|all] [-party NAME] [-auto-approve] | emulator start [ENV] | emulator stop | mirror")
	return 2
}

func fail(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "error: "+format+"\n", a...)
	return 1
}

// terraformEnv are the settings the Makefile gives every Terraform run: the
// project's CLI configuration, and the mirror for `terraform providers
// lock`, which the cdktf CLI runs and which ignores the configuration's
// mirror; and no version check against the network (the cdktf CLI makes
// one unless CHECKPOINT_DISABLE is set).
var terraformEnv = []string{"TF_CLI_CONFIG_FILE", "TF_CLI_ARGS_providers_lock", "CHECKPOINT_DISABLE"}

// printTerraformEnv prints export lines for the Terraform settings of this
// process's environment (the Makefile's), so that terraform and npx cdktf
// run by hand in a shell use them too.
func printTerraformEnv() {
	for _, k := range terraformEnv {
		if v := os.Getenv(k); v != "" {
			fmt.Printf("export %s=%s\n", k, v)
		}
	}
}
