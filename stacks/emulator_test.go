package stacks_test

import (
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
