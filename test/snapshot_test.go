package test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// snapshotDir holds one golden file per synthesized stack. Regenerate with
// `make snapshots` (UPDATE_SNAPSHOTS=1) and review the diff like code.
const snapshotDir = "snapshots"

func TestSnapshots(t *testing.T) {
	update := os.Getenv("UPDATE_SNAPSHOTS") == "1"
	if update {
		if err := os.RemoveAll(snapshotDir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(snapshotDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	produced := map[string]bool{}
	for _, name := range stackNames() {
		file := filepath.Join(snapshotDir, name+".json")
		produced[file] = true
		got := app.raw[name]
		if update {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s: no snapshot (%v); run `make snapshots` and review the new file", name, err)
			continue
		}
		if !bytes.Equal(want, got) {
			t.Errorf("%s differs from %s; if the change is intended run `make snapshots` and review the diff:\n%s", name, file, lineDiff(string(want), string(got)))
		}
	}
	stale, _ := filepath.Glob(filepath.Join(snapshotDir, "*.json"))
	for _, f := range stale {
		if !produced[f] {
			t.Errorf("%s has no stack any more; run `make snapshots`", f)
		}
	}
}

func TestSnapshotsHoldNoMachinePaths(t *testing.T) {
	home, _ := os.UserHomeDir()
	wd, _ := os.Getwd()
	for _, name := range stackNames() {
		s := string(app.raw[name])
		for _, p := range []string{wd, home, os.TempDir(), app.outdir} {
			if p != "" && p != "/" && strings.Contains(s, p) {
				t.Errorf("%s contains the machine path %s", name, p)
			}
		}
	}
}

// lineDiff shows the differing middle of two texts after their common
// prefix and suffix, with line numbers, bounded to keep failures readable.
func lineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var sb strings.Builder
	const limit = 30
	for i, l := range a[pre : len(a)-suf] {
		if i == limit {
			sb.WriteString("  ...\n")
			break
		}
		fmt.Fprintf(&sb, "- %5d %s\n", pre+i+1, l)
	}
	for i, l := range b[pre : len(b)-suf] {
		if i == limit {
			sb.WriteString("  ...\n")
			break
		}
		fmt.Fprintf(&sb, "+ %5d %s\n", pre+i+1, l)
	}
	return sb.String()
}
