package test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/config"
)

// snapshotDir holds the golden files of the kept stacks. Regenerate them
// with `make snapshots` (UPDATE_SNAPSHOTS=1) and review the diff like code.
const snapshotDir = "snapshots"

// keptParties are the parties whose four stacks each have a golden file,
// compared byte for byte with the synthesized stack.
//
// The rule: one managed party per strategy with all four of its stacks,
// plus every party whose stacks differ in kind from those (other resource
// or data source types, or other attributes set on them; not merely other
// names, ids, addresses or sizes). The managed parties of one environment
// mostly differ in those, so a snapshot of each would show every construct
// change once per party; every stack stays covered by the structural tests
// (mesh_test.go), which check each one against the configuration.
//
//   - kubeip-demo alice: the KubeIP strategy, a peer that is an external
//     KubeIP party (erin), the netcheck Job, peer TLS.
//   - local alice: the backup vault and its replica region, the KMS
//     connector's identity and transaction key, the CA certificate sync.
//   - local carol: the PrivateLink strategy among managed peers, the RDS
//     database, same-region endpoints (to alice and bob) and a cross-region
//     one (to dave); carol's endpoint service supports dave's region.
//   - zws-dev zws-threshold-2 and kms-dev-v1 kms-threshold-4: the two halves
//     of a mesh whose peers are external PrivateLink parties, across regions,
//     each with a named AWS profile and instance types.
//
// A party whose peers are all in another region, such as local dave, adds
// nothing in kind: carol's stacks and the zws-dev/kms-dev-v1 pair carry
// every cross-region attribute. TestKeptSnapshotsCoverEveryResourceType
// enforces the rule: a resource or data source type, or an attribute set on
// one, that appears in some synthesized example stack but in no kept stack
// fails it; keep one more party then.
var keptParties = map[string][]string{
	"kubeip-demo": {"alice"},
	"local":       {"alice", "carol"},
	"zws-dev":     {"zws-threshold-2"},
	"kms-dev-v1":  {"kms-threshold-4"},
}

// keptSnapshots returns the four stack names of every kept party, sorted,
// failing the test when keptParties names a party the examples lack.
func keptSnapshots(t *testing.T) []string {
	t.Helper()
	var res []string
	for envName, names := range keptParties {
		e := env(t, envName)
		for _, name := range names {
			i := slices.IndexFunc(e.Parties, func(p config.Party) bool { return p.Name == name && p.Managed != nil })
			if i < 0 {
				t.Fatalf("keptParties: %s has no managed party %s", envName, name)
			}
			for _, l := range config.Layers {
				res = append(res, e.StackName(&e.Parties[i], l))
			}
		}
	}
	sort.Strings(res)
	return res
}

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
	for _, name := range keptSnapshots(t) {
		file := filepath.Join(snapshotDir, name+".json")
		produced[file] = true
		got, ok := app.raw[name]
		if !ok {
			t.Errorf("kept stack %s was not synthesized", name)
			continue
		}
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
			t.Errorf("%s is not a kept snapshot; run `make snapshots`", f)
		}
	}
}

// TestKeptSnapshotsCoverEveryResourceType fails when a resource or data
// source type, or an attribute path set on one, appears in a synthesized
// example stack but in no kept snapshot: a construct change there would
// reach no golden file.
func TestKeptSnapshotsCoverEveryResourceType(t *testing.T) {
	covered := map[string]bool{}
	for _, name := range keptSnapshots(t) {
		for _, s := range shape(app.docs[name]) {
			covered[s] = true
		}
	}
	missing := map[string][]string{}
	for _, name := range stackNames() {
		for _, s := range shape(app.docs[name]) {
			if !covered[s] {
				missing[s] = append(missing[s], name)
			}
		}
	}
	for _, s := range keys(missing) {
		t.Errorf("%s appears in %v but in no kept snapshot; keep one of those parties in keptParties", s, missing[s])
	}
}

// shape lists what a stack is made of, regardless of names and values:
// "resource aws_eip", "data aws_subnets", and "resource aws_eip.tags.Name"
// for every attribute path (list elements as []) set on a resource or data
// source. Metadata keys ("//") are left out.
func shape(doc map[string]any) []string {
	seen := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if strings.HasPrefix(k, "//") {
					continue
				}
				seen[prefix+"."+k] = true
				walk(prefix+"."+k, x)
			}
		case []any:
			for _, x := range v {
				walk(prefix+"[]", x)
			}
		}
	}
	for _, kind := range []string{"resource", "data"} {
		byType, _ := doc[kind].(map[string]any)
		for typ, objs := range byType {
			seen[kind+" "+typ] = true
			byName, _ := objs.(map[string]any)
			for _, o := range byName {
				walk(kind+" "+typ, o)
			}
		}
	}
	return keys(seen)
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
