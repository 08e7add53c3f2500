package irsa_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/irsa"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
)

// ExampleNew creates a role that only the service account
// kms-decentralized/mpc-party-1 of one cluster can assume.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-party"))
	role := irsa.New(stack, "party-role", &irsa.Props{
		RoleName:        "mpc-dev-alice-party",
		OIDCProviderARN: jsii.String("arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"),
		OIDCIssuer:      jsii.String("https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"),
		Namespace:       "kms-decentralized",
		ServiceAccount:  "mpc-party-1",
		Policy: policy.New(policy.Statement{
			Effect:   policy.Allow,
			Action:   []string{"s3:GetObject"},
			Resource: []string{"arn:aws:s3:::mpc-dev-alice-public/*"},
		}),
	})
	_ = role.ARN // the service account's eks.amazonaws.com/role-arn annotation
}
