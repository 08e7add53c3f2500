package stacks

import (
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readOrEmpty(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// A new synthesis replaces the stacks' configuration but keeps their
// Terraform working files, and removes other stacks' folders unless the
// cdktf CLI runs the app (the CLI removes those itself and fails on a
// folder that vanished under it).
func TestInstallKeepsTerraformFilesAndLeavesOrphansToTheCLI(t *testing.T) {
	for _, underCLI := range []bool{false, true} {
		dir := t.TempDir()
		dst, src := filepath.Join(dir, "cdktf.out"), filepath.Join(dir, "new")
		writeFile(t, filepath.Join(dst, "manifest.json"), "old")
		writeFile(t, filepath.Join(dst, "stacks", "a", "cdk.tf.json"), "old")
		writeFile(t, filepath.Join(dst, "stacks", "a", ".terraform.lock.hcl"), "lock")
		writeFile(t, filepath.Join(dst, "stacks", "a", ".terraform", "terraform.tfstate"), "backend")
		writeFile(t, filepath.Join(dst, "stacks", "a", "plan"), "stale plan")
		writeFile(t, filepath.Join(dst, "stacks", "other", "cdk.tf.json"), "other env")
		writeFile(t, filepath.Join(src, "manifest.json"), "new")
		writeFile(t, filepath.Join(src, "stacks", "a", "cdk.tf.json"), "new")
		writeFile(t, filepath.Join(src, "stacks", "b", "cdk.tf.json"), "new b")
		if underCLI {
			t.Setenv(cliContextEnv, "{}")
		} else {
			t.Setenv(cliContextEnv, "")
		}
		if err := install(src, dst, false); err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]string{
			"manifest.json":                         "new",
			"stacks/a/cdk.tf.json":                  "new",
			"stacks/a/.terraform.lock.hcl":          "lock",
			"stacks/a/.terraform/terraform.tfstate": "backend",
			"stacks/a/plan":                         "",
			"stacks/b/cdk.tf.json":                  "new b",
		} {
			if got := readOrEmpty(filepath.Join(dst, path)); got != want {
				t.Errorf("under CLI %v: %s = %q, want %q", underCLI, path, got, want)
			}
		}
		_, err := os.Stat(filepath.Join(dst, "stacks", "other"))
		if kept := err == nil; kept != underCLI {
			t.Errorf("under CLI %v: other environment's folder kept = %v", underCLI, kept)
		}
		if _, err := os.Stat(src); !os.IsNotExist(err) {
			t.Errorf("the temporary folder is left: %v", err)
		}
	}
}

// Against the emulator the recorded backend settings are dropped (its URL
// changes with every start); the providers and the lock file are kept.
func TestInstallForgetsTheEmulatorBackend(t *testing.T) {
	dir := t.TempDir()
	dst, src := filepath.Join(dir, "cdktf.out"), filepath.Join(dir, "new")
	writeFile(t, filepath.Join(dst, "stacks", "a", ".terraform", "terraform.tfstate"), "backend")
	writeFile(t, filepath.Join(dst, "stacks", "a", ".terraform", "providers", "p"), "provider")
	writeFile(t, filepath.Join(dst, "stacks", "a", ".terraform.lock.hcl"), "lock")
	writeFile(t, filepath.Join(src, "stacks", "a", "cdk.tf.json"), "new")
	if err := install(src, dst, true); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"stacks/a/.terraform/terraform.tfstate": "",
		"stacks/a/.terraform/providers/p":       "provider",
		"stacks/a/.terraform.lock.hcl":          "lock",
	} {
		if got := readOrEmpty(filepath.Join(dst, path)); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
}
