package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDiagramOutFlagAfterEnvironment: flags may follow the environment
// name, and --out writes the same diagram as the committed one. zws-dev is
// used because the golden snapshots hold every one of its stacks.
func TestDiagramOutFlagAfterEnvironment(t *testing.T) {
	root := filepath.Join("..", "..")
	out := filepath.Join(t.TempDir(), "zws-dev.mmd")
	var stdout, stderr bytes.Buffer
	code := run([]string{"diagram", "--config", filepath.Join(root, "config", "environments"), "zws-dev",
		"--stacks", filepath.Join(root, "test", "snapshots"), "--out", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile(filepath.Join(root, "docs", "diagrams", "zws-dev.mmd"))
	if len(got) == 0 || !bytes.Equal(got, want) {
		t.Errorf("%s differs from docs/diagrams/zws-dev.mmd", out)
	}
}

// TestUsage: an unknown command fails with the usage.
func TestUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"render"}, &stdout, &stderr); code != 1 || !bytes.Contains(stderr.Bytes(), []byte("usage: mpc-docs")) {
		t.Errorf("exit %d, stderr %q; want 1 and the usage", code, stderr.String())
	}
}
