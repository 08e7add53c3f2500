package test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/mpc-mesh/infra/cmd/mpc-render/chartcheck"
	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/kmscore"
	"github.com/mpc-mesh/infra/internal/release"
)

// kmsCoreChart loads the real kms-core chart: the folder MPC_KMS_CORE_CHART
// names, or the copy beside the project. Without it the test is skipped with
// one line, unless MPC_CHART_REQUIRED is set (as in CI).
func kmsCoreChart(t *testing.T) *chart.Chart {
	t.Helper()
	ch, dir, err := loadKmsCoreChart()
	if ch == nil && err == nil {
		if os.Getenv("MPC_CHART_REQUIRED") != "" {
			t.Fatalf("the kms-core chart is required (MPC_CHART_REQUIRED) but %s is missing; set MPC_KMS_CORE_CHART", dir)
		}
		t.Skipf("no kms-core chart at %s; set MPC_KMS_CORE_CHART to run the chart contract", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// loadKmsCoreChart loads the chart kmsCoreChart names; nil and no error
// when the folder is missing, with the folder looked for.
func loadKmsCoreChart() (*chart.Chart, string, error) {
	dir := os.Getenv("MPC_KMS_CORE_CHART")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "charts", "kms-core-"+kmscore.Version)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, dir, nil
	}
	ch, err := release.LoadChart(dir)
	return ch, dir, err
}

// environmentStacks are the synthesized stacks of one example environment.
func environmentStacks(env string) release.Stacks {
	st := release.Stacks{}
	for name, doc := range app.docs {
		if strings.HasPrefix(name, env+"-") {
			st[name] = doc
		}
	}
	return st
}

// TestReleasesMeetTheChartContract renders the real chart with the values
// of every cluster stack of every example environment and checks the
// rendered objects: one kms-core pod per party with the party's id, the
// pinned enclave image sized like the node's allocator, the vaults and the
// attested key wired through the ConfigMap, every peer once, peer TLS, the
// IRSA service account, and enclave-node scheduling; and that every value
// the release sets is a value of the chart.
func TestReleasesMeetTheChartContract(t *testing.T) {
	ch := kmsCoreChart(t)
	parties := 0
	for _, env := range app.cfg.Environments {
		st := environmentStacks(env.Name)
		for _, p := range env.ManagedParties() {
			parties++
			rel, r, failures, err := chartcheck.Party(env, p, st, ch)
			if err != nil {
				t.Fatalf("%s/%s: %v", env.Name, p.Name, err)
			}
			for _, f := range failures {
				t.Errorf("%s: %s", rel.Stack, f)
			}
			if sets := r.Find("StatefulSet"); len(sets) != 1 {
				t.Errorf("%s: %d StatefulSets rendered, want 1", rel.Stack, len(sets))
			}
		}
	}
	if want := len(managedParties()); parties != want || parties == 0 {
		t.Fatalf("checked %d releases, the examples manage %d parties", parties, want)
	}
}

// TestChartContractCatchesBrokenReleases proves the contract can fail: each
// override below breaks one property of a real release (the ones the
// kms-service era values got wrong among them) and must be reported.
func TestChartContractCatchesBrokenReleases(t *testing.T) {
	ch := kmsCoreChart(t)
	env := app.cfg.Environment("kubeip-demo")
	p := env.ManagedParties()[0]
	st := environmentStacks(env.Name)
	rel, err := release.ReleaseOf(st, env.StackName(p, config.LayerCluster))
	if err != nil {
		t.Fatal(err)
	}
	post, err := rel.PostRenderer()
	if err != nil || post == nil {
		t.Fatalf("the KubeIP release has no host-port post-renderer (%v)", err)
	}
	for _, tc := range []struct {
		override, want string
		skipPost       bool
	}{
		{override: "", want: "is not bound on the node", skipPost: true},
		{override: "kmsPeers: {count: 5}", want: "StatefulSet replicas"},
		{override: "kmsPeers: {id: 2}", want: "first ordinal"},
		{override: "kmsCore: {image: {tag: latest}}", want: "is not pinned"},
		{override: "kmsCore: {image: {name: hub.zama.org/ghcr/zama-ai/kms/core-service}}", want: "kms-core image"},
		{override: "kmsCore: {nitroEnclave: {enabled: false}}", want: "not the enclave variant", skipPost: true},
		{override: "kmsCore: {nitroEnclave: {cpuCount: 48, memoryGiB: 96}}", want: "enclave CPUs requested"},
		{override: "kmsCore: {privateVault: {s3: {enabled: false}}}", want: "[private_vault.storage.s3]"},
		{override: "kmsCore: {privateVault: {awskms: {enabled: false}}}", want: "is read by no container"},
		{override: "kmsCore: {thresholdMode: {thresholdValue: 4}}", want: "threshold t"},
		{override: "kmsCore: {thresholdMode: {peersList: [{id: 1, host: 192.0.2.1, port: 50001}]}}", want: "lists 1 peers"},
		{override: "kmsCore: {thresholdMode: {tls: {enabled: false}}}", want: "peer TLS"},
		{override: "kmsCore: {serviceAccountName: default}", want: "service account"},
		{override: "kmsCore: {envFrom: {configmap: {name: other}}}", want: "not the party's"},
		{override: "kmsCore: {nodeSelector: {kubernetes.io/os: linux}}", want: "not a label of the enclave node group"},
		{override: "kmsCore: {tolerations: []}", want: "is not tolerated"},
		{override: "kmsCore: {hostPort: true}", want: "value kmsCore.hostPort is not a value"},
		// kubeip-demo keeps no backup: a backup vault switched on by hand is caught.
		{override: "kmsCore: {backupVault: {s3: {enabled: true}}}", want: "but the party keeps no backup vault"},
	} {
		docs := append(slices.Clone(rel.Values), tc.override)
		render := post
		if tc.skipPost {
			render = nil
		}
		r, err := release.Render(ch, rel.Name, rel.Namespace, docs, render)
		if err != nil {
			t.Fatalf("%s: %v", tc.override, err)
		}
		failures := chartcheck.Check(rel, r, chartcheck.Expect(env, p, st))
		unknown, err := release.UnknownValues(ch, docs)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range unknown {
			failures = append(failures, "value "+u+" is not a value of the chart")
		}
		if !slices.ContainsFunc(failures, func(f string) bool { return strings.Contains(f, tc.want) }) {
			t.Errorf("override %q: no failure mentions %q; got %q", tc.override, tc.want, failures)
		}
	}
}

// TestChartContractCatchesBrokenBackup proves the backup half of the
// contract can fail, on the example party that keeps a backup (local/alice):
// each override turns one part of the backup vault off or points it
// elsewhere, and must be reported.
func TestChartContractCatchesBrokenBackup(t *testing.T) {
	ch := kmsCoreChart(t)
	env := app.cfg.Environment("local")
	var p *config.Party
	for _, q := range env.ManagedParties() {
		if q.Managed.Backup.On() {
			p = q
			break
		}
	}
	if p == nil {
		t.Fatal("no party of local keeps a backup vault; the end-to-end test and this one need one")
	}
	st := environmentStacks(env.Name)
	rel, err := release.ReleaseOf(st, env.StackName(p, config.LayerCluster))
	if err != nil {
		t.Fatal(err)
	}
	r, err := release.Render(ch, rel.Name, rel.Namespace, rel.Values, nil)
	if err != nil {
		t.Fatal(err)
	}
	if failures := chartcheck.Check(rel, r, chartcheck.Expect(env, p, st)); len(failures) > 0 {
		t.Fatalf("the release as synthesized fails the contract: %q", failures)
	}
	for _, tc := range []struct{ override, want string }{
		{"kmsCore: {backupVault: {s3: {enabled: false}}}", "[backup_vault.storage.s3]"},
		{"kmsCore: {backupVault: {awskms: {enabled: false}}}", "[backup_vault.keychain.aws_kms]"},
		{"kmsCore: {backupVault: {s3: {prefix: \"\"}}}", "has no prefix"},
		{"kmsCore: {envFrom: {configmap: {key: {backupVaultStorageBucket: OTHER}}}}", "KMS_CORE__BACKUP_VAULT__STORAGE__S3__BUCKET is read by no container"},
	} {
		docs := append(slices.Clone(rel.Values), tc.override)
		r, err := release.Render(ch, rel.Name, rel.Namespace, docs, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.override, err)
		}
		failures := chartcheck.Check(rel, r, chartcheck.Expect(env, p, st))
		if !slices.ContainsFunc(failures, func(f string) bool { return strings.Contains(f, tc.want) }) {
			t.Errorf("override %q: no failure mentions %q; got %q", tc.override, tc.want, failures)
		}
	}
}

// TestChartValuePathsAreTheChartsOwn keeps the value paths the app checks
// operators' helm.values against equal to those of the chart it renders.
func TestChartValuePathsAreTheChartsOwn(t *testing.T) {
	ch := kmsCoreChart(t)
	got, want := kmscore.KnownPaths(), release.ChartPaths(ch)
	if !slices.Equal(got, want) {
		t.Errorf("kmscore's value paths differ from chart %s %s:\nonly in kmscore: %v\nonly in the chart: %v",
			ch.Name(), ch.Metadata.Version, minus(got, want), minus(want, got))
	}
	if ch.Metadata.Version != kmscore.Version {
		t.Errorf("chart version %s, kmscore is written for %s", ch.Metadata.Version, kmscore.Version)
	}
}

func minus(a, b []string) []string {
	var res []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			res = append(res, x)
		}
	}
	return res
}

// managedParties lists env/party of every managed party of the examples.
func managedParties() []string {
	var res []string
	for _, env := range app.cfg.Environments {
		for _, p := range env.ManagedParties() {
			res = append(res, env.Name+"/"+p.Name)
		}
	}
	return res
}
