package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/manifest"
)

// fixture is the synth output folder of internal/manifest's tests.
var fixture = filepath.Join("internal", "manifest", "testdata", "cdktf.out")

// listOut runs `list args` on the manifest fixture of internal/manifest
// (environments demo: alice, bob, carol; other: erin) and returns the exit
// status and what it printed.
func listOut(t *testing.T, args ...string) (int, string) {
	t.Helper()
	t.Setenv("CDKTF_OUTDIR", fixture)
	var out bytes.Buffer
	code := list(args, &out)
	return code, out.String()
}

// TestListOrders checks the orders the Makefile's loops rely on: apply
// order (make apply, plan, output), --reverse for make destroy, --aws for
// make validate, and --names for all of them.
func TestListOrders(t *testing.T) {
	// The order itself is internal/manifest's, tested there.
	m, err := manifest.Read(fixture)
	if err != nil {
		t.Fatal(err)
	}
	apply, err := m.Order("demo-")
	if err != nil {
		t.Fatal(err)
	}
	reverse := make([]string, len(apply))
	for i, n := range apply {
		reverse[len(apply)-1-i] = n
	}
	var aws []string
	for _, n := range apply {
		if !strings.HasSuffix(n, "-cluster") {
			aws = append(aws, n)
		}
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--names", "demo"}, apply},
		{[]string{"--names", "--reverse", "demo"}, reverse},
		{[]string{"--names", "--aws", "demo"}, aws},
		{[]string{"--names", "--aws", "--reverse", "other"}, []string{"other-erin-provider", "other-erin-party", "other-erin-consumer"}},
	} {
		code, out := listOut(t, tc.args...)
		if got := strings.Fields(out); code != 0 || strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("list %v: exit %d\n%s\nwant\n%s", tc.args, code, out, strings.Join(tc.want, "\n"))
		}
	}
	if code, out := listOut(t, "--names"); code != 0 || len(strings.Fields(out)) != len(apply)+4 {
		t.Errorf("list --names (every environment): exit %d, %d stacks, want %d:\n%s", code, len(strings.Fields(out)), len(apply)+4, out)
	}
}

// TestListShowsDependencies: without --names each line names what the stack
// depends on, "-" for nothing.
func TestListShowsDependencies(t *testing.T) {
	code, out := listOut(t, "other")
	want := "other-erin-consumer                           depends on: -\n" +
		"other-erin-party                              depends on: -\n" +
		"other-erin-provider                           depends on: -\n" +
		"other-erin-cluster                            depends on: other-erin-party, other-erin-provider, other-erin-consumer\n"
	if code != 0 || out != want {
		t.Errorf("list other: exit %d\n%s\nwant\n%s", code, out, want)
	}
}

// TestListUnknownEnvironment fails and prints nothing.
func TestListUnknownEnvironment(t *testing.T) {
	if code, out := listOut(t, "nosuch"); code != 1 || out != "" {
		t.Errorf("list nosuch: exit %d, output %q; want 1 and nothing", code, out)
	}
	if code, _ := listOut(t, "--bogus"); code != 2 {
		t.Errorf("list --bogus: exit %d, want 2", code)
	}
}
