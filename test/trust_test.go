package test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/constructs/trustsync"
	"github.com/mpc-mesh/infra/internal/trust"
)

// TestTrustSyncPlanReadsManagedPeersFromTheirPartyStacks checks that a
// managed peer's public vault reaches the sync plan through a cross-stack
// reference to the peer's party stack (no hand-copied value), an external
// peer's from its public_vault, and that a peer with sync_ca: false and the
// party itself are not synced.
func TestTrustSyncPlanReadsManagedPeersFromTheirPartyStacks(t *testing.T) {
	e := env(t, "kubeip-demo")
	alice, err := e.ManagedParty("alice")
	if err != nil {
		t.Fatal(err)
	}
	stack := e.StackName(alice, config.LayerCluster)
	var raw string
	for name, cm := range resources(stack, "kubernetes_config_map_v1") {
		if strings.HasPrefix(name, "trust-sync") {
			raw, _ = cm["data"].(map[string]any)[trustsync.PlanKey].(string)
		}
	}
	var plan trust.Plan
	if err := json.Unmarshal([]byte(raw), &plan); err != nil {
		t.Fatalf("%s: no trust sync plan: %v (%q)", stack, err, raw)
	}
	got := map[int]trust.Vault{}
	for _, v := range plan.Peers {
		got[v.PartyID] = v
	}
	for _, q := range e.Peers(alice) {
		v, synced := got[q.ID]
		switch {
		case !*q.SyncCA:
			if synced {
				t.Errorf("%s syncs %s, whose sync_ca is false", stack, q.Name)
			}
		case q.Managed != nil:
			if !synced || !strings.Contains(v.Bucket, remoteRef(e.StackName(q, config.LayerParty))) || v.Region != q.Region {
				t.Errorf("%s: %s's vault %+v is not read from %s", stack, q.Name, v, e.StackName(q, config.LayerParty))
			}
		default:
			if !synced || v.Bucket != q.External.PublicVault.Bucket || v.Region != q.External.PublicVault.Region {
				t.Errorf("%s: external %s's vault %+v, want its public_vault %+v", stack, q.Name, v, *q.External.PublicVault)
			}
		}
	}
	if _, self := got[alice.ID]; self {
		t.Errorf("%s syncs its own certificate", stack)
	}
	// Only parties that enable the sync get the CronJob and its role.
	for _, p := range e.ManagedParties() {
		jobs := len(resources(e.StackName(p, config.LayerCluster), "kubernetes_cron_job_v1"))
		roles := 0
		for name := range resources(e.StackName(p, config.LayerParty), "aws_iam_role") {
			if strings.HasPrefix(name, "trust-sync-role") {
				roles++
			}
		}
		want := boolInt(p.Managed.TrustSync.Enabled)
		if jobs != want || roles != want {
			t.Errorf("%s: %d sync CronJobs and %d sync roles, want %d", p.Name, jobs, roles, want)
		}
	}
}

// TestPublicVaultsListOnlyTheMeshCAPrefixes checks every party stack's
// public bucket policy: anonymous listing exactly under the CA prefix of
// every party of the file.
func TestPublicVaultsListOnlyTheMeshCAPrefixes(t *testing.T) {
	for _, e := range app.cfg.Environments {
		var want []string
		for _, q := range e.Parties {
			want = append(want, trust.CAPrefix(q.ID))
		}
		sort.Strings(want) // strs sorts too
		for _, p := range e.ManagedParties() {
			stack := e.StackName(p, config.LayerParty)
			found := false
			for name, pol := range resources(stack, "aws_s3_bucket_policy") {
				var doc struct {
					Statement []struct {
						Sid       string
						Action    []string
						Condition map[string]map[string]any
					}
				}
				if err := json.Unmarshal([]byte(pol["policy"].(string)), &doc); err != nil {
					t.Fatalf("%s %s: %v", stack, name, err)
				}
				for _, s := range doc.Statement {
					if strings.Join(s.Action, ",") != "s3:ListBucket" {
						continue
					}
					found = true
					if !strings.HasPrefix(name, "vault_public-") || strings.Join(strs(s.Condition["StringEquals"]["s3:prefix"]), ",") != strings.Join(want, ",") || len(s.Condition) != 1 {
						t.Errorf("%s %s: listing %+v, want the public bucket under %v only", stack, name, s, want)
					}
				}
			}
			if !found {
				t.Errorf("%s: the public vault cannot be listed under the CA prefixes", stack)
			}
		}
	}
}
