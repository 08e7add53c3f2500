// Package tfcli holds what the operator verbs and the end-to-end test share
// about running Terraform here: where the provider mirror is, and how to
// read the cause of a failure out of Terraform's output.
package tfcli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// MirrorEnv names the setting that chooses the Terraform provider mirror:
// the folder holding registry.terraform.io/hashicorp/aws/<version>/<os_arch>.
// The Makefile writes it into the project's Terraform CLI configuration and
// gives it to `terraform providers lock`.
const MirrorEnv = "TF_PLUGIN_MIRROR"

// MirrorPlaces are where a mirror is looked for when TF_PLUGIN_MIRROR is
// unset, first match wins: the folder this project's machines are provisioned
// with, then Terraform's own implied local mirror folders.
func MirrorPlaces() []string {
	home, _ := os.UserHomeDir()
	return []string{
		"/opt/tf-plugins",
		filepath.Join(home, ".terraform.d", "plugins"),
		filepath.Join(home, ".local", "share", "terraform", "plugins"),
		"/usr/local/share/terraform/plugins",
		"/usr/share/terraform/plugins",
	}
}

// MirrorPlacesText lists MirrorPlaces for messages.
func MirrorPlacesText() string { return strings.Join(MirrorPlaces(), ", ") }

// FindMirror returns TF_PLUGIN_MIRROR when set (whatever it holds: an
// explicit choice is not second-guessed), else the first of MirrorPlaces
// holding hashicorp/aws for this platform, else "".
func FindMirror() string {
	if m := os.Getenv(MirrorEnv); m != "" {
		return m
	}
	for _, dir := range MirrorPlaces() {
		found, _ := filepath.Glob(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws", "*", runtime.GOOS+"_"+runtime.GOARCH, "terraform-provider-aws_*"))
		if len(found) > 0 {
			return dir
		}
	}
	return ""
}
