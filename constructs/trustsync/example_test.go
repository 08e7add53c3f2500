package trustsync_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/trustsync"
	"github.com/mpc-mesh/infra/internal/trust"
)

// ExampleNew copies, every ten minutes, the CA certificates of bob (same
// region) and erin (another organisation, another region) into alice's
// public vault; the role is the one RolePolicy describes.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-cluster"))
	trustsync.New(stack, "trust-sync", &trustsync.Props{
		Namespace: jsii.String("kms-decentralized"),
		Image:     "registry.example.com/mpc-trust:0.1.0",
		RoleARN:   jsii.String("arn:aws:iam::111122223333:role/mpc-dev-alice-trust"),
		Plan: trust.Plan{
			Self: trust.Vault{PartyID: 1, Name: "alice", Bucket: "mpc-dev-alice-111122223333-public", Region: "eu-west-1"},
			Peers: []trust.Vault{
				{PartyID: 2, Name: "bob", Bucket: "mpc-dev-bob-444455556666-public", Region: "eu-west-1"},
				{PartyID: 5, Name: "erin", Bucket: "partner-erin-public", Region: "eu-west-3"},
			},
		},
	})
}
