package stacks_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/stacks"
	"github.com/mpc-mesh/infra/test/synthtest"
)

// The emulator switch (MPC_AWS_ENDPOINT) points every AWS provider at the
// emulator for every service the stacks call, with dummy keys, and puts
// each party in its own emulated account by assuming a role there.
func TestEmulatorProviderPerParty(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", config.DefaultDir), []string{"kubeip-demo"})
	if err != nil {
		t.Fatal(err)
	}
	env := cfg.Environments[0]
	const url = "http://127.0.0.1:4566"
	app := cdktf.Testing_App(nil)
	for _, p := range env.ManagedParties() {
		b := stacks.NewBase(app, env, p, config.LayerParty, stacks.Options{Emulator: &stacks.Emulator{URL: url}})
		doc := synthtest.Synth(t, b.Stack)
		providers, _ := doc.Raw["provider"].(map[string]any)
		list, _ := providers["aws"].([]any)
		if len(list) != 1 {
			t.Fatalf("%s: provider.aws = %v, want one block", p.Name, providers["aws"])
		}
		aws := list[0].(map[string]any)
		endpoints := aws["endpoints"].([]any)[0].(map[string]any)
		for _, svc := range []string{"ec2", "elbv2", "s3", "iam", "kms", "eks", "rds", "sts", "route53", "secretsmanager"} {
			if endpoints[svc] != url {
				t.Errorf("%s: endpoints.%s = %v, want %s", p.Name, svc, endpoints[svc], url)
			}
		}
		role := aws["assume_role"].([]any)[0].(map[string]any)["role_arn"]
		if want := "arn:aws:iam::" + p.AccountID + ":role/" + stacks.EmulatorRoleName; role != want {
			t.Errorf("%s: assume_role.role_arn = %v, want %s (the party's own emulated account)", p.Name, role, want)
		}
		if aws["access_key"] != stacks.EmulatorAccessKey || aws["secret_key"] != stacks.EmulatorSecretKey {
			t.Errorf("%s: keys %v/%v, want the dummy emulator keys", p.Name, aws["access_key"], aws["secret_key"])
		}
		if aws["skip_credentials_validation"] != true || aws["skip_requesting_account_id"] != false || aws["skip_metadata_api_check"] != "true" || aws["s3_use_path_style"] != true {
			t.Errorf("%s: skip flags %v", p.Name, aws)
		}
		// The account guard holds against the emulator too; a profile
		// (bob has one in config) has no meaning there.
		if ids, _ := aws["allowed_account_ids"].([]any); len(ids) != 1 || ids[0] != p.AccountID {
			t.Errorf("%s: allowed_account_ids = %v, want [%s]", p.Name, aws["allowed_account_ids"], p.AccountID)
		}
		if _, ok := aws["profile"]; ok {
			t.Errorf("%s: provider sets a profile against the emulator", p.Name)
		}
	}
}

// stackJSON reads one synthesized stack as generic JSON.
func stackJSON(t *testing.T, out, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "stacks", name, "cdk.tf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// Against the emulator the S3 state backend, and the remote state data
// sources that read a peer's provider stack, go to the emulator with
// path-style addressing and no call to real AWS; use_lockfile stays on. With
// MPC_UNPROTECT naming a party, its NLB and database lose their deletion
// protection and the other parties keep theirs.
func TestEmulatorStateBackendAndUnprotect(t *testing.T) {
	cfg := examples(t, "local")
	env := cfg.Environments[0]
	if env.Backend.S3 == nil {
		t.Fatal("the local example has no backend.s3; this test needs one")
	}
	for _, p := range env.ManagedParties() {
		on := true
		p.Managed.PrivateLink.DeletionProtection = &on
		p.Managed.RDS.DeletionProtection = &on
	}
	const url = "http://127.0.0.1:4566"
	out := filepath.Join(t.TempDir(), "cdktf.out")
	if err := stacks.Synthesize(cfg, stacks.Options{Emulator: &stacks.Emulator{URL: url}, Unprotect: []string{"alice", "carol"}}, out); err != nil {
		t.Fatal(err)
	}
	wantS3 := func(where string, c map[string]any) {
		t.Helper()
		ep, _ := c["endpoints"].(map[string]any)
		if ep["s3"] != url || c["use_path_style"] != true || c["skip_credentials_validation"] != true ||
			c["skip_requesting_account_id"] != true || c["skip_region_validation"] != true || c["skip_metadata_api_check"] != true ||
			c["access_key"] != stacks.EmulatorAccessKey {
			t.Errorf("%s does not go to the emulator: %v", where, c)
		}
	}
	consumer := stackJSON(t, out, "local-alice-consumer")
	backend := consumer["terraform"].(map[string]any)["backend"].(map[string]any)["s3"].(map[string]any)
	wantS3("backend of local-alice-consumer", backend)
	if backend["use_lockfile"] != true {
		t.Errorf("backend use_lockfile = %v, want true", backend["use_lockfile"])
	}
	remote, _ := consumer["data"].(map[string]any)["terraform_remote_state"].(map[string]any)
	if len(remote) == 0 {
		t.Fatal("local-alice-consumer reads no remote state")
	}
	for id, r := range remote {
		wantS3("remote state "+id, r.(map[string]any)["config"].(map[string]any))
	}
	for _, c := range []struct {
		stack, typ, attr string
		want             bool
	}{
		{"local-alice-provider", "aws_lb", "enable_deletion_protection", false},
		{"local-bob-provider", "aws_lb", "enable_deletion_protection", true},
		{"local-carol-party", "aws_db_instance", "deletion_protection", false},
	} {
		res, _ := stackJSON(t, out, c.stack)["resource"].(map[string]any)[c.typ].(map[string]any)
		if len(res) != 1 {
			t.Fatalf("%s: %d %s, want 1", c.stack, len(res), c.typ)
		}
		for _, r := range res {
			if got := r.(map[string]any)[c.attr]; got != c.want {
				t.Errorf("%s: %s.%s = %v, want %v", c.stack, c.typ, c.attr, got, c.want)
			}
		}
	}
}
